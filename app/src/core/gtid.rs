//! GTID positions as pure values: parse MariaDB domain-server-seq lists and MySQL uuid:interval
//! sets, and compare them ("has this server executed everything that one has?").
//!
//! Only comparison and set arithmetic live here; reading them from a server is the prober's job.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use thiserror::Error;

use crate::core::instance::Flavor;

/// A GTID text that does not parse.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GtidParseError {
    /// A MariaDB entry that is not `domain-server-seq`.
    #[error("invalid MariaDB GTID {entry:?}: expected domain-server-seq, e.g. 0-1-42")]
    MariaDb {
        /// The offending entry.
        entry: String,
    },
    /// A MySQL entry that is not `uuid[:tag]:interval[:interval...]`.
    #[error("invalid MySQL GTID set entry {entry:?}: expected uuid:1-5[:7...]")]
    MySql {
        /// The offending entry.
        entry: String,
    },
}

/// A MariaDB GTID position (`gtid_slave_pos`, `gtid_current_pos`): per replication domain, the
/// highest sequence number seen. Server ids are kept for display but do not order positions,
/// because sequence numbers are monotonic within a domain whichever server wrote them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MariaDbGtidPos {
    /// domain id → (server id, seq no), highest seq per domain.
    domains: BTreeMap<u32, (u32, u64)>,
}

impl MariaDbGtidPos {
    /// Parses `0-1-42,1-2-7` (whitespace and an empty text allowed; an empty text is the empty
    /// position). If a domain appears twice (as in `gtid_binlog_pos`), the higher seq wins.
    pub fn parse(text: &str) -> Result<Self, GtidParseError> {
        let mut domains: BTreeMap<u32, (u32, u64)> = BTreeMap::new();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let bad = || GtidParseError::MariaDb { entry: entry.to_string() };
            let mut parts = entry.split('-');
            let domain: u32 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
            let server: u32 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
            let seq: u64 = parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)?;
            if parts.next().is_some() {
                return Err(bad());
            }
            let slot = domains.entry(domain).or_insert((server, seq));
            if seq > slot.1 {
                *slot = (server, seq);
            }
        }
        Ok(MariaDbGtidPos { domains })
    }

    /// The sequence number reached in `domain` (0 when the domain was never seen).
    pub fn seq(&self, domain: u32) -> u64 {
        self.domains.get(&domain).map_or(0, |&(_, seq)| seq)
    }

    /// Compares domain by domain: `Greater` when this position is at or beyond the other in
    /// every domain and beyond in one; `None` when each is ahead in some domain (diverged).
    pub fn compare(&self, other: &Self) -> Option<Ordering> {
        let domains = self.domains.keys().chain(other.domains.keys());
        combine(domains.map(|&d| self.seq(d).cmp(&other.seq(d))))
    }
}

impl fmt::Display for MariaDbGtidPos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries: Vec<String> = self
            .domains
            .iter()
            .map(|(domain, (server, seq))| format!("{domain}-{server}-{seq}"))
            .collect();
        f.write_str(&entries.join(","))
    }
}

/// A MySQL GTID set (`gtid_executed`): per source (uuid, or uuid:tag on 8.4), a normalized list
/// of closed intervals of transaction numbers.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MysqlGtidSet {
    /// source (`uuid` lower-cased, or `uuid:tag`) → sorted, non-overlapping, non-adjacent intervals.
    sources: BTreeMap<String, Vec<(u64, u64)>>,
}

