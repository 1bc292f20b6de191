//! The orchestrator-style ASCII tree of one cluster (`orchestrator-client -c topology` and
//! `topology-tabulated`). Users parse this text, so the format follows orchestrator's
//! `ASCIITopology` exactly; only rendering lives here.
//!
//! Format, one line per instance, children after their master in key order:
//! ```text
//! m:3306      [0s,ok,10.11.19-MariaDB-log,rw,ROW,>>,GTID]
//! + r1:3306   [0s,ok,10.11.19-MariaDB-log,ro,ROW,>>,GTID]
//!   - r2:3306 [null,nonreplicating,10.11.19-MariaDB-log,ro,ROW,>>,GTID]
//! ```
//! - A child line is indented by `2 × (depth − 1)` spaces and prefixed `+ ` when it is
//!   replicating, valid and recently checked, `- ` otherwise (orchestrator does the same; the
//!   `+` alone in its docs is the healthy case).
//! - `host:port`, then ` (instance_alias)` when set, then ` [tokens]`. The `[` of every line
//!   is aligned to the rightmost one by padding spaces before it.
//! - Tokens: lag (`Ns`, `null` for a stopped or lag-less replica, `unknown` if invalid or not
//!   recently checked), status (`ok`, `invalid`, `unchecked`, `nonreplicating`, `lag`), version,
//!   `ro`/`rw`, binlog format or `nobinlog`, then the extras `>>` (logs replica updates),
//!   `GTID` / `GTID:errant`, `semi:master`, `semi:replica`, `downtimed`. Empty tokens are dropped.
//! - Co-masters: the loop has no top, so each co-master is rendered as its own branch at depth
//!   1 (with a `+ `/`- ` prefix) and the other co-master is not repeated under it.
//! - Deviation: if a cluster has several roots (a transient state), every root is rendered;
//!   orchestrator renders only the last one.
//! - `tabulated`: tokens are `|`-separated columns padded to equal width (second column
//!   right-aligned), empty tokens kept, as `topology-tabulated` prints them.
//! - Tags (`topology-tags`, [`Topology::render_ascii_tagged`]): every line gets ` [tags]`
//!   appended after its tokens, the instance's tags by name, each `name` or `name=value`,
//!   comma-separated; ` []` for an untagged instance. Alignment is by the first `[` only, so
//!   the tag brackets are not aligned (as in orchestrator).

use crate::core::downtime::Downtime;
use crate::core::instance::Instance;
use crate::core::instance_key::InstanceKey;
use crate::core::tag::Tag;
use crate::core::topology::Topology;

/// Knobs of the rendering (orchestrator config values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsciiOptions {
    /// `InstancePollSeconds` (5): "recently checked" means within five polls.
    pub instance_poll_seconds: i64,
    /// `ReasonableMaintenanceReplicationLagSeconds` (20): above it the status is `lag`.
    pub reasonable_maintenance_replication_lag_seconds: i64,
    /// Render `topology-tabulated` instead of `topology`.
    pub tabulated: bool,
}

impl Default for AsciiOptions {
    fn default() -> Self {
        AsciiOptions {
            instance_poll_seconds: 5,
            reasonable_maintenance_replication_lag_seconds: 20,
            tabulated: false,
        }
    }
}

impl Topology {
    /// Renders the cluster named `cluster_name`; `None` when no instance belongs to it.
    pub fn render_ascii(
        &self,
        cluster_name: &str,
        downtimes: &[Downtime],
        now_ms: i64,
        options: &AsciiOptions,
    ) -> Option<String> {
        self.render_ascii_tagged(cluster_name, downtimes, now_ms, options, None)
    }

