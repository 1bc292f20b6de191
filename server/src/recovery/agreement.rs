//! Quorum-agreed failure detection (`ExpectFailureAnalysisConcensus`): before the leader starts
//! a recovery it asks every other voting member what its own analysis sees
//! (`GET /internal/failures`, off the raft log), and goes ahead only when a majority, itself
//! included, sees the failure. A member that does not answer in time does not agree.

use std::time::Duration;

use app::core::failure_agreement::{confirms, Agreement, SeenFailure};
use app::core::ReplicationAnalysis;
use futures::future::join_all;

use super::Context;

/// How long a member has to answer.
const ASK_TIMEOUT: Duration = Duration::from_millis(1500);

/// How many voting members see the failure `a` describes.
pub async fn agreement(ctx: &Context, a: &ReplicationAnalysis) -> Agreement {
    let me = ctx.consensus.id();
    let metrics = ctx.consensus.metrics();
    let voters: Vec<u64> = metrics.membership_config.membership().voter_ids().collect();
    let key = &a.analyzed_instance_key;
    let asks = voters.iter().filter(|id| **id != me).map(|id| async move {
        let Some(uri) = ctx.consensus.peers().uri_of(*id).await else { return false };
        let reply = ctx
            .consensus
            .peers()
            .get(&format!("{uri}/internal/failures"))
            .timeout(ASK_TIMEOUT)
            .send()
            .await;
        let seen = match reply {
            Ok(r) if r.status().is_success() => r.json::<Vec<SeenFailure>>().await.ok(),
            _ => None,
        };
        seen.is_some_and(|seen| confirms(&seen, key, a.analysis))
    });
    let others = join_all(asks).await.into_iter().filter(|agrees| *agrees).count();
    let mine = usize::from(voters.contains(&me));
    Agreement { agreeing: mine + others, voters: voters.len() }
}