impl MysqlGtidSet {
    /// Parses `uuid:1-5:7,uuid2:1-3` (newlines after commas allowed, as the server prints them).
    pub fn parse(text: &str) -> Result<Self, GtidParseError> {
        let mut set = MysqlGtidSet::default();
        for entry in text.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let bad = || GtidParseError::MySql { entry: entry.to_string() };
            let mut parts = entry.split(':');
            let uuid = parts
                .next()
                .map(str::trim)
                .filter(|u| is_uuid(u))
                .ok_or_else(bad)?
                .to_ascii_lowercase();
            let mut source = uuid.clone();
            let mut saw_interval = false;
            for part in parts.map(str::trim) {
                if let Some(interval) = parse_interval(part) {
                    set.add(&source, interval);
                    saw_interval = true;
                } else if is_tag(part) {
                    source = format!("{uuid}:{}", part.to_ascii_lowercase());
                } else {
                    return Err(bad());
                }
            }
            if !saw_interval {
                return Err(bad());
            }
        }
        Ok(set)
    }

    /// Adds one interval and keeps the source's intervals normalized.
    fn add(&mut self, source: &str, interval: (u64, u64)) {
        let intervals = self.sources.entry(source.to_string()).or_default();
        intervals.push(interval);
        intervals.sort_unstable();
        let mut merged: Vec<(u64, u64)> = Vec::with_capacity(intervals.len());
        for &(start, end) in intervals.iter() {
            match merged.last_mut() {
                Some(last) if start <= last.1.saturating_add(1) => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        *intervals = merged;
    }

    /// Whether no transaction is in the set.
    pub fn is_empty(&self) -> bool {
        self.sources.is_empty()
    }

    /// Every transaction of the set as `source:n`, in order; `None` when there are more than
    /// `limit`.
    pub fn transactions(&self, limit: usize) -> Option<Vec<String>> {
        let mut out = Vec::new();
        for (source, intervals) in &self.sources {
            for &(start, end) in intervals {
                let count = usize::try_from(end - start + 1).unwrap_or(usize::MAX);
                if out.len().saturating_add(count) > limit {
                    return None;
                }
                out.extend((start..=end).map(|n| format!("{source}:{n}")));
            }
        }
        Some(out)
    }

    /// Whether every transaction of `other` is in this set.
    pub fn contains(&self, other: &Self) -> bool {
        other.sources.iter().all(|(source, theirs)| {
            let ours = self.sources.get(source).map(Vec::as_slice).unwrap_or(&[]);
            theirs.iter().all(|&(start, end)| ours.iter().any(|&(s, e)| s <= start && end <= e))
        })
    }

    /// Set containment as an order: `Greater` when this set strictly contains the other,
    /// `None` when each has transactions the other lacks.
    pub fn compare(&self, other: &Self) -> Option<Ordering> {
        match (self.contains(other), other.contains(self)) {
            (true, true) => Some(Ordering::Equal),
            (true, false) => Some(Ordering::Greater),
            (false, true) => Some(Ordering::Less),
            (false, false) => None,
        }
    }

    /// The transactions of this set that are not in `other` (`GTID_SUBTRACT`), e.g. a replica's
    /// errant transactions against its master.
    pub fn subtract(&self, other: &Self) -> Self {
        let mut result = MysqlGtidSet::default();
        for (source, ours) in &self.sources {
            let theirs = other.sources.get(source).map(Vec::as_slice).unwrap_or(&[]);
            for &(start, end) in ours {
                let mut cursor = start;
                for &(s, e) in theirs.iter().filter(|&&(s, e)| e >= start && s <= end) {
                    if s > cursor {
                        result.add(source, (cursor, s - 1));
                    }
                    cursor = cursor.max(e.saturating_add(1));
                }
                if cursor <= end {
                    result.add(source, (cursor, end));
                }
            }
        }
        result
    }
}

impl fmt::Display for MysqlGtidSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let entries: Vec<String> = self
            .sources
            .iter()
            .map(|(source, intervals)| {
                let ranges: Vec<String> = intervals
                    .iter()
                    .map(|&(s, e)| if s == e { s.to_string() } else { format!("{s}-{e}") })
                    .collect();
                format!("{source}:{}", ranges.join(":"))
            })
            .collect();
        f.write_str(&entries.join(","))
    }
}

/// An executed position of either flavor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GtidPosition {
    /// MariaDB domain-server-seq list.
    MariaDb(MariaDbGtidPos),
    /// MySQL uuid:interval set.
    MySql(MysqlGtidSet),
}

impl GtidPosition {
    /// Parses `text` according to the server family.
    pub fn parse(flavor: Flavor, text: &str) -> Result<Self, GtidParseError> {
        match flavor {
            Flavor::MariaDB => MariaDbGtidPos::parse(text).map(GtidPosition::MariaDb),
            Flavor::MySQL => MysqlGtidSet::parse(text).map(GtidPosition::MySql),
        }
    }

    /// Orders two positions; `None` across flavors or when they diverged.
    pub fn compare(&self, other: &Self) -> Option<Ordering> {
        match (self, other) {
            (GtidPosition::MariaDb(a), GtidPosition::MariaDb(b)) => a.compare(b),
            (GtidPosition::MySql(a), GtidPosition::MySql(b)) => a.compare(b),
            _ => None,
        }
    }
}

/// Folds per-component comparisons into a partial order (all ≥ → Greater/Equal, all ≤ → Less).
fn combine(orderings: impl Iterator<Item = Ordering>) -> Option<Ordering> {
    let (mut any_less, mut any_greater) = (false, false);
    for ordering in orderings {
        match ordering {
            Ordering::Less => any_less = true,
            Ordering::Greater => any_greater = true,
            Ordering::Equal => {}
        }
    }
    match (any_less, any_greater) {
        (false, false) => Some(Ordering::Equal),
        (false, true) => Some(Ordering::Greater),
        (true, false) => Some(Ordering::Less),
        (true, true) => None,
    }
}

