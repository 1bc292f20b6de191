//! Every instruction replicated through raft, and the user intents that become them: each
//! write command's variant, its validating constructor, its stamping and the one wording of its
//! outcome (used by the HTTP API and the dashboard alike) live here together.

use serde::{Deserialize, Serialize};

use crate::core::audit::AuditEntry;
use crate::core::downtime::{validate_text, Downtime, DowntimeRequest};
use crate::core::envelope::{CommandEnvelope, CommandOutcome};
use crate::core::error::DomainError;
use crate::core::instance_key::InstanceKey;
use crate::core::maintenance::{Maintenance, MaintenanceEnd, MaintenanceRequest};
use crate::core::promotion_rule::{CandidateRegistration, PromotionRule};
use crate::core::recovery::{
    AckSelector, FailureDetection, RecoveryAck, RecoveryRecord, RecoveryResolution, RecoveryStep,
};
use crate::core::tag::{Tag, TagFilter, Untag};
use crate::core::unresolve::{validate_virtual_name, HostnameRegistration};

/// Every instruction replicated through raft. Serialized as `{"op": "...", "value": ...}` with
/// orchestrator's op names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", content = "value", rename_all = "kebab-case")]
pub enum Command {
    /// Silence an instance for automated recovery until the stamped end.
    BeginDowntime(Downtime),
    /// Lift an instance's downtime.
    EndDowntime(InstanceKey),
    /// Register (or replace) an instance's promotion rule.
    RegisterCandidate(CandidateRegistration),
    /// Forget an instance: drop what this node knows of it.
    Forget(InstanceKey),
    /// Turn off every automated recovery, cluster-wide.
    DisableGlobalRecoveries,
    /// Turn automated recoveries back on.
    EnableGlobalRecoveries,
    /// A node announces its HTTP address as it becomes leader (orchestrator's `leader-uri`).
    LeaderUri {
        /// The announcing node's raft id.
        node_id: u64,
        /// Its HTTP base URI (`scheme://host:port`).
        uri: String,
    },
    /// Leader's periodic no-op; keeps the log moving and carries time forward so that
    /// expired downtimes and registrations are removed deterministically.
    Heartbeat,
    /// The leader probed a new instance: every node adds it to its own discovery.
    Discover(InstanceKey),
    /// Forget every instance of a cluster. The proposer lists the keys it knows, so that the
    /// replicated "forgotten" rows do not depend on any node's own observations.
    ForgetCluster {
        /// The cluster.
        cluster_name: String,
        /// Its instances, as the proposer saw them.
        keys: Vec<InstanceKey>,
    },
    /// Manual cluster alias (`set-cluster-alias`); an empty alias removes the override.
    SetClusterAlias {
        /// The cluster name (`host:port` of its master).
        cluster_name: String,
        /// The alias.
        alias: String,
    },
    /// The leader detected a failure (before hooks or recovery).
    RegisterFailureDetection(FailureDetection),
    /// The leader registers a recovery before changing any server. Applying it is the fence:
    /// it is skipped when the cluster already has a recovery in progress, or (for automated
    /// ones) an unacknowledged one within the block period.
    WriteRecovery {
        /// The recovery.
        recovery: RecoveryRecord,
        /// `RecoveryPeriodBlockSeconds` in ms, as the proposer had it.
        block_ms: i64,
    },
    /// An audit line of a recovery.
    WriteRecoveryStep(RecoveryStep),
    /// How a recovery ended.
    ResolveRecovery(RecoveryResolution),
    /// An operator acknowledges recoveries (and their detections).
    AckRecovery(RecoveryAck),
    /// Drop detections and recoveries that ended before `before_ms` (keeps snapshots small).
    PruneHistory {
        /// Cut-off (unix ms).
        before_ms: i64,
    },
    /// Remove an instance's promotion-rule registration (back to the default, `neutral`).
    DeregisterCandidate(InstanceKey),
    /// Take a maintenance lock (refused at apply while the instance holds one).
    BeginMaintenance(Maintenance),
    /// Release a maintenance lock.
    EndMaintenance(MaintenanceEnd),
    /// A line of the audit log.
    Audit(AuditEntry),
    /// Several commands proposed together into one raft entry (one log append, one fsync, one
    /// apply transaction), applied in order, each with its own stamp. Never nested.
    Batch(Vec<CommandEnvelope>),
    /// Turn off automated recovery of one cluster (by name or alias); the global switch stays.
    DisableClusterRecovery(String),
    /// Turn automated recovery of one cluster back on.
    EnableClusterRecovery(String),
    /// Key-value pairs of master discovery (orchestrator's `put-key-value`): every node records
    /// them, then publishes them to its own configured stores after commit.
    PutKvPairs(Vec<crate::core::kv::KvPair>),
    /// Tag an instance (replacing the value of a tag of the same name).
    PutInstanceTag {
        /// The instance.
        key: InstanceKey,
        /// The tag.
        tag: Tag,
    },
    /// Remove a tag from the listed instances (the ones the proposer found carrying it).
    DeleteInstanceTag {
        /// Which tag, and from which instance (`None`: any).
        untag: Untag,
        /// The instances to untag, as the proposer saw them.
        keys: Vec<InstanceKey>,
    },
    /// Register (or, with an empty virtual name, remove) a host's virtual name.
    RegisterHostnameUnresolve(HostnameRegistration),
    /// Probe sharing: the nodes the leader found healthy, with their data centers. Every node
    /// derives who probes which replica from it (`probe_share::assign`); empty: every node
    /// probes everything.
    ProbeShareNodes(Vec<crate::core::probe_share::ShareNode>),
}

