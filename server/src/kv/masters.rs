//! The leader's side of KV master discovery: the pairs of every writeable master (its name
//! resolved here, on the proposer, never in apply), proposed through raft.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use app::core::kv::{master_pairs, KvPair, ResolvedIps};
use app::core::{Command, CommandEnvelope, InstanceKey};
use tokio::sync::watch;

use crate::analysis_state::AnalysisState;
use crate::clock::Clock;
use crate::config::NodeConfig;
use crate::consensus::Consensus;
use crate::propose::{ProposeError, Proposer};
use crate::store::Store;

/// How often the leader looks for masters whose pairs are missing or differ.
const EVERY: Duration = Duration::from_secs(5);

/// What KV master discovery uses: the node's membership (leadership, its id), its write path,
/// the replicated pairs, the latest topology, the configuration (`KVClusterMasterPrefix`) and
/// the clock.
pub struct Context {
    /// This node as a raft member.
    pub consensus: Consensus,
    /// The write path into raft.
    pub proposer: Proposer,
    /// This node's backend (the replicated pairs).
    pub store: Store,
    /// The latest analysis of this node's observations.
    pub analysis: Arc<AnalysisState>,
    /// Validated configuration (`kv`).
    pub config: Arc<NodeConfig>,
    /// Proposers' clock.
    pub clock: Arc<dyn Clock>,
}

/// The first IPv4 and IPv6 address `host` resolves to; `None` when it does not resolve.
pub async fn resolve(host: &str) -> Option<ResolvedIps> {
    let addrs = tokio::time::timeout(Duration::from_secs(2), tokio::net::lookup_host((host, 0)))
        .await
        .ok()?
        .ok()?;
    let mut ips = ResolvedIps::default();
    for addr in addrs {
        match addr.ip() {
            IpAddr::V4(v4) if ips.ipv4.is_empty() => ips.ipv4 = v4.to_string(),
            IpAddr::V6(v6) if ips.ipv6.is_empty() => ips.ipv6 = v6.to_string(),
            _ => {}
        }
    }
    Some(ips)
}

/// The pairs naming `master` as the master of the cluster `alias`.
pub async fn pairs_of(ctx: &Context, alias: &str, master: &InstanceKey) -> Vec<KvPair> {
    let ips = resolve(&master.hostname).await;
    master_pairs(&ctx.config.kv.prefix, alias, master, ips.as_ref())
}

/// (alias, master) of every cluster whose master is writeable (or only `cluster`'s), from this
/// node's topology: orchestrator's `ReadWriteableClustersMasters`.
pub fn writeable_masters(ctx: &Context, cluster: Option<&str>) -> Vec<(String, InstanceKey)> {
    let snapshot = ctx.analysis.get();
    let mut masters = Vec::new();
    for info in snapshot.topology.clusters() {
        if cluster.is_some_and(|c| c != info.name) {
            continue;
        }
        let Some(master) = info.master.as_ref() else { continue };
        let writeable = snapshot
            .topology
            .instance(master)
            .is_some_and(|i| i.is_last_check_valid && !i.read_only);
        if writeable {
            masters.push((snapshot.alias(&info.name), master.clone()));
        }
    }
    masters
}

/// The pairs of every cluster's writeable master (or only `cluster`'s): orchestrator's
/// `GetMastersKVPairs`.
pub async fn masters_pairs(ctx: &Context, cluster: Option<&str>) -> Vec<KvPair> {
    let mut pairs = Vec::new();
    for (alias, master) in writeable_masters(ctx, cluster) {
        pairs.extend(pairs_of(ctx, &alias, &master).await);
    }
    pairs
}

/// Proposes `pairs` as one `put-key-value` command (nothing when empty).
pub async fn submit(ctx: &Context, pairs: Vec<KvPair>) -> Result<usize, ProposeError> {
    if pairs.is_empty() {
        return Ok(0);
    }
    let n = pairs.len();
    let env =
        CommandEnvelope::new(Command::PutKvPairs(pairs), ctx.clock.now_ms(), ctx.consensus.id());
    ctx.proposer.propose(env, false).await.map(|_| n)
}

/// `submit-masters-to-kv-stores[/:clusterHint]`: the pairs of every writeable master (or the
/// hinted cluster's), proposed whether or not the table holds them already.
pub async fn submit_masters(
    ctx: &Context,
    hint: Option<&str>,
) -> Result<Vec<KvPair>, app::api::ApiError> {
    use app::api::ApiError;
    if !ctx.consensus.is_leader_with_quorum() {
        return Err(ApiError::Unavailable("not the raft leader; nothing was submitted".into()));
    }
    let cluster = match hint {
        Some(h) => Some(
            ctx.analysis
                .get()
                .resolve_cluster(h)
                .ok_or_else(|| ApiError::NotFound(format!("no cluster matches {h:?}")))?,
        ),
        None => None,
    };
    let pairs = masters_pairs(ctx, cluster.as_deref()).await;
    submit(ctx, pairs.clone()).await.map_err(ApiError::from)?;
    Ok(pairs)
}

/// The pairs among `wanted` that the replicated table lacks or holds with another value.
pub async fn missing(ctx: &Context, wanted: Vec<KvPair>) -> Vec<KvPair> {
    let have: BTreeMap<String, String> = match ctx.store.kv_pairs().await {
        Ok(pairs) => pairs.into_iter().map(|p| (p.key, p.value)).collect(),
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the replicated KV pairs");
            return Vec::new();
        }
    };
    wanted.into_iter().filter(|p| have.get(&p.key) != Some(&p.value)).collect()
}

/// On the leader, every few seconds: proposes the pairs of masters the table lacks (new
/// clusters; orchestrator's periodic `SubmitMastersToKvStores`).
pub async fn run(ctx: Arc<Context>, mut shutdown: watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(EVERY) => {}
            _ = shutdown.changed() => {
                if *shutdown.borrow() {
                    return;
                }
            }
        }
        if !ctx.consensus.is_leader_with_quorum() {
            continue;
        }
        // Names are resolved only for masters whose main key is missing or names another.
        let have: BTreeMap<String, String> = match ctx.store.kv_pairs().await {
            Ok(pairs) => pairs.into_iter().map(|p| (p.key, p.value)).collect(),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the replicated KV pairs");
                continue;
            }
        };
        let mut wanted = Vec::new();
        for (alias, master) in writeable_masters(&ctx, None) {
            let key = app::core::kv::master_key(&ctx.config.kv.prefix, &alias);
            if have.get(&key) != Some(&master.to_string()) {
                wanted.extend(pairs_of(&ctx, &alias, &master).await);
            }
        }
        let pairs = missing(&ctx, wanted).await;
        if pairs.is_empty() {
            continue;
        }
        match submit(&ctx, pairs).await {
            Ok(n) => tracing::info!(pairs = n, "submitted masters to KV"),
            Err(e) => tracing::warn!(error = %e, "could not submit masters to KV"),
        }
    }
}