    /// [`Topology::render_ascii`], with each line's tags appended when `tags` (every stored
    /// tag, any instance) is given: orchestrator's `topology-tags`.
    pub fn render_ascii_tagged(
        &self,
        cluster_name: &str,
        downtimes: &[Downtime],
        now_ms: i64,
        options: &AsciiOptions,
        tags: Option<&[(InstanceKey, Tag)]>,
    ) -> Option<String> {
        let members: Vec<&Instance> =
            self.instances().filter(|i| self.cluster_of(&i.key) == Some(cluster_name)).collect();
        if members.is_empty() {
            return None;
        }
        let in_cluster = |key: &InstanceKey| members.iter().any(|m| &m.key == key);
        let render =
            Render { topology: self, downtimes, now_ms, options, in_cluster: &in_cluster, tags };
        let mut lines = Vec::new();
        let roots: Vec<&&Instance> =
            members.iter().filter(|i| !i.master_key.as_ref().is_some_and(&in_cluster)).collect();
        if roots.is_empty() {
            for co_master in members.iter().filter(|i| i.is_co_master) {
                render.entry(1, co_master, &mut lines);
            }
        } else {
            for root in roots {
                render.entry(0, root, &mut lines);
            }
        }
        let lines = if options.tabulated { tabulate(&lines) } else { align_brackets(lines) };
        Some(lines.join("\n"))
    }
}

struct Render<'a> {
    topology: &'a Topology,
    downtimes: &'a [Downtime],
    now_ms: i64,
    options: &'a AsciiOptions,
    in_cluster: &'a dyn Fn(&InstanceKey) -> bool,
    tags: Option<&'a [(InstanceKey, Tag)]>,
}

impl Render<'_> {
    fn entry(&self, depth: usize, instance: &Instance, lines: &mut Vec<String>) {
        if instance.is_co_master && depth > 1 {
            return;
        }
        let mut line = String::new();
        if depth > 0 {
            line.push_str(&" ".repeat((depth - 1) * 2));
            let healthy = instance.replication_running()
                && instance.is_last_check_valid
                && self.recently_checked(instance);
            line.push_str(if healthy { "+ " } else { "- " });
        }
        line.push_str(&instance.key.to_string());
        if !instance.instance_alias.is_empty() {
            line.push_str(&format!(" ({})", instance.instance_alias));
        }
        let tokens = self.tokens(instance);
        if self.options.tabulated {
            line.push('|');
            line.push_str(&tokens.join("|"));
        } else {
            let non_empty: Vec<&str> =
                tokens.iter().map(String::as_str).filter(|t| !t.is_empty()).collect();
            line.push_str(&format!(" [{}]", non_empty.join(",")));
        }
        if let Some(tags) = self.tags {
            line.push_str(&tags_suffix(&instance.key, tags));
        }
        lines.push(line);
        for replica in self.topology.replicas_of(&instance.key) {
            if let Some(child) =
                self.topology.instance(replica).filter(|c| (self.in_cluster)(&c.key))
            {
                self.entry(depth + 1, child, lines);
            }
        }
    }

    fn recently_checked(&self, instance: &Instance) -> bool {
        self.now_ms.saturating_sub(instance.last_checked_ms)
            <= self.options.instance_poll_seconds * 5 * 1000
    }

    fn tokens(&self, instance: &Instance) -> Vec<String> {
        let valid = instance.is_last_check_valid;
        let recent = self.recently_checked(instance);
        let replica = instance.is_replica();
        let running = instance.replication_running();
        let lag = if !valid || !recent {
            "unknown".to_string()
        } else if replica && (!running || instance.seconds_behind_master.is_none()) {
            "null".to_string()
        } else {
            format!("{}s", instance.replication_lag_seconds.unwrap_or(0))
        };
        let status = if !valid {
            "invalid"
        } else if !recent {
            "unchecked"
        } else if replica && !running {
            "nonreplicating"
        } else if replica && !self.reasonable_lag(instance) {
            "lag"
        } else {
            "ok"
        };
        let mut extras: Vec<&str> = Vec::new();
        if instance.is_logging_replica_updates() {
            extras.push(">>");
        }
        if instance.has_gtid() {
            extras.push(if instance.gtid_errant.is_empty() { "GTID" } else { "GTID:errant" });
        }
        if instance.semi_sync.master_status {
            extras.push("semi:master");
        }
        if instance.semi_sync.replica_status {
            extras.push("semi:replica");
        }
        if self.downtimes.iter().any(|d| d.key == instance.key && d.is_active(self.now_ms)) {
            extras.push("downtimed");
        }
        vec![
            lag,
            status.to_string(),
            instance.version.clone(),
            if instance.read_only { "ro" } else { "rw" }.to_string(),
            if instance.log_bin { instance.binlog_format.as_str() } else { "nobinlog" }.to_string(),
            extras.join(","),
        ]
    }

    /// orchestrator's `HasReasonableMaintenanceReplicationLag`: delayed replicas are judged by
    /// how far they are from their intended delay.
    fn reasonable_lag(&self, instance: &Instance) -> bool {
        let behind = instance.seconds_behind_master.unwrap_or(0);
        let limit = self.options.reasonable_maintenance_replication_lag_seconds;
        if instance.sql_delay > 0 {
            (behind - i64::from(instance.sql_delay)).abs() <= limit
        } else {
            behind <= limit
        }
    }
}