impl Command {
    /// Orchestrator's op name for this command.
    pub fn op(&self) -> &'static str {
        match self {
            Command::BeginDowntime(_) => "begin-downtime",
            Command::EndDowntime(_) => "end-downtime",
            Command::RegisterCandidate(_) => "register-candidate",
            Command::Forget(_) => "forget",
            Command::DisableGlobalRecoveries => "disable-global-recoveries",
            Command::EnableGlobalRecoveries => "enable-global-recoveries",
            Command::LeaderUri { .. } => "leader-uri",
            Command::Heartbeat => "heartbeat",
            Command::Discover(_) => "discover",
            Command::ForgetCluster { .. } => "forget-cluster",
            Command::SetClusterAlias { .. } => "set-cluster-alias-manual-override",
            Command::RegisterFailureDetection(_) => "register-failure-detection",
            Command::WriteRecovery { .. } => "write-recovery",
            Command::WriteRecoveryStep(_) => "write-recovery-step",
            Command::ResolveRecovery(_) => "resolve-recovery",
            Command::AckRecovery(_) => "ack-recovery",
            Command::PruneHistory { .. } => "prune-history",
            Command::Batch(_) => "batch",
            Command::DeregisterCandidate(_) => "deregister-candidate",
            Command::BeginMaintenance(_) => "begin-maintenance",
            Command::EndMaintenance(_) => "end-maintenance",
            Command::Audit(_) => "audit",
            Command::DisableClusterRecovery(_) => "disable-cluster-recovery",
            Command::EnableClusterRecovery(_) => "enable-cluster-recovery",
            Command::PutKvPairs(_) => "put-key-value",
            Command::PutInstanceTag { .. } => "put-instance-tag",
            Command::DeleteInstanceTag { .. } => "delete-instance-tag",
            Command::RegisterHostnameUnresolve(_) => "register-hostname-unresolve",
            Command::ProbeShareNodes(_) => "probe-share-nodes",
        }
    }
}