fn parse_interval(text: &str) -> Option<(u64, u64)> {
    let (start, end) = match text.split_once('-') {
        Some((s, e)) => (s.parse().ok()?, e.parse().ok()?),
        None => {
            let n = text.parse().ok()?;
            (n, n)
        }
    };
    (start >= 1 && start <= end).then_some((start, end))
}

fn is_uuid(text: &str) -> bool {
    text.len() == 36
        && text.char_indices().all(|(i, c)| {
            if matches!(i, 8 | 13 | 18 | 23) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

fn is_tag(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && text.len() <= 32
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    const U1: &str = "3e11fa47-71ca-11e1-9e33-c80aa9429562";
    const U2: &str = "b9b4712a-df64-11e3-b391-60672090eb04";

    #[test]
    fn mariadb_positions_compare_per_domain() {
        let cases = [
            ("0-1-10", "0-1-9", Some(Ordering::Greater)),
            ("0-1-10", "0-2-10", Some(Ordering::Equal)),
            ("0-1-10", "0-1-10,1-1-1", Some(Ordering::Less)),
            ("0-1-10,1-1-5", "0-1-11,1-1-4", None),
            ("", "", Some(Ordering::Equal)),
            ("", "0-1-1", Some(Ordering::Less)),
        ];
        for (a, b, expected) in cases {
            let pa = MariaDbGtidPos::parse(a).unwrap();
            let pb = MariaDbGtidPos::parse(b).unwrap();
            assert_eq!(pa.compare(&pb), expected, "{a} vs {b}");
        }
    }

    #[test]
    fn mariadb_parse_keeps_highest_seq_and_refuses_garbage() {
        let pos = MariaDbGtidPos::parse("0-1-5, 0-2-9 ,1-3-2").unwrap();
        assert_eq!(pos.seq(0), 9);
        assert_eq!(pos.to_string(), "0-2-9,1-3-2");
        for bad in ["0-1", "0-1-2-3", "a-1-2", "0-1-x"] {
            assert!(MariaDbGtidPos::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn mysql_sets_compare_by_containment() {
        let cases = [
            (format!("{U1}:1-10"), format!("{U1}:1-9"), Some(Ordering::Greater)),
            (format!("{U1}:1-5:6-10"), format!("{U1}:1-10"), Some(Ordering::Equal)),
            (format!("{U1}:1-10"), format!("{U1}:1-10,\n{U2}:1"), Some(Ordering::Less)),
            (format!("{U1}:1-10,{U2}:1"), format!("{U1}:1-11"), None),
            (format!("{U1}:1-3:5"), format!("{U1}:1-4"), None),
        ];
        for (a, b, expected) in cases {
            let sa = MysqlGtidSet::parse(&a).unwrap();
            let sb = MysqlGtidSet::parse(&b).unwrap();
            assert_eq!(sa.compare(&sb), expected, "{a} vs {b}");
        }
    }

    #[test]
    fn mysql_subtract_finds_errant_transactions() {
        let replica = MysqlGtidSet::parse(&format!("{U1}:1-10,{U2}:1-3")).unwrap();
        let master = MysqlGtidSet::parse(&format!("{U1}:1-4:6-10")).unwrap();
        assert_eq!(replica.subtract(&master).to_string(), format!("{U1}:5,{U2}:1-3"));
        assert!(master.subtract(&replica).is_empty());
    }

    #[test]
    fn mysql_parse_handles_tags_case_and_refuses_garbage() {
        let set = MysqlGtidSet::parse(&format!("{}:1-2:blue:5", U1.to_uppercase())).unwrap();
        assert_eq!(set.to_string(), format!("{U1}:1-2,{U1}:blue:5"));
        for bad in [
            U1.to_string(),
            format!("{U1}:0"),
            format!("{U1}:5-3"),
            "nope:1".to_string(),
            format!("{U1}:1-x"),
        ] {
            assert!(MysqlGtidSet::parse(&bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn positions_of_different_flavors_do_not_compare() {
        let a = GtidPosition::parse(Flavor::MariaDB, "0-1-1").unwrap();
        let b = GtidPosition::parse(Flavor::MySQL, &format!("{U1}:1")).unwrap();
        assert_eq!(a.compare(&b), None);
        assert_eq!(a.compare(&a), Some(Ordering::Equal));
    }
}
