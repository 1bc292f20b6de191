//! The series' names and help texts, in one place (`docs/metrics.md` lists them).

use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};

/// Current raft term.
pub const RAFT_TERM: &str = "orchestrator_raft_term";
/// 1 for this node's raft state (label `state`), 0 for the others.
pub const RAFT_STATE: &str = "orchestrator_raft_state";
/// 1 while this node leads with a quorum.
pub const RAFT_LEADER: &str = "orchestrator_raft_is_leader";
/// Changes of the leader this node knows (including to "none").
pub const RAFT_LEADER_CHANGES: &str = "orchestrator_raft_leader_changes_total";
/// Last log index.
pub const RAFT_LAST_LOG: &str = "orchestrator_raft_last_log_index";
/// Commit index (leader: replicated on a quorum; follower: applied).
pub const RAFT_COMMIT: &str = "orchestrator_raft_commit_index";
/// Applied index.
pub const RAFT_APPLIED: &str = "orchestrator_raft_applied_index";
/// Newest snapshot's index.
pub const RAFT_SNAPSHOT: &str = "orchestrator_raft_snapshot_index";
/// Members by role (`voter`, `learner`).
pub const RAFT_MEMBERS: &str = "orchestrator_raft_members";
/// Entries a peer is behind the leader's log (on the leader, label `peer`).
pub const RAFT_PEER_LAG: &str = "orchestrator_raft_peer_replication_lag_entries";
/// Time to write a group of log records (before the fsync).
pub const RAFT_APPEND_SECONDS: &str = "orchestrator_raft_log_append_seconds";
/// Time of one fdatasync of the raft log.
pub const RAFT_FSYNC_SECONDS: &str = "orchestrator_raft_log_fsync_seconds";
/// Commands per proposed raft entry.
pub const PROPOSAL_BATCH: &str = "orchestrator_raft_proposal_batch_size";
/// Probe latency.
pub const PROBE_SECONDS: &str = "orchestrator_discovery_probe_seconds";
/// Probes finished.
pub const PROBES: &str = "orchestrator_discovery_probes_total";
/// Failed probes by reason.
pub const PROBE_FAILURES: &str = "orchestrator_discovery_probe_failures_total";
/// Instances in this node's topology.
pub const INSTANCES: &str = "orchestrator_discovery_instances_known";
/// Age of the analysis (poll lag of the analysis loop).
pub const ANALYSIS_AGE: &str = "orchestrator_analysis_age_seconds";
/// Current problems by analysis code.
pub const PROBLEMS: &str = "orchestrator_analysis_problems";
/// Recoveries registered, by type (analysis code).
pub const RECOVERIES_STARTED: &str = "orchestrator_recoveries_started_total";
/// Recoveries that succeeded, by type.
pub const RECOVERIES_SUCCEEDED: &str = "orchestrator_recoveries_succeeded_total";
/// Recoveries that failed, by type.
pub const RECOVERIES_FAILED: &str = "orchestrator_recoveries_failed_total";
/// Recovery duration, by type.
pub const RECOVERY_SECONDS: &str = "orchestrator_recovery_duration_seconds";
/// HTTP requests by route template, method and status.
pub const HTTP_REQUESTS: &str = "orchestrator_http_requests_total";
/// HTTP latency by route template.
pub const HTTP_SECONDS: &str = "orchestrator_http_request_duration_seconds";
/// Resident memory.
pub const PROCESS_RSS: &str = "process_resident_memory_bytes";
/// CPU time.
pub const PROCESS_CPU: &str = "process_cpu_seconds_total";
/// Open file descriptors.
pub const PROCESS_FDS: &str = "process_open_fds";
/// Start time.
pub const PROCESS_START: &str = "process_start_time_seconds";

/// Every series' name.
pub const ALL: &[&str] = &[
    RAFT_TERM,
    RAFT_STATE,
    RAFT_LEADER,
    RAFT_LEADER_CHANGES,
    RAFT_LAST_LOG,
    RAFT_COMMIT,
    RAFT_APPLIED,
    RAFT_SNAPSHOT,
    RAFT_MEMBERS,
    RAFT_PEER_LAG,
    RAFT_APPEND_SECONDS,
    RAFT_FSYNC_SECONDS,
    PROPOSAL_BATCH,
    PROBE_SECONDS,
    PROBES,
    PROBE_FAILURES,
    INSTANCES,
    ANALYSIS_AGE,
    PROBLEMS,
    RECOVERIES_STARTED,
    RECOVERIES_SUCCEEDED,
    RECOVERIES_FAILED,
    RECOVERY_SECONDS,
    HTTP_REQUESTS,
    HTTP_SECONDS,
    PROCESS_RSS,
    PROCESS_CPU,
    PROCESS_FDS,
    PROCESS_START,
];