/// A user intent that passed validation but has no times yet. The HTTP API and the dashboard's
/// server functions both produce these; the control plane stamps and proposes them, so there is
/// exactly one path into raft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", content = "value", rename_all = "kebab-case")]
pub enum Proposal {
    /// `begin-downtime`.
    BeginDowntime(DowntimeRequest),
    /// `end-downtime`.
    EndDowntime(InstanceKey),
    /// `register-candidate`.
    RegisterCandidate {
        /// The instance.
        key: InstanceKey,
        /// The rule.
        promotion_rule: PromotionRule,
    },
    /// `deregister-candidate`: drop a registration.
    DeregisterCandidate(InstanceKey),
    /// `forget`.
    Forget(InstanceKey),
    /// `disable-global-recoveries` (false) / `enable-global-recoveries` (true).
    SetGlobalRecoveries {
        /// Whether automated recoveries are allowed.
        enabled: bool,
    },
    /// `ack-recovery` / `ack-all-recoveries` (validated: non-empty comment).
    AckRecovery {
        /// What to acknowledge.
        selector: AckSelector,
        /// Who.
        owner: String,
        /// Why (required).
        comment: String,
    },
    /// `forget-cluster`, with the cluster's instances as the proposer knows them.
    ForgetCluster {
        /// The cluster.
        cluster_name: String,
        /// Its instances.
        keys: Vec<InstanceKey>,
    },
    /// `set-cluster-alias` (empty alias removes the override).
    SetClusterAlias {
        /// Cluster name.
        cluster_name: String,
        /// Alias.
        alias: String,
    },
    /// `begin-maintenance`.
    BeginMaintenance(MaintenanceRequest),
    /// `end-maintenance` (by instance or by id).
    EndMaintenance(MaintenanceEnd),
    /// `disable-cluster-recovery` (false) / `enable-cluster-recovery` (true) of one cluster.
    SetClusterRecovery {
        /// The cluster's alias when it has one (aliases survive failovers), else its name.
        cluster: String,
        /// Whether automated recovery of that cluster is allowed.
        enabled: bool,
    },
    /// `tag`.
    Tag {
        /// The instance.
        key: InstanceKey,
        /// The tag.
        tag: Tag,
    },
    /// `untag` / `untag-all`, with the instances the proposer found carrying the tag.
    Untag {
        /// What to remove.
        untag: Untag,
        /// The instances that carry it.
        keys: Vec<InstanceKey>,
    },
    /// `register-hostname-unresolve` / `deregister-hostname-unresolve` (empty virtual name).
    HostnameUnresolve {
        /// The instance.
        key: InstanceKey,
        /// Its virtual name (validated), or empty.
        virtual_name: String,
    },
}

impl Proposal {
    /// Stamps the proposal into a raft command at `now_ms` on node `proposer`.
    /// `candidate_expire_ms` is `CandidateInstanceExpireMinutes` in milliseconds.
    pub fn stamp(self, now_ms: i64, proposer: u64, candidate_expire_ms: i64) -> CommandEnvelope {
        let command = match self {
            Proposal::BeginDowntime(req) => Command::BeginDowntime(req.stamp(now_ms)),
            Proposal::EndDowntime(key) => Command::EndDowntime(key),
            Proposal::RegisterCandidate { key, promotion_rule } => {
                Command::RegisterCandidate(CandidateRegistration {
                    key,
                    promotion_rule,
                    last_suggested_ms: now_ms,
                    expires_at_ms: now_ms.saturating_add(candidate_expire_ms),
                })
            }
            Proposal::Forget(key) => Command::Forget(key),
            Proposal::DeregisterCandidate(key) => Command::DeregisterCandidate(key),
            Proposal::SetGlobalRecoveries { enabled: true } => Command::EnableGlobalRecoveries,
            Proposal::SetGlobalRecoveries { enabled: false } => Command::DisableGlobalRecoveries,
            Proposal::AckRecovery { selector, owner, comment } => {
                Command::AckRecovery(RecoveryAck { selector, owner, comment, at_ms: now_ms })
            }
            Proposal::ForgetCluster { cluster_name, keys } => {
                Command::ForgetCluster { cluster_name, keys }
            }
            Proposal::SetClusterAlias { cluster_name, alias } => {
                Command::SetClusterAlias { cluster_name, alias }
            }
            Proposal::BeginMaintenance(req) => Command::BeginMaintenance(req.stamp(now_ms)),
            Proposal::EndMaintenance(end) => Command::EndMaintenance(end),
            Proposal::SetClusterRecovery { cluster, enabled: false } => {
                Command::DisableClusterRecovery(cluster)
            }
            Proposal::SetClusterRecovery { cluster, enabled: true } => {
                Command::EnableClusterRecovery(cluster)
            }
            Proposal::Tag { key, tag } => Command::PutInstanceTag { key, tag },
            Proposal::Untag { untag, keys } => Command::DeleteInstanceTag { untag, keys },
            Proposal::HostnameUnresolve { key, virtual_name } => {
                Command::RegisterHostnameUnresolve(HostnameRegistration {
                    key,
                    virtual_name,
                    registered_at_ms: now_ms,
                })
            }
        };
        CommandEnvelope::new(command, now_ms, proposer)
    }
}

impl Proposal {
    /// `begin-downtime`: owner and reason required; `duration` like `30s`, `10m`, `2h`, `1d`
    /// (empty: orchestrator's 10 minutes).
    pub fn begin_downtime(
        key: InstanceKey,
        owner: &str,
        reason: &str,
        duration: &str,
    ) -> Result<Self, DomainError> {
        Ok(Proposal::BeginDowntime(DowntimeRequest::parse(key, owner, reason, duration)?))
    }

