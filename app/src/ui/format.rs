//! Small text helpers shared by the pages (no clock reads: what the server rendered is what
//! the browser hydrates).

use crate::core::time_fmt::format_utc;
use crate::ui::url_prefix::web;

/// `2026-11-27 19:30:00 UTC`.
pub fn utc(ms: i64) -> String {
    format!("{} UTC", format_utc(ms))
}

/// `19:30Z` (time of day, UTC), for badges.
pub fn hhmm(ms: i64) -> String {
    let full = format_utc(ms);
    format!("{}Z", full.get(11..16).unwrap_or(&full))
}

/// A number or `-`.
pub fn num(n: Option<u64>) -> String {
    n.map(|n| n.to_string()).unwrap_or_else(|| "-".into())
}

/// Replication lag in words.
pub fn lag(seconds: Option<i64>) -> String {
    match seconds {
        Some(s) => format!("{s}s"),
        None => "unknown".into(),
    }
}

/// Percent-encodes one URL path segment or query value (keeps `A-Za-z0-9 . _ - : ~`).
pub fn enc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b':' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Link to a cluster's page, optionally with an instance selected.
pub fn cluster_href(cluster: &str, instance: Option<&str>) -> String {
    match instance {
        Some(i) => web(&format!("/web/cluster/{}?instance={}", enc(cluster), enc(i))),
        None => web(&format!("/web/cluster/{}", enc(cluster))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_only_what_must_be() {
        assert_eq!(enc("127.0.0.1:3306"), "127.0.0.1:3306");
        assert_eq!(enc("a b/c?"), "a%20b%2Fc%3F");
        assert_eq!(cluster_href("x", Some("h:1")), "/web/cluster/x?instance=h:1");
        assert_eq!(hhmm(1_700_000_000_000), "22:13Z");
    }
}
