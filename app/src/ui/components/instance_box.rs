//! One instance's box in the topology tree: identity, version, read-only, lag, GTID, threads,
//! problems, downtime, promotion rule, data center. A link that opens the instance panel.

use leptos::prelude::*;

use crate::api::topology::InstanceBoxView;
use crate::core::problems::Severity;
use crate::ui::format::{hhmm, lag, utc};

/// Lag above this many seconds colours a replica as lagging (orchestrator's
/// `ReasonableReplicationLagSeconds` default).
const LAG_WARN_SECONDS: i64 = 10;

/// The box's state class: what its colour says (see the legend).
pub fn state_class(i: &InstanceBoxView) -> &'static str {
    if !i.last_check_valid {
        "st-unreachable"
    } else if i.problems.iter().any(|p| p.severity() >= Severity::Error) {
        "st-problem"
    } else if i.is_replica
        && (i.io_thread != "Yes"
            || i.sql_thread != "Yes"
            || i.lag_seconds.is_none_or(|l| l > LAG_WARN_SECONDS))
    {
        "st-lag"
    } else {
        "st-ok"
    }
}

/// `10.11.19-MariaDB-0+deb12u1-log` → `10.11.19-MariaDB` (the full string is the tooltip).
pub fn short_version(version: &str) -> String {
    if version.is_empty() {
        return "version unknown".into();
    }
    version.splitn(3, '-').take(2).collect::<Vec<_>>().join("-")
}

/// An instance box linking to `href`. It holds no reactive state (the tree marks the selected
/// box with one style rule), so hydrating 500 of them stays cheap.
#[component]
pub fn InstanceBox(
    /// What to show.
    instance: InstanceBoxView,
    /// Where clicking leads (the cluster page with this instance selected).
    href: String,
) -> impl IntoView {
    let i = instance;
    let class = format!("ibox {}", state_class(&i));
    let rw = if i.read_only {
        view! { <span class="badge b-ro" title="read_only=ON">"RO"</span> }.into_any()
    } else {
        view! { <span class="badge b-rw" title="read_only=OFF">"RW"</span> }.into_any()
    };
    let replication = i.is_replica.then(|| {
        view! {
            <div class="iline">
                "IO " <b class=if i.io_thread == "Yes" { "t-on" } else { "t-off" }>{i.io_thread.clone()}</b>
                " · SQL " <b class=if i.sql_thread == "Yes" { "t-on" } else { "t-off" }>{i.sql_thread.clone()}</b>
                " · lag " <b>{lag(i.lag_seconds)}</b>
            </div>
        }
    });
    let problems = i
        .problems
        .iter()
        .map(|p| {
            let class = match p.severity() {
                Severity::Warning => "badge b-warn",
                Severity::Error | Severity::Critical => "badge b-problem",
            };
            view! { <span class=class title=format!("{:?}", p.severity())>{p.name()}</span> }
        })
        .collect_view();
    let downtime = i.downtime.as_ref().map(|d| {
        let title = format!("{}: {} (until {})", d.owner, d.reason, utc(d.ends_at_ms));
        view! { <span class="badge b-downtime" title=title>{format!("downtime · {} → {}", d.owner, hhmm(d.ends_at_ms))}</span> }
    });
    let rule = i.promotion_rule.as_ref().map(|r| view! { <span class="badge b-rule" title="registered promotion rule">{r.clone()}</span> });
    let co_master = i.is_co_master.then(|| view! { <span class="badge b-co">"co-master"</span> });
    let version = short_version(&i.version);
    let (host, port) = match i.key.rsplit_once(':') {
        Some((h, p)) => (h.to_string(), format!(":{p}")),
        None => (i.key.clone(), String::new()),
    };
    let dc =
        if i.data_center.is_empty() { String::new() } else { format!(" · {}", i.data_center) };
    view! {
        <a class=class href=href data-key=i.key.clone() title=i.key.clone() draggable="true">
            <div class="ihead"><span class="ikey"><span class="ihost">{host}</span><span class="iport">{port}</span></span>{rw}</div>
            <div class="iline" title=i.version.clone()>{version}{dc}</div>
            <div class="iline">"GTID " <b>{i.gtid.clone()}</b></div>
            {replication}
            <div class="ibadges">{problems}{downtime}{rule}{co_master}</div>
        </a>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::problems::Problem;
    use crate::core::AnalysisCode;

    fn healthy_replica() -> InstanceBoxView {
        InstanceBoxView {
            key: "db2:3306".into(),
            master_key: Some("db1:3306".into()),
            version: "10.11.19-MariaDB-0+deb12u1-log".into(),
            read_only: true,
            lag_seconds: Some(0),
            gtid: "slave_pos".into(),
            is_replica: true,
            io_thread: "Yes".into(),
            sql_thread: "Yes".into(),
            last_check_valid: true,
            problems: vec![],
            actionable: false,
            downtime: None,
            promotion_rule: None,
            data_center: "dc1".into(),
            is_co_master: false,
            replica_count: 0,
        }
    }

    #[test]
    fn colour_follows_the_worst_fact() {
        let ok = healthy_replica();
        assert_eq!(state_class(&ok), "st-ok");
        let lagging = InstanceBoxView { lag_seconds: Some(LAG_WARN_SECONDS + 1), ..ok.clone() };
        assert_eq!(state_class(&lagging), "st-lag");
        let stopped = InstanceBoxView { sql_thread: "No".into(), ..ok.clone() };
        assert_eq!(state_class(&stopped), "st-lag");
        let warning_only = InstanceBoxView {
            problems: vec![Problem::Analysis(AnalysisCode::NoFailoverSupportStructureWarning)],
            ..ok.clone()
        };
        assert_eq!(state_class(&warning_only), "st-ok");
        let problem = InstanceBoxView { problems: vec![Problem::NotReplicating], ..ok.clone() };
        assert_eq!(state_class(&problem), "st-problem");
        let unreachable = InstanceBoxView { last_check_valid: false, ..problem };
        assert_eq!(state_class(&unreachable), "st-unreachable");
    }

    #[test]
    fn versions_are_shortened() {
        assert_eq!(short_version("10.11.19-MariaDB-0+deb12u1-log"), "10.11.19-MariaDB");
        assert_eq!(short_version("8.0.36"), "8.0.36");
        assert_eq!(short_version(""), "version unknown");
    }
}
