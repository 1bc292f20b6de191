//! Hostname filters (`RecoveryIgnoreHostnameFilters`, `ProblemIgnoreHostnameFilters`,
//! `DiscoveryIgnore*HostnameFilters`): orchestrator's `FiltersMatchInstanceKey`, as a type.
//!
//! An entry that parses as an IP address matches that host exactly (so `10.0.0.3` does not
//! match `10.0.0.38`); any other entry is a regex matched, unanchored, against the hostname and
//! against `host:port` (either matching is a match). orchestrator matches
//! `RecoveryIgnoreHostnameFilters` against the hostname and the others against `host:port`;
//! matching both keeps every filter written for either, and lets a filter name a port.
//! Unlike orchestrator, which skips a regex that does not compile, parsing fails, so a typo is
//! reported at startup naming the key.

use core::net::IpAddr;

use regex::Regex;

use crate::core::instance_key::InstanceKey;

#[derive(Debug, Clone)]
enum Entry {
    Ip(String),
    Pattern(Regex),
}

/// A parsed list of hostname filters; empty matches nothing.
#[derive(Debug, Clone, Default)]
pub struct HostnameFilters {
    entries: Vec<Entry>,
}

impl HostnameFilters {
    /// Parses configured entries; the error names the entry that does not compile.
    pub fn parse<S: AsRef<str>>(entries: &[S]) -> Result<Self, String> {
        let entries = entries
            .iter()
            .map(|e| {
                let text = e.as_ref();
                if text.parse::<IpAddr>().is_ok() {
                    Ok(Entry::Ip(text.to_string()))
                } else {
                    Regex::new(text).map(Entry::Pattern).map_err(|err| format!("{text:?}: {err}"))
                }
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(HostnameFilters { entries })
    }

    /// Whether no filter is configured.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Whether any filter matches `key`.
    pub fn matches(&self, key: &InstanceKey) -> bool {
        if self.entries.is_empty() {
            return false;
        }
        let code = key.to_string();
        self.entries.iter().any(|e| match e {
            Entry::Ip(ip) => *ip == key.hostname,
            Entry::Pattern(re) => re.is_match(&key.hostname) || re.is_match(&code),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> InstanceKey {
        let (h, p) = s.rsplit_once(':').unwrap();
        InstanceKey::parse(h, p).unwrap()
    }

    #[test]
    fn ip_entries_match_exactly_and_regexes_match_host_and_port() {
        let f = HostnameFilters::parse(&["10.0.0.3", r"^db-ignored[.]", r":3307$"]).unwrap();
        assert!(f.matches(&key("10.0.0.3:3306")));
        assert!(!f.matches(&key("10.0.0.38:3306")));
        assert!(f.matches(&key("db-ignored.example.com:3306")));
        assert!(f.matches(&key("db-1:3307")));
        let anchored = HostnameFilters::parse(&["^db-2$"]).unwrap();
        assert!(anchored.matches(&key("db-2:3306")), "hostname-anchored, as orchestrator");
        assert!(!f.matches(&key("db-1:3306")));
        assert!(!HostnameFilters::default().matches(&key("db-1:3306")));
        assert!(HostnameFilters::parse(&["("]).is_err());
    }
}
