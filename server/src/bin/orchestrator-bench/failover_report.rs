//! Rendering of the failover benchmark: per-run lines, phase tables, the markdown section.

#![allow(clippy::wildcard_imports)]

use super::*;

pub(super) fn opt(d: Option<Duration>) -> String {
    d.map(|d| format!("{:.3}", d.as_secs_f64())).unwrap_or_else(|| "?".into())
}

impl Run {
    pub(super) fn line(&self, k: usize, n: usize) -> String {
        format!(
            "  run {k}/{n}: killed :{} (leader n{}, offset {} ms) → {} at {} s; write-recovery {} s; promoted {} s (read_only=0 seen {} s on :{}); \
             repointed {} s (seen {} s); total {} s  [failed probe {} s, detection registered {} s]",
            self.killed_port,
            self.leader,
            self.offset.as_millis(),
            if self.code.is_empty() { "?" } else { &self.code },
            opt(self.analysis),
            opt(self.registered),
            opt(self.promoted),
            opt(self.writable),
            self.successor_port.map(|p| p.to_string()).unwrap_or_else(|| "?".into()),
            opt(self.last_repoint),
            opt(self.repointed),
            opt(self.total()),
            opt(self.failed_probe),
            opt(self.detected),
        )
    }
}

/// Per-run differences `to - from` (runs where both are known).
pub(super) fn deltas(
    runs: &[Run],
    from: impl Fn(&Run) -> Option<Duration>,
    to: impl Fn(&Run) -> Option<Duration>,
) -> Vec<Duration> {
    runs.iter().filter_map(|r| Some(to(r)?.saturating_sub(from(r)?))).collect()
}

pub(super) fn samples(runs: &[Run], f: impl Fn(&Run) -> Option<Duration>) -> Vec<Duration> {
    runs.iter().filter_map(f).collect()
}

pub(super) fn s3(d: Duration) -> String {
    format!("{:.3}", d.as_secs_f64())
}

pub(super) fn row(label: &str, source: &str, s: Option<Summary>) -> [String; 6] {
    match s {
        Some(s) => [label.into(), source.into(), s.n.to_string(), s3(s.p50), s3(s.p99), s3(s.max)],
        None => [label.into(), source.into(), "0".into(), "?".into(), "?".into(), "?".into()],
    }
}

impl FailoverReport {
    pub(super) fn cumulative(&self) -> Vec<[String; 6]> {
        let r = &self.runs;
        vec![
            row(
                "first failed probe of the master recorded (leader)",
                "leader log",
                summarize(&samples(r, |x| x.failed_probe)),
            ),
            row(
                "first failed probe recorded (earliest node)",
                "node logs",
                summarize(&samples(r, |x| x.failed_probe_any_node)),
            ),
            row(
                "DeadMaster in /api/replication-analysis",
                "API poll",
                summarize(&samples(r, |x| x.analysis)),
            ),
            row(
                "failure detection registered (raft)",
                "leader log",
                summarize(&samples(r, |x| x.detected)),
            ),
            row(
                "write-recovery committed (step `registered`)",
                "leader log",
                summarize(&samples(r, |x| x.registered)),
            ),
            row(
                "recovery in /api/audit-recovery",
                "API poll",
                summarize(&samples(r, |x| x.recovery_seen)),
            ),
            row(
                "successor chosen (after IO stop + drain)",
                "leader log",
                summarize(&samples(r, |x| x.chose)),
            ),
            row(
                "successor promoted (step `promoted`)",
                "leader log",
                summarize(&samples(r, |x| x.promoted)),
            ),
            row("successor read_only=0", "MariaDB poll", summarize(&samples(r, |x| x.writable))),
            row(
                "last sibling repointed (step)",
                "leader log",
                summarize(&samples(r, |x| x.last_repoint)),
            ),
            row(
                "all siblings Master_Port = successor",
                "MariaDB poll",
                summarize(&samples(r, |x| x.repointed)),
            ),
            row(
                "all siblings IO thread running from successor",
                "MariaDB poll",
                summarize(&samples(r, |x| x.replicating)),
            ),
            row(
                "**writable + siblings repointed (the figure)**",
                "MariaDB poll",
                summarize(&samples(r, Run::total)),
            ),
        ]
    }

    pub(super) fn phases(&self) -> Vec<[String; 6]> {
        let r = &self.runs;
        vec![
            row(
                "1. kill → first failed probe recorded",
                "log",
                summarize(&samples(r, |x| x.failed_probe)),
            ),
            row(
                "2. failed probe → DeadMaster analysed",
                "log, poll",
                summarize(&deltas(r, |x| x.failed_probe, Run::m_analysis)),
            ),
            row(
                "3. analysis → write-recovery committed",
                "log, poll",
                summarize(&deltas(r, Run::m_analysis, Run::m_registered)),
            ),
            row(
                "   of which detection logged → write-recovery",
                "log",
                summarize(&deltas(r, |x| x.detected, |x| x.registered)),
            ),
            row(
                "4. write-recovery → successor promoted",
                "log, poll",
                summarize(&deltas(r, Run::m_registered, Run::m_promoted)),
            ),
            row(
                "   of which IO stop + drain + choice",
                "log",
                summarize(&deltas(r, |x| x.stop_io, |x| x.chose)),
            ),
            row(
                "5. promoted → all siblings repointed",
                "log, poll",
                summarize(&deltas(r, Run::m_promoted, Run::total)),
            ),
        ]
    }

