//! Reads a probe's result sets as the `mysql` client's `\G` output prints them (the recorded
//! outputs in `probe/fixtures/`), for the parser's tests and the simulated fleet's honesty test.
//!
//! Format: `## <section>` headers (`variables`, `master_status`, `replica_status`,
//! `replica_hosts`, `dump_threads`, `semi_sync_variables`, `semi_sync_status`), then rows
//! (`*** n. row ***` separators, `Column: value` lines; `NULL` is SQL NULL, `\n` a newline).
//! Lines starting with `#` are comments.

use std::collections::BTreeMap;

use super::parse::{canonical, Detected, RawProbe, Row};

/// One section's rows with the columns as the server spelled them, in order.
pub type RawRows = Vec<Vec<(String, Option<String>)>>;

/// The sections of `text`, columns spelled as recorded.
pub fn sections(text: &str) -> BTreeMap<String, RawRows> {
    let mut sections: BTreeMap<String, RawRows> = BTreeMap::new();
    let mut current = String::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("## ") {
            current = name.trim().to_string();
            sections.entry(current.clone()).or_default();
        } else if line.starts_with('#') || line.trim().is_empty() {
            continue;
        } else if line.starts_with("***") {
            sections.entry(current.clone()).or_default().push(Vec::new());
        } else if let (Some((column, value)), Some(row)) =
            (line.split_once(':'), sections.entry(current.clone()).or_default().last_mut())
        {
            let value = value.trim().replace("\\n", "\n");
            row.push((column.trim().to_string(), (value != "NULL").then_some(value)));
        }
    }
    sections
}

/// `text` as the prober's [`RawProbe`] (columns canonical, as the prober stores them).
pub fn load(text: &str) -> RawProbe {
    let mut sections = sections(text);
    let mut take = |name: &str| -> Vec<Row> {
        sections
            .remove(name)
            .unwrap_or_default()
            .into_iter()
            .map(|r| r.into_iter().map(|(c, v)| (canonical(&c), v)).collect())
            .collect()
    };
    let pairs = |rows: Vec<Row>| -> Row {
        rows.iter()
            .map(|r| {
                let name = r.get("variable_name").cloned().flatten().unwrap_or_default();
                (canonical(&name), r.get("value").cloned().flatten())
            })
            .collect()
    };
    RawProbe {
        variables: take("variables").into_iter().next().unwrap_or_default(),
        master_status: take("master_status").into_iter().next(),
        replica_status: take("replica_status").into_iter().next(),
        replica_hosts: take("replica_hosts"),
        dump_thread_hosts: take("dump_threads")
            .iter()
            .filter_map(|r| r.get("host").cloned().flatten())
            .collect(),
        semi_sync_variables: pairs(take("semi_sync_variables")),
        semi_sync_status: pairs(take("semi_sync_status")),
        detected: Detected::default(),
    }
}
