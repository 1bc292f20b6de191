//! Events recorded as they happen: raft log writes, proposal batches, probes, recoveries, HTTP
//! requests, leader changes. Each is a cheap atomic update once the recorder is installed.

use std::time::Duration;

use metrics::{counter, histogram};

use super::names;

/// A group of raft log records written (`write`) and made durable (`fsync`).
pub fn raft_log_write(write: Duration, fsync: Duration) {
    histogram!(names::RAFT_APPEND_SECONDS).record(write.as_secs_f64());
    histogram!(names::RAFT_FSYNC_SECONDS).record(fsync.as_secs_f64());
}

/// A raft entry proposed with `commands` commands.
pub fn proposal_batch(commands: usize) {
    histogram!(names::PROPOSAL_BATCH).record(commands as f64);
}

/// A probe finished after `took`; `failure` names why it failed.
pub fn probe(took: Duration, failure: Option<&'static str>) {
    histogram!(names::PROBE_SECONDS).record(took.as_secs_f64());
    counter!(names::PROBES).increment(1);
    if let Some(reason) = failure {
        counter!(names::PROBE_FAILURES, "reason" => reason).increment(1);
    }
}

/// A recovery of type `kind` (its analysis code) was registered.
pub fn recovery_started(kind: &'static str) {
    counter!(names::RECOVERIES_STARTED, "type" => kind).increment(1);
}

/// A recovery of type `kind` ended after `took`.
pub fn recovery_finished(kind: &'static str, succeeded: bool, took: Duration) {
    let name = if succeeded { names::RECOVERIES_SUCCEEDED } else { names::RECOVERIES_FAILED };
    counter!(name, "type" => kind).increment(1);
    histogram!(names::RECOVERY_SECONDS, "type" => kind).record(took.as_secs_f64());
}

/// An HTTP request to `route` (its template) answered `status` after `took`.
pub fn http_request(route: &str, method: &str, status: u16, took: Duration) {
    counter!(
        names::HTTP_REQUESTS,
        "route" => route.to_string(),
        "method" => method.to_string(),
        "status" => status.to_string()
    )
    .increment(1);
    histogram!(names::HTTP_SECONDS, "route" => route.to_string()).record(took.as_secs_f64());
}

/// The leader this node knows of changed.
pub fn leader_changed() {
    counter!(names::RAFT_LEADER_CHANGES).increment(1);
}

/// Registers the leader-change counter at 0.
pub fn leader_changes_start() {
    counter!(names::RAFT_LEADER_CHANGES).increment(0);
}