    /// `end-downtime`.
    pub fn end_downtime(key: InstanceKey) -> Self {
        Proposal::EndDowntime(key)
    }

    /// `register-candidate` with orchestrator's rule names.
    pub fn register_candidate(key: InstanceKey, rule: &str) -> Result<Self, DomainError> {
        Ok(Proposal::RegisterCandidate { key, promotion_rule: rule.trim().parse()? })
    }

    /// `deregister-candidate`.
    pub fn deregister_candidate(key: InstanceKey) -> Self {
        Proposal::DeregisterCandidate(key)
    }

    /// `forget`.
    pub fn forget(key: InstanceKey) -> Self {
        Proposal::Forget(key)
    }

    /// `enable-global-recoveries` / `disable-global-recoveries`.
    pub fn set_global_recoveries(enabled: bool) -> Self {
        Proposal::SetGlobalRecoveries { enabled }
    }

    /// `ack-recovery`: a comment is required.
    pub fn ack_recovery(
        selector: AckSelector,
        owner: &str,
        comment: &str,
    ) -> Result<Self, DomainError> {
        let comment = validate_text("comment", comment)?;
        Ok(Proposal::AckRecovery { selector, owner: owner.to_string(), comment })
    }

    /// `ack-recovery/uid/:uid`: a recovery id as this project writes them, and a comment.
    pub fn ack_recovery_uid(uid: &str, owner: &str, comment: &str) -> Result<Self, DomainError> {
        let uid = uid.trim();
        if uid.is_empty()
            || uid.len() > 64
            || !uid.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(DomainError::field("uid", format!("invalid recovery uid {uid:?}")));
        }
        Self::ack_recovery(AckSelector::Uid(uid.to_string()), owner, comment)
    }

    /// `forget-cluster`, with the cluster's instances as the proposer knows them.
    pub fn forget_cluster(cluster_name: String, keys: Vec<InstanceKey>) -> Self {
        Proposal::ForgetCluster { cluster_name, keys }
    }

    /// `set-cluster-alias`; an empty alias removes the override.
    pub fn set_cluster_alias(cluster_name: &str, alias: &str) -> Result<Self, DomainError> {
        if alias.len() > 255 || alias.chars().any(char::is_control) {
            return Err(DomainError::field("alias", "invalid alias"));
        }
        if cluster_name.is_empty() || cluster_name.len() > 255 {
            return Err(DomainError::field("cluster", "invalid cluster name"));
        }
        Ok(Proposal::SetClusterAlias {
            cluster_name: cluster_name.to_string(),
            alias: alias.to_string(),
        })
    }

    /// `begin-maintenance`: owner and reason required; `duration` as for downtimes (empty: the
    /// 10-minute default).
    pub fn begin_maintenance(
        key: InstanceKey,
        owner: &str,
        reason: &str,
        duration: &str,
    ) -> Result<Self, DomainError> {
        Ok(Proposal::BeginMaintenance(MaintenanceRequest::parse(key, owner, reason, duration)?))
    }

    /// `end-maintenance/:host/:port`.
    pub fn end_maintenance(key: InstanceKey) -> Self {
        Proposal::EndMaintenance(MaintenanceEnd::Key(key))
    }

    /// `end-maintenance/:maintenanceKey`.
    pub fn end_maintenance_id(id: &str) -> Result<Self, DomainError> {
        Ok(Proposal::EndMaintenance(MaintenanceEnd::id(id)?))
    }

    /// `disable-cluster-recovery` / `enable-cluster-recovery` of `cluster` (its alias, or its
    /// name when it has none).
    pub fn set_cluster_recovery(cluster: &str, enabled: bool) -> Result<Self, DomainError> {
        let cluster = cluster.trim();
        if cluster.is_empty() || cluster.len() > 255 || cluster.chars().any(char::is_control) {
            return Err(DomainError::field("cluster", "invalid cluster name"));
        }
        Ok(Proposal::SetClusterRecovery { cluster: cluster.to_string(), enabled })
    }

    /// `tag` with `?tag=name[=value]` (a negation is refused).
    pub fn tag(key: InstanceKey, text: &str) -> Result<Self, DomainError> {
        let filter = TagFilter::parse(text)?;
        if filter.negate {
            return Err(DomainError::field("tag", "cannot tag with a negation"));
        }
        let tag = Tag::new(&filter.name, filter.value.as_deref().unwrap_or(""))?;
        Ok(Proposal::Tag { key, tag })
    }

    /// `tag/:host/:port/:tagName/:tagValue`.
    pub fn tag_named(key: InstanceKey, name: &str, value: &str) -> Result<Self, DomainError> {
        Ok(Proposal::Tag { key, tag: Tag::new(name, value)? })
    }

    /// `untag` / `untag-all`: `untag` (see [`Untag::new`]) from `keys`, the instances the
    /// proposer found carrying it ([`Untag::targets`]).
    pub fn untag(untag: Untag, keys: Vec<InstanceKey>) -> Self {
        Proposal::Untag { untag, keys }
    }

    /// `register-hostname-unresolve/:host/:port/:virtualname`.
    pub fn register_hostname_unresolve(key: InstanceKey, name: &str) -> Result<Self, DomainError> {
        Ok(Proposal::HostnameUnresolve { key, virtual_name: validate_virtual_name(name)? })
    }

    /// `deregister-hostname-unresolve/:host/:port`.
    pub fn deregister_hostname_unresolve(key: InstanceKey) -> Self {
        Proposal::HostnameUnresolve { key, virtual_name: String::new() }
    }

    /// What happened, in words: the command's own wording when applied, the reason otherwise.
    pub fn outcome_message(&self, outcome: &CommandOutcome) -> String {
        match outcome {
            CommandOutcome::Applied => self.done_message(),
            CommandOutcome::Unchanged { reason } | CommandOutcome::Skipped { reason } => {
                reason.clone()
            }
        }
    }

    /// The one wording of each applied proposal.
    pub fn done_message(&self) -> String {
        match self {
            Proposal::BeginDowntime(req) => format!(
                "Downtime begun on {} for {}",
                req.key,
                crate::core::duration::format_duration_ms(req.duration_ms)
            ),
            Proposal::EndDowntime(key) => format!("Downtime ended on {key}"),
            Proposal::RegisterCandidate { key, promotion_rule } => {
                format!("Registered {key} as {promotion_rule}")
            }
            Proposal::DeregisterCandidate(key) => format!("Removed the promotion rule of {key}"),
            Proposal::Forget(key) => format!("Instance forgotten: {key}"),
            Proposal::SetGlobalRecoveries { enabled: true } => "Global recoveries enabled".into(),
            Proposal::SetGlobalRecoveries { enabled: false } => "Global recoveries disabled".into(),
            Proposal::AckRecovery { selector: AckSelector::Uid(uid), .. } => {
                format!("Recovery {uid} acknowledged")
            }
            Proposal::AckRecovery { .. } => "Recoveries acknowledged".into(),
            Proposal::ForgetCluster { cluster_name, .. } => {
                format!("Cluster forgotten: {cluster_name}")
            }
            Proposal::SetClusterAlias { cluster_name, alias } => {
                format!("Cluster {cluster_name} alias set to {alias:?}")
            }
            Proposal::BeginMaintenance(req) => format!("Maintenance begun: {}", req.key),
            Proposal::EndMaintenance(end) => format!("Maintenance ended: {end}"),
            Proposal::SetClusterRecovery { cluster, enabled: true } => {
                format!("Automated recovery enabled for cluster {cluster}")
            }
            Proposal::SetClusterRecovery { cluster, enabled: false } => {
                format!("Automated recovery disabled for cluster {cluster}")
            }
            Proposal::Tag { key, tag } => format!("{key} tagged with {}", tag.pair()),
            Proposal::Untag { untag, keys } => {
                format!("{} removed from {} instances", untag.name, keys.len())
            }
            Proposal::HostnameUnresolve { virtual_name, .. } if virtual_name.is_empty() => {
                "Hostname deregister unresolve completed".into()
            }
            Proposal::HostnameUnresolve { .. } => "Hostname register unresolve completed".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::promotion_rule::PromotionRule;

    #[test]
    fn envelope_round_trips_with_orchestrator_op_names() {
        let key = InstanceKey::new("db1", 3306).unwrap();
        let cmd = Command::RegisterCandidate(CandidateRegistration {
            key,
            promotion_rule: PromotionRule::Prefer,
            last_suggested_ms: 5,
            expires_at_ms: 10,
        });
        let env = CommandEnvelope::new(cmd, 5, 7);
        let json = serde_json::to_string(&env).unwrap();
        assert!(json.contains(r#""op":"register-candidate""#), "{json}");
        let back: CommandEnvelope = serde_json::from_str(&json).unwrap();
        assert_eq!(back, env);
        assert_eq!(back.command.op(), "register-candidate");
    }

    #[test]
    fn unknown_op_is_an_error_not_a_default() {
        let json = r#"{"v":1,"issued_at_ms":1,"proposer":1,"command":{"op":"drop-everything","value":null}}"#;
        assert!(serde_json::from_str::<CommandEnvelope>(json).is_err());
    }

    #[test]
    fn unit_commands_serialize() {
        let json = serde_json::to_string(&Command::DisableGlobalRecoveries).unwrap();
        assert_eq!(json, r#"{"op":"disable-global-recoveries"}"#);
        let back: Command = serde_json::from_str(&json).unwrap();
        assert_eq!(back, Command::DisableGlobalRecoveries);
    }

    #[test]
    fn stamps_times_from_the_proposer() {
        let key = InstanceKey::new("db", 3306).unwrap();
        let req = DowntimeRequest::parse(key.clone(), "o", "r", "1m").unwrap();
        let env = Proposal::BeginDowntime(req).stamp(1_000, 3, 0);
        match env.command {
            Command::BeginDowntime(d) => {
                assert_eq!((d.begins_at_ms, d.ends_at_ms), (1_000, 61_000));
            }
            other => panic!("unexpected {other:?}"),
        }
        let env = Proposal::RegisterCandidate { key, promotion_rule: PromotionRule::MustNot }
            .stamp(10, 1, 100);
        match env.command {
            Command::RegisterCandidate(c) => {
                assert_eq!((c.last_suggested_ms, c.expires_at_ms), (10, 110))
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(env.issued_at_ms, 10);
        assert_eq!(env.proposer, 1);
    }

    #[test]
    fn constructors_validate_and_word_their_outcome() {
        let key = InstanceKey::new("db", 3306).unwrap();
        let p = Proposal::begin_downtime(key.clone(), "ops", "maint", "30m").unwrap();
        assert_eq!(p.done_message(), "Downtime begun on db:3306 for 30m");
        assert!(Proposal::begin_downtime(key.clone(), "ops", "maint", "10x").is_err());
        assert!(Proposal::begin_downtime(key.clone(), " ", "maint", "").is_err());
        assert!(Proposal::register_candidate(key.clone(), "must").is_err());
        let p = Proposal::register_candidate(key.clone(), "prefer_not").unwrap();
        assert_eq!(p.done_message(), "Registered db:3306 as prefer_not");
        let unchanged = CommandOutcome::Unchanged { reason: "no downtime".into() };
        assert_eq!(Proposal::end_downtime(key.clone()).outcome_message(&unchanged), "no downtime");
        assert!(Proposal::ack_recovery(AckSelector::All, "api", "").is_err());
        assert!(Proposal::set_cluster_alias("c1", "bad\nalias").is_err());
        assert_eq!(
            Proposal::set_global_recoveries(false).done_message(),
            "Global recoveries disabled"
        );
        let p = Proposal::set_cluster_recovery("shop", false).unwrap();
        assert_eq!(p.done_message(), "Automated recovery disabled for cluster shop");
        assert!(Proposal::set_cluster_recovery(" ", true).is_err());
        let json = serde_json::to_string(&p.stamp(1, 1, 0).command).unwrap();
        assert_eq!(json, r#"{"op":"disable-cluster-recovery","value":"shop"}"#);
    }

    #[test]
    fn tag_proposals_validate_and_word_their_outcome() {
        let key = InstanceKey::new("db", 3306).unwrap();
        let p = Proposal::tag(key.clone(), "role=backup").unwrap();
        assert_eq!(p.done_message(), "db:3306 tagged with role=backup");
        assert_eq!(p.clone().stamp(1, 1, 0).command.op(), "put-instance-tag");
        assert_eq!(
            Proposal::tag(key.clone(), "flag").unwrap().done_message(),
            "db:3306 tagged with flag="
        );
        assert!(Proposal::tag(key.clone(), "~role").is_err());
        assert!(Proposal::tag_named(key.clone(), " ", "x").is_err());
        let untag = Untag::new(Some(key.clone()), TagFilter::parse("role").unwrap()).unwrap();
        let p = Proposal::untag(untag, vec![key]);
        assert_eq!(p.done_message(), "role removed from 1 instances");
        assert_eq!(p.stamp(1, 1, 0).command.op(), "delete-instance-tag");
    }
}
