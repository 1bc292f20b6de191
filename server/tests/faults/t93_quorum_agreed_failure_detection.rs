//! Setup: three nodes with `ExpectFailureAnalysisConcensus`; a MariaDB star whose master is in
//! a DC whose node does not lead ("DC-M") and whose two replicas are in the leader's DC
//! ("DC-L"); discovered.
//! Fault 1: DC-L cut from DC-M (both directions). The leader keeps a quorum with the third DC;
//! it loses the master and so do both replicas, so its own analysis says `DeadMaster`. The
//! master is alive for the two other nodes.
//! Expected: no recovery anywhere while only one of three nodes sees the failure (without the
//! key the leader would promote a replica beside a live, writable master).
//! Fault 2: the link heals, then the master is killed (kill -9).
//! Expected: every node sees it dead; exactly one recovery promotes one of the replicas.

use std::sync::Arc;

use crate::disputed_master::Disputed;
use crate::netns::FaultNet;
use crate::report::Row;
use crate::topology::Topology;

pub async fn run(net: Arc<FaultNet>) -> Row {
    let extra = format!(r#"{}, "ExpectFailureAnalysisConcensus": true"#, Topology::config());
    let mut d = match Disputed::start("t93", net, &extra).await {
        Ok(d) => d,
        Err(skipped) => return skipped,
    };
    let recovered = !d.cut_and_watch(false).await;
    d.heal_then_kill_master(recovered).await
}
