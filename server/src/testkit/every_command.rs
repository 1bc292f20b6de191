//! One command of every kind (and the repeats that make them skip or change nothing), as the
//! state machine gets them: what the tests that compare apply paths and backends feed both sides.

use app::core::audit::AuditEntry;
use app::core::kv::KvPair;
use app::core::probe_share::ShareNode;
use app::core::recovery::{
    AckSelector, FailureDetection, RecoveryAck, RecoveryRecord, RecoveryResolution, RecoveryStep,
};
use app::core::tag::{TagFilter, Untag};
use app::core::{AnalysisCode, Command, CommandEnvelope, DomainError, InstanceKey, Proposal};

/// Every command kind, stamped, in an order where each finds what it acts on.
pub fn every_command_kind() -> Result<Vec<CommandEnvelope>, DomainError> {
    let k = |h: &str| InstanceKey { hostname: h.into(), port: 3306 };
    let now = 1_000_000;
    let record = |uid: &str, manual: bool| RecoveryRecord {
        uid: uid.into(),
        key: k("m1"),
        cluster_name: "m1:3306".into(),
        cluster_alias: "main".into(),
        analysis: AnalysisCode::DeadMaster,
        is_manual: manual,
        started_at_ms: now,
        processing_node: 1,
        operation: "automated-recovery".into(),
    };
    let untag = Untag::new(None, TagFilter::parse("role=x")?)?;
    let proposals = vec![
        Proposal::begin_downtime(k("a"), "dba", "upgrade", "1h")?,
        Proposal::begin_downtime(k("b"), "dba", "upgrade", "1h")?,
        Proposal::end_downtime(k("b")),
        Proposal::end_downtime(k("b")),
        Proposal::register_candidate(k("a"), "prefer")?,
        Proposal::deregister_candidate(k("c")),
        Proposal::forget(k("d")),
        Proposal::set_global_recoveries(false),
        Proposal::set_cluster_alias("m1:3306", "main")?,
        Proposal::begin_maintenance(k("a"), "dba", "fix", "10m")?,
        Proposal::begin_maintenance(k("a"), "dba", "again", "10m")?,
        Proposal::end_maintenance(k("a")),
        Proposal::set_cluster_recovery("main", false)?,
        Proposal::tag(k("a"), "role=backup")?,
        Proposal::tag(k("b"), "role=x")?,
        Proposal::untag(untag, vec![k("b")]),
        Proposal::register_hostname_unresolve(k("a"), "vip-a")?,
        Proposal::ack_recovery_uid("r1", "dba", "seen")?,
    ];
    let mut envs: Vec<CommandEnvelope> =
        proposals.into_iter().map(|p| p.stamp(now, 1, 3_600_000)).collect();
    let detection = FailureDetection {
        uid: "d1".into(),
        key: k("m1"),
        cluster_name: "m1:3306".into(),
        cluster_alias: "main".into(),
        analysis: AnalysisCode::DeadMaster,
        count_replicas: 2,
        is_actionable: true,
        detected_at_ms: now,
        processing_node: 1,
    };
    let raw = vec![
        Command::RegisterFailureDetection(detection.clone()),
        Command::RegisterFailureDetection(detection),
        Command::WriteRecovery { recovery: record("r0", false), block_ms: 3_600_000 },
        Command::WriteRecovery { recovery: record("r2", false), block_ms: 3_600_000 },
        Command::WriteRecoveryStep(RecoveryStep {
            uid: "r0".into(),
            at_ms: now,
            message: "x".into(),
        }),
        Command::WriteRecoveryStep(RecoveryStep {
            uid: "r0".into(),
            at_ms: now,
            message: "y".into(),
        }),
        Command::ResolveRecovery(RecoveryResolution {
            uid: "r0".into(),
            ended_at_ms: now + 5,
            is_successful: true,
            successor: Some(k("r1")),
            lost_replicas: vec![],
            participating: vec![k("m1")],
            error: None,
        }),
        Command::WriteRecovery { recovery: record("r3", true), block_ms: 3_600_000 },
        Command::Audit(AuditEntry {
            id: 0,
            at_ms: now,
            audit_type: "test".into(),
            key: k("a"),
            message: "m".into(),
        }),
        Command::PutKvPairs(vec![KvPair {
            key: "mysql/master/main".into(),
            value: "m1:3306".into(),
        }]),
        Command::ProbeShareNodes(vec![ShareNode { id: 1, data_center: "dc1".into() }]),
        Command::Discover(k("e")),
        Command::LeaderUri { node_id: 1, uri: "http://n1".into() },
        Command::EnableClusterRecovery("main".into()),
        Command::AckRecovery(RecoveryAck {
            selector: AckSelector::Cluster("main".into()),
            owner: "dba".into(),
            comment: "seen".into(),
            at_ms: now + 10,
        }),
        Command::EnableGlobalRecoveries,
        Command::ForgetCluster { cluster_name: "m1:3306".into(), keys: vec![k("m1"), k("r1")] },
        Command::Heartbeat,
        Command::PruneHistory { before_ms: now - 1 },
    ];
    envs.extend(raw.into_iter().map(|c| CommandEnvelope::new(c, now + 10, 1)));
    Ok(envs)
}

/// How many command kinds the state machine applies (every `Command` but `Batch`, which it
/// unfolds): [`every_command_kind`] holds at least one of each.
pub const KINDS: usize = 28;

/// Whether the state machine applies `c` as a kind of its own. Exhaustive on purpose: a new
/// `Command` does not build until it is listed here, next to [`KINDS`], and given a sample.
pub fn is_applied_kind(c: &Command) -> bool {
    match c {
        Command::Batch(_) => false,
        Command::BeginDowntime(_)
        | Command::EndDowntime(_)
        | Command::RegisterCandidate(_)
        | Command::DeregisterCandidate(_)
        | Command::Forget(_)
        | Command::DisableGlobalRecoveries
        | Command::EnableGlobalRecoveries
        | Command::LeaderUri { .. }
        | Command::Heartbeat
        | Command::Discover(_)
        | Command::ForgetCluster { .. }
        | Command::SetClusterAlias { .. }
        | Command::RegisterFailureDetection(_)
        | Command::WriteRecovery { .. }
        | Command::WriteRecoveryStep(_)
        | Command::ResolveRecovery(_)
        | Command::AckRecovery(_)
        | Command::PruneHistory { .. }
        | Command::BeginMaintenance(_)
        | Command::EndMaintenance(_)
        | Command::Audit(_)
        | Command::DisableClusterRecovery(_)
        | Command::EnableClusterRecovery(_)
        | Command::PutKvPairs(_)
        | Command::PutInstanceTag { .. }
        | Command::DeleteInstanceTag { .. }
        | Command::RegisterHostnameUnresolve(_)
        | Command::ProbeShareNodes(_) => true,
    }
}