/// Registers every series' help text with the recorder.
pub fn describe() {
    describe_gauge!(RAFT_TERM, "Current raft term.");
    describe_gauge!(RAFT_STATE, "1 for this node's raft state (label state), 0 for the others.");
    describe_gauge!(RAFT_LEADER, "1 while this node leads with a quorum, else 0.");
    describe_counter!(RAFT_LEADER_CHANGES, "Changes of the raft leader this node knows of.");
    describe_gauge!(RAFT_LAST_LOG, "Index of the last raft log entry on this node.");
    describe_gauge!(
        RAFT_COMMIT,
        "Raft commit index (leader: replicated on a quorum; follower: applied)."
    );
    describe_gauge!(RAFT_APPLIED, "Index of the last raft entry applied to the backend.");
    describe_gauge!(RAFT_SNAPSHOT, "Index of the newest raft snapshot on this node.");
    describe_gauge!(RAFT_MEMBERS, "Raft members by role (voter, learner).");
    describe_gauge!(RAFT_PEER_LAG, "Raft entries a peer is behind the leader's log (leader only).");
    describe_histogram!(
        RAFT_APPEND_SECONDS,
        Unit::Seconds,
        "Time to write a group of raft log records."
    );
    describe_histogram!(
        RAFT_FSYNC_SECONDS,
        Unit::Seconds,
        "Time of one fdatasync of the raft log."
    );
    describe_histogram!(PROPOSAL_BATCH, "Commands per proposed raft entry (group of proposals).");
    describe_histogram!(PROBE_SECONDS, Unit::Seconds, "Time to probe one MySQL server.");
    describe_counter!(PROBES, "Probes of MySQL servers finished.");
    describe_counter!(PROBE_FAILURES, "Failed probes by reason.");
    describe_gauge!(INSTANCES, "Instances in this node's topology.");
    describe_gauge!(ANALYSIS_AGE, "Seconds since the analysis was last computed.");
    describe_gauge!(PROBLEMS, "Instances with a problem, by analysis code.");
    describe_counter!(RECOVERIES_STARTED, "Recoveries registered, by type.");
    describe_counter!(RECOVERIES_SUCCEEDED, "Recoveries that succeeded, by type.");
    describe_counter!(RECOVERIES_FAILED, "Recoveries that failed, by type.");
    describe_histogram!(RECOVERY_SECONDS, Unit::Seconds, "Recovery duration, by type.");
    describe_counter!(HTTP_REQUESTS, "HTTP requests by route template, method and status.");
    describe_histogram!(HTTP_SECONDS, Unit::Seconds, "HTTP request latency by route template.");
    describe_gauge!(PROCESS_RSS, Unit::Bytes, "Resident memory size in bytes.");
    describe_counter!(PROCESS_CPU, Unit::Seconds, "User and system CPU time spent in seconds.");
    describe_gauge!(PROCESS_FDS, "Number of open file descriptors.");
    describe_gauge!(
        PROCESS_START,
        Unit::Seconds,
        "Start time of the process since unix epoch in seconds."
    );
}

#[cfg(test)]
mod tests {
    use super::ALL;

    /// The Grafana dashboard in `docs/` uses only series this node exports.
    #[test]
    fn the_grafana_dashboard_uses_exported_series() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/grafana-dashboard.json");
        let text = std::fs::read_to_string(path).expect("docs/grafana-dashboard.json");
        let mut used = 0;
        for word in text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            if !(word.starts_with("orchestrator_") || word.starts_with("process_")) {
                continue;
            }
            let base = ["_bucket", "_sum", "_count"]
                .iter()
                .find_map(|s| word.strip_suffix(s))
                .unwrap_or(word);
            assert!(ALL.contains(&base), "the dashboard uses {word}, which is not exported");
            used += 1;
        }
        assert!(used > 20, "the dashboard uses the series ({used} uses)");
    }
}
