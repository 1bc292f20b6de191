//! Report: one row per scenario, printed as a markdown table at the end of the suite and, for a
//! run of the whole selected set, written between the result markers of `docs/fault-tests.md`.

use std::time::Duration;

/// The outcome of one scenario.
#[derive(Clone, Debug, Default)]
pub struct Row {
    /// Scenario id and name (file name).
    pub scenario: String,
    /// Faults injected, in order.
    pub faults: Vec<String>,
    /// Raft term delta over the scenario (an upper bound on elections: every election attempt,
    /// even a failed one, takes a new term).
    pub elections: u64,
    /// Leader changes seen by the leader-check sampler.
    pub leader_changes: usize,
    /// Longest stretch without an acknowledged write (clients' view).
    pub unavailable: Duration,
    /// Longest stretch with no node answering 200 on leader-check.
    pub leaderless: Duration,
    /// Longest stretch of samples with two nodes answering 200 on leader-check.
    pub dual_leader: Duration,
    /// Acknowledged commands.
    pub acked: usize,
    /// Acknowledged commands missing on some node after the heal.
    pub lost: usize,
    /// Scenario-specific measurements.
    pub notes: Vec<String>,
    /// Failed checks (empty: pass).
    pub failures: Vec<String>,
    /// Wall time.
    pub took: Duration,
    /// Skipped, with the reason.
    pub skipped: Option<String>,
}

impl Row {
    /// "PASS", "FAIL" or "SKIP".
    pub fn verdict(&self) -> &'static str {
        match (&self.skipped, self.failures.is_empty()) {
            (Some(_), _) => "SKIP",
            (None, true) => "PASS",
            (None, false) => "FAIL",
        }
    }
}

fn ms(d: Duration) -> String {
    if d.is_zero() {
        "0".into()
    } else {
        format!("{:.2} s", d.as_secs_f64())
    }
}

/// The results table (markdown), with notes and failures below it.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| Scenario | Faults injected | Elections (term Δ) | Leader changes | Write unavailability | No leader | Two leaders | Acked / lost | Time | Verdict |\n\
         |---|---|---:|---:|---:|---:|---:|---:|---:|---|\n",
    );
    for r in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} | {} | {} / {} | {:.0} s | **{}** |\n",
            r.scenario,
            r.faults.join("; "),
            r.elections,
            r.leader_changes,
            ms(r.unavailable),
            ms(r.leaderless),
            ms(r.dual_leader),
            r.acked,
            r.lost,
            r.took.as_secs_f64(),
            r.verdict()
        ));
    }
    for r in rows {
        let mut lines: Vec<String> = r.notes.clone();
        if let Some(why) = &r.skipped {
            lines.push(format!("skipped: {why}"));
        }
        lines.extend(r.failures.iter().map(|f| format!("FAILED: {f}")));
        if !lines.is_empty() {
            out.push_str(&format!("\n{}:\n", r.scenario));
            for l in lines {
                out.push_str(&format!("- {l}\n"));
            }
        }
    }
    out
}

/// Replaces the text between the result markers of `docs/fault-tests.md` with `body`.
pub fn write_docs(body: &str) -> std::io::Result<()> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/fault-tests.md");
    let text = std::fs::read_to_string(&path)?;
    let (begin, end) = ("<!-- results:begin -->", "<!-- results:end -->");
    let (Some(a), Some(b)) = (text.find(begin), text.find(end)) else {
        return Err(std::io::Error::other("result markers missing in docs/fault-tests.md"));
    };
    let new = format!("{}{begin}\n{body}\n{}", &text[..a], &text[b..]);
    std::fs::write(path, new)
}