    pub(super) fn met(&self) -> (String, String) {
        let s = summarize(&samples(&self.runs, Run::total));
        match s {
            Some(s) => (
                format!(
                    "p50 {} s vs ≤ 3 s: {}",
                    s3(s.p50),
                    if s.p50 <= Duration::from_secs(3) { "met" } else { "not met" }
                ),
                format!(
                    "p99 {} s vs ≤ 6 s: {}",
                    s3(s.p99),
                    if s.p99 <= Duration::from_secs(6) { "met" } else { "not met" }
                ),
            ),
            None => ("p50 ?".into(), "p99 ?".into()),
        }
    }

    pub(super) fn header(&self) -> Vec<String> {
        let m = &self.machine;
        vec![
            format!("machine: {} × {}, {}, kernel {}, load at start {} / end {}", m.nproc, m.cpu, m.memory, m.kernel, m.loadavg, self.load_end),
            format!("MariaDB: {}", self.version),
            format!(
                "set-up: star of {} (1 master + {} GTID replicas, MASTER_CONNECT_RETRY=1, heartbeat 0.5 s), 3 nodes, InstancePollSeconds {}, observer poll {} ms, pre-kill pauses spread evenly over 0..{} ms, {}",
                self.args.instances,
                self.args.instances - 1,
                self.args.instance_poll,
                self.args.poll.as_millis(),
                self.args.offset_max.as_millis(),
                if self.args.fresh_nodes { "rolling restart of the nodes before every run" } else { "the same node processes for every run" }
            ),
            format!("command: {}", self.command),
            format!(
                "runs: {} (p99 of {} runs is their maximum), wall {:.0} s; duplicate recoveries of a killed master: {}",
                self.runs.len(),
                self.runs.len(),
                self.total.as_secs_f64(),
                self.runs.iter().map(|r| r.duplicates).sum::<usize>()
            ),
        ]
    }

    /// Plain text.
    pub fn text(&self) -> String {
        let mut out = String::from(
            "\n== Failover: master kill -9 → successor writable, siblings repointed ==\n",
        );
        for l in self.header() {
            out.push_str(&format!("{l}\n"));
        }
        out.push_str("\nfrom the kill (s)                                        source        n    p50     p99     max\n");
        for r in self.cumulative() {
            out.push_str(&format!(
                "{:<56} {:<12} {:>3} {:>7} {:>7} {:>7}\n",
                r[0].replace("**", ""),
                r[1],
                r[2],
                r[3],
                r[4],
                r[5]
            ));
        }
        out.push_str("\nphases (per-run differences, s; a milestone is the earliest of its log line and its poll)\n");
        for r in self.phases() {
            out.push_str(&format!(
                "{:<56} {:<12} {:>3} {:>7} {:>7} {:>7}\n",
                r[0], r[1], r[2], r[3], r[4], r[5]
            ));
        }
        let (a, b) = self.met();
        out.push_str(&format!("\ntarget: {a}; {b}\n"));
        out.push_str("\nper run (s from the kill): pause before the kill, first failed probe, first analysis of the master, DeadMaster, write-recovery, promoted, read_only=0, repointed, total\n");
        for (i, r) in self.runs.iter().enumerate() {
            out.push_str(&format!(
                "  {:>2}: {:>4} ms  {} {:<28} {:<10} {} {} {} {} {} {}\n",
                i + 1,
                r.offset.as_millis(),
                opt(r.failed_probe),
                r.first_analysis
                    .as_ref()
                    .map(|(t, c)| format!("{c} at {}", opt(Some(*t))))
                    .unwrap_or_default(),
                r.code,
                opt(r.analysis),
                opt(r.registered),
                opt(r.promoted),
                opt(r.writable),
                opt(r.repointed),
                opt(r.total())
            ));
        }
        if let Some(r) = self.runs.last() {
            out.push_str("\nsteps of the last recovery (s from the kill):\n");
            for (t, m) in &r.steps {
                out.push_str(&format!("  {} {m}\n", opt(Some(*t))));
            }
        }
        out
    }

    /// Markdown.
    pub fn markdown(&self) -> String {
        let mut out = String::new();
        for l in self.header() {
            out.push_str(&format!("- {l}\n"));
        }
        out.push_str("\n| From the kill | Source | n | p50 (s) | p99 (s) | max (s) |\n|---|---|---:|---:|---:|---:|\n");
        for r in self.cumulative() {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                r[0], r[1], r[2], r[3], r[4], r[5]
            ));
        }
        out.push_str("\n| Phase (per-run difference; a milestone is the earlier of its log line and its poll) | Source | n | p50 (s) | p99 (s) | max (s) |\n|---|---|---:|---:|---:|---:|\n");
        for r in self.phases() {
            out.push_str(&format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                r[0], r[1], r[2], r[3], r[4], r[5]
            ));
        }
        let (a, b) = self.met();
        out.push_str(&format!("\nTarget: {a}; {b}.\n"));
        out
    }
}
