//! Values read at scrape time: raft (state, term, indexes, members, peers' lag), discovery and
//! analysis (instances known, problems per code, the analysis's age), and the process. The
//! caller (`http/metrics_api.rs`) gathers the node's figures into [`Figures`]; this module
//! depends on nothing above it.

use std::collections::BTreeSet;
use std::sync::Mutex;

use app::api::dto::RaftStatusView;
use metrics::{counter, gauge};

use super::{names, process};
use crate::analysis_state::AnalysisSnapshot;

/// Raft states as orchestrator names them.
const STATES: &[&str] = &["Leader", "Follower", "Candidate", "Learner", "Shutdown"];

/// What a scrape reads from the node.
pub struct Figures<'a> {
    /// This node's raft status.
    pub status: &'a RaftStatusView,
    /// Leads and holds a quorum right now.
    pub leads: bool,
    /// The ids of the membership's voters.
    pub voters: &'a [u64],
    /// How many learners the membership has.
    pub learners: usize,
    /// The latest analysis of this node's observations.
    pub analysis: &'a AnalysisSnapshot,
    /// The proposers' clock, now (ms).
    pub now_ms: i64,
}

/// Sets every scrape-time series from `figures`, then renders the whole exposition.
pub fn render(figures: &Figures<'_>) -> String {
    raft(figures);
    topology(figures);
    process_figures();
    let handle = super::handle();
    handle.run_upkeep();
    handle.render()
}

fn raft(figures: &Figures<'_>) {
    let status = figures.status;
    gauge!(names::RAFT_TERM).set(status.term as f64);
    for state in STATES {
        gauge!(names::RAFT_STATE, "state" => *state)
            .set(f64::from(u8::from(status.state == *state)));
    }
    let leads = figures.leads;
    gauge!(names::RAFT_LEADER).set(f64::from(u8::from(leads)));
    let last = status.last_log_index.unwrap_or(0);
    gauge!(names::RAFT_LAST_LOG).set(last as f64);
    gauge!(names::RAFT_APPLIED).set(status.applied_index.unwrap_or(0) as f64);
    gauge!(names::RAFT_SNAPSHOT).set(status.snapshot_index.unwrap_or(0) as f64);
    let voters = figures.voters.len();
    gauge!(names::RAFT_MEMBERS, "role" => "voter").set(voters as f64);
    gauge!(names::RAFT_MEMBERS, "role" => "learner").set(figures.learners as f64);
    let commit = if leads {
        // The highest index a quorum of voters holds.
        let mut matched: Vec<u64> = figures
            .voters
            .iter()
            .map(|id| {
                if *id == status.node_id {
                    last
                } else {
                    status
                        .members
                        .iter()
                        .find(|v| v.id == *id)
                        .and_then(|v| v.matched_index)
                        .unwrap_or(0)
                }
            })
            .collect();
        matched.sort_unstable_by(|a, b| b.cmp(a));
        matched.get(voters / 2).copied().unwrap_or(0)
    } else {
        status.applied_index.unwrap_or(0)
    };
    gauge!(names::RAFT_COMMIT).set(commit as f64);
    if leads {
        for peer in status.members.iter().filter(|m| m.id != status.node_id) {
            let lag = last.saturating_sub(peer.matched_index.unwrap_or(0));
            gauge!(names::RAFT_PEER_LAG, "peer" => peer.raft_addr.clone()).set(lag as f64);
        }
    }
}

fn topology(figures: &Figures<'_>) {
    let snapshot = figures.analysis;
    gauge!(names::INSTANCES).set(snapshot.topology.len() as f64);
    let age_ms = if snapshot.at_ms > 0 { figures.now_ms - snapshot.at_ms } else { 0 };
    gauge!(names::ANALYSIS_AGE).set(age_ms.max(0) as f64 / 1000.0);
    // Codes seen before stay at 0 once their problems are gone.
    static SEEN: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());
    let mut current: std::collections::BTreeMap<&'static str, u64> = Default::default();
    for a in &snapshot.analyses {
        *current.entry(a.analysis.as_str()).or_default() += 1;
    }
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    seen.extend(current.keys().copied());
    for code in seen.iter() {
        let n = current.get(code).copied().unwrap_or(0);
        gauge!(names::PROBLEMS, "code" => *code).set(n as f64);
    }
}

fn process_figures() {
    let f = process::read();
    if let Some(v) = f.rss_bytes {
        gauge!(names::PROCESS_RSS).set(v);
    }
    if let Some(v) = f.cpu_seconds {
        // Counters hold integers: whole centiseconds' worth is lost below one second.
        counter!(names::PROCESS_CPU).absolute(v as u64);
    }
    if let Some(v) = f.open_fds {
        gauge!(names::PROCESS_FDS).set(v);
    }
    if let Some(v) = f.start_time_seconds {
        gauge!(names::PROCESS_START).set(v);
    }
}