/// orchestrator's tag suffix of one line: ` [a,b=1]`, the tags of `key` among `tags` by name,
/// each as [`Tag::display`]; ` []` when it has none.
pub fn tags_suffix(key: &InstanceKey, tags: &[(InstanceKey, Tag)]) -> String {
    let mut own: Vec<&Tag> = tags.iter().filter(|(k, _)| k == key).map(|(_, t)| t).collect();
    own.sort_by(|a, b| a.name.cmp(&b.name));
    let shown: Vec<String> = own.iter().map(|t| t.display()).collect();
    format!(" [{}]", shown.join(","))
}

/// Pads before the first `[` so that every line's `[` is in the same column.
fn align_brackets(lines: Vec<String>) -> Vec<String> {
    let max = lines.iter().filter_map(|l| l.find('[')).max().unwrap_or(0);
    lines
        .into_iter()
        .map(|line| match line.find('[') {
            Some(at) if at < max => {
                format!("{}{}{}", &line[..at], " ".repeat(max - at), &line[at..])
            }
            _ => line,
        })
        .collect()
}

/// orchestrator's `Tabulate(lines, "|", "|", left, right)`: equal-width columns.
fn tabulate(lines: &[String]) -> Vec<String> {
    let rows: Vec<Vec<&str>> = lines.iter().map(|l| l.split('|').collect()).collect();
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| rows.iter().filter_map(|r| r.get(c)).map(|t| t.len()).max().unwrap_or(0))
        .collect();
    rows.iter()
        .map(|row| {
            let cells: Vec<String> = widths
                .iter()
                .enumerate()
                .map(|(c, &w)| {
                    let token = row.get(c).copied().unwrap_or("");
                    if c == 1 {
                        format!("{token:>w$}")
                    } else {
                        format!("{token:<w$}")
                    }
                })
                .collect();
            cells.join("|")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::instance::ThreadState;

    const NOW: i64 = 1_000_000;

    fn key(name: &str) -> InstanceKey {
        InstanceKey::new(name, 3306).unwrap()
    }

    fn inst(name: &str, master: Option<&str>) -> Instance {
        let mut i = Instance::new(key(name));
        i.master_key = master.map(key);
        i.version = "10.11.19-MariaDB-log".into();
        i.log_bin = true;
        i.log_slave_updates = true;
        i.is_last_check_valid = true;
        i.last_checked_ms = NOW - 1_000;
        i.read_only = master.is_some();
        if master.is_some() {
            i.slave_io_running = ThreadState::Yes;
            i.slave_sql_running = ThreadState::Yes;
            i.seconds_behind_master = Some(0);
            i.replication_lag_seconds = Some(0);
            i.using_gtid = crate::core::instance::UsingGtid::SlavePos;
        }
        i
    }

    #[test]
    fn renders_tree_with_aligned_brackets() {
        let mut broken = inst("r2", Some("r1"));
        broken.slave_io_running = ThreadState::Connecting;
        broken.seconds_behind_master = None;
        let mut master = inst("m", None);
        master.instance_alias = "primary".into();
        let t = Topology::build([master, inst("r1", Some("m")), broken, inst("zz", Some("m"))]);
        let down = [Downtime {
            key: key("zz"),
            owner: "o".into(),
            reason: "r".into(),
            begins_at_ms: 0,
            ends_at_ms: NOW + 1,
        }];
        let text = t.render_ascii("m:3306", &down, NOW, &AsciiOptions::default()).unwrap();
        let expected = [
            "m:3306 (primary) [0s,ok,10.11.19-MariaDB-log,rw,ROW,>>]",
            "+ r1:3306        [0s,ok,10.11.19-MariaDB-log,ro,ROW,>>,GTID]",
            "  - r2:3306      [null,nonreplicating,10.11.19-MariaDB-log,ro,ROW,>>,GTID]",
            "+ zz:3306        [0s,ok,10.11.19-MariaDB-log,ro,ROW,>>,GTID,downtimed]",
        ]
        .join("\n");
        assert_eq!(text, expected);
        assert!(t.render_ascii("nope:1", &[], NOW, &AsciiOptions::default()).is_none());
    }

    #[test]
    fn renders_invalid_stale_and_lagging_states() {
        let mut dead = inst("m", None);
        dead.is_last_check_valid = false;
        let mut stale = inst("r1", Some("m"));
        stale.last_checked_ms = NOW - 60_000;
        let mut lagging = inst("r2", Some("m"));
        lagging.seconds_behind_master = Some(300);
        lagging.replication_lag_seconds = Some(300);
        lagging.log_bin = false;
        let mut delayed = inst("r3", Some("m"));
        delayed.sql_delay = 3600;
        delayed.seconds_behind_master = Some(3590);
        let t = Topology::build([dead, stale, lagging, delayed]);
        let text = t.render_ascii("m:3306", &[], NOW, &AsciiOptions::default()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].ends_with("[unknown,invalid,10.11.19-MariaDB-log,rw,ROW,>>]"),
            "{}",
            lines[0]
        );
        assert!(
            lines[1].starts_with("- r1:3306") && lines[1].contains("[unknown,unchecked,"),
            "{}",
            lines[1]
        );
        assert!(
            lines[2].contains("[300s,lag,10.11.19-MariaDB-log,ro,nobinlog,GTID]"),
            "{}",
            lines[2]
        );
        assert!(lines[3].contains("[0s,ok,"), "{}", lines[3]);
    }

    #[test]
    fn renders_co_masters_as_branches() {
        let mut a = inst("a", Some("b"));
        a.read_only = false;
        let b = inst("b", Some("a"));
        let t = Topology::build([a, b, inst("r", Some("b"))]);
        let text = t.render_ascii("a:3306", &[], NOW, &AsciiOptions::default()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].starts_with("+ a:3306 "));
        assert!(lines[1].starts_with("+ b:3306 "));
        assert!(lines[2].starts_with("  + r:3306 "));
    }

    #[test]
    fn renders_tabulated_columns() {
        let t = Topology::build([inst("m", None), inst("replica1", Some("m"))]);
        let options = AsciiOptions { tabulated: true, ..AsciiOptions::default() };
        let text = t.render_ascii("m:3306", &[], NOW, &options).unwrap();
        let expected = [
            "m:3306         |0s|ok|10.11.19-MariaDB-log|rw|ROW|>>     ",
            "+ replica1:3306|0s|ok|10.11.19-MariaDB-log|ro|ROW|>>,GTID",
        ]
        .join("\n");
        assert_eq!(text, expected);
    }

    #[test]
    fn renders_tags_after_each_line() {
        let mut master = inst("m", None);
        master.instance_alias = "primary".into();
        let t = Topology::build([master, inst("r1", Some("m")), inst("r2", Some("r1"))]);
        let tag = |host: &str, name: &str, value: &str| (key(host), Tag::new(name, value).unwrap());
        let tags = [
            tag("r1", "role", "backup"),
            tag("r1", "flag", ""),
            tag("m", "dc", "eu"),
            tag("other", "role", "x"),
        ];
        let options = AsciiOptions::default();
        let text = t.render_ascii_tagged("m:3306", &[], NOW, &options, Some(&tags)).unwrap();
        let expected = [
            "m:3306 (primary) [0s,ok,10.11.19-MariaDB-log,rw,ROW,>>] [dc=eu]",
            "+ r1:3306        [0s,ok,10.11.19-MariaDB-log,ro,ROW,>>,GTID] [flag,role=backup]",
            "  + r2:3306      [0s,ok,10.11.19-MariaDB-log,ro,ROW,>>,GTID] []",
        ]
        .join("\n");
        assert_eq!(text, expected);
        let plain = t.render_ascii("m:3306", &[], NOW, &options).unwrap();
        assert_eq!(plain, t.render_ascii_tagged("m:3306", &[], NOW, &options, None).unwrap());
        assert!(!plain.contains("[]"), "{plain}");
    }
}
