//! What the failover and discovery benchmarks read from the nodes: orchestrator's JSON API
//! (`/api/all-instances`, `/api/replication-analysis`, `/api/audit-recovery`, ...) and the
//! nodes' own logs (tracing's default format: an RFC 3339 UTC timestamp with microseconds, the
//! level, the message and `key=value` fields), which carry the sub-second times the API's
//! second-resolution audit timestamps do not.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::Value;

use crate::error::{BenchError, Result};

/// GET `url` → JSON (any status with a JSON body; transport errors and non-JSON fail).
pub async fn get_json(client: &reqwest::Client, url: &str) -> Result<Value> {
    let r = client
        .get(url)
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .map_err(|source| BenchError::Http { url: url.to_string(), source })?;
    let status = r.status();
    let body =
        r.bytes().await.map_err(|source| BenchError::HttpBody { url: url.to_string(), source })?;
    serde_json::from_slice(&body).map_err(|source| BenchError::NotJson {
        url: url.to_string(),
        status,
        body: String::from_utf8_lossy(&body).chars().take(200).collect(),
        source,
    })
}

/// GET `url`, failing unless HTTP 200.
pub async fn get_200(client: &reqwest::Client, url: &str) -> Result<()> {
    let r = client
        .get(url)
        .timeout(Duration::from_secs(10))
        .send()
        .await
        .map_err(|source| BenchError::Http { url: url.to_string(), source })?;
    let status = r.status();
    let body = r.text().await.unwrap_or_default();
    if status.as_u16() != 200 {
        return Err(BenchError::HttpStatus {
            url: url.to_string(),
            status,
            body: body.chars().take(300).collect(),
        });
    }
    Ok(())
}

/// The list in an orchestrator reply: `Details` of `{Code, Message, Details}`, or the array itself.
pub fn list(v: &Value) -> Vec<Value> {
    match v.get("Details") {
        Some(Value::Array(a)) => a.clone(),
        _ => v.as_array().cloned().unwrap_or_default(),
    }
}

/// The port of a `{Hostname, Port}` key value.
pub fn key_port(v: Option<&Value>) -> Option<u16> {
    v.and_then(|k| k.get("Port")).and_then(Value::as_u64).and_then(|p| u16::try_from(p).ok())
}

/// A boolean field (false when absent).
pub fn flag(v: &Value, name: &str) -> bool {
    v.get(name).and_then(Value::as_bool).unwrap_or(false)
}

/// A string field ("" when absent).
pub fn text<'a>(v: &'a Value, name: &str) -> &'a str {
    v.get(name).and_then(Value::as_str).unwrap_or("")
}

/// Microseconds since the epoch.
pub fn unix_us(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH).map(|d| d.as_micros() as i64).unwrap_or(0)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// `2026-11-27T10:11:12.123456Z` → microseconds since the epoch.
pub fn parse_rfc3339_us(s: &str) -> Option<i64> {
    let s = s.strip_suffix('Z')?;
    let (date, time) = s.split_once('T')?;
    let mut d = date.split('-').map(|x| x.parse::<i64>().ok());
    let (y, mo, da) = (d.next()??, d.next()??, d.next()??);
    let (hms, frac) = time.split_once('.').unwrap_or((time, "0"));
    let mut t = hms.split(':').map(|x| x.parse::<i64>().ok());
    let (h, mi, se) = (t.next()??, t.next()??, t.next()??);
    let digits: String = frac.chars().take_while(char::is_ascii_digit).take(6).collect();
    let us = format!("{digits:0<6}").parse::<i64>().ok()?;
    Some(((days_from_civil(y, mo, da) * 86_400 + h * 3600 + mi * 60 + se) * 1_000_000) + us)
}

/// One log line: when and what (ANSI colour codes removed).
#[derive(Debug, Clone)]
pub struct LogLine {
    /// Microseconds since the epoch.
    pub at_us: i64,
    /// The rest of the line.
    pub text: String,
}

fn strip_ansi(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// The lines of a node log at or after `since_us` (lines without a timestamp are skipped).
pub fn read_log(path: &Path, since_us: i64) -> Vec<LogLine> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter_map(|raw| {
            let line = strip_ansi(raw);
            let (ts, rest) = line.trim_start().split_once(char::is_whitespace)?;
            let at_us = parse_rfc3339_us(ts)?;
            (at_us >= since_us).then(|| LogLine { at_us, text: rest.trim().to_string() })
        })
        .collect()
}

/// Whether `text` has the field `name=value` exactly (followed by a space or the end).
pub fn has_field(text: &str, name: &str, value: &str) -> bool {
    let needle = format!("{name}={value}");
    text.match_indices(&needle).any(|(i, _)| {
        let before_ok = i == 0 || text[..i].ends_with(' ');
        let after = &text[i + needle.len()..];
        before_ok && (after.is_empty() || after.starts_with(' ') || after.starts_with(','))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_tracing_timestamps() {
        assert_eq!(parse_rfc3339_us("1970-01-01T00:00:01.000002Z"), Some(1_000_002));
        assert_eq!(parse_rfc3339_us("2000-03-01T00:00:00Z"), Some(951_868_800_000_000));
        assert_eq!(parse_rfc3339_us("2024-02-29T12:00:00.5Z"), Some(1_709_208_000_500_000));
        assert_eq!(parse_rfc3339_us("garbage"), None);
    }

    #[test]
    fn strips_colours_and_matches_fields() {
        let s = strip_ansi("\u{1b}[2m2024\u{1b}[0m \u{1b}[33m WARN\u{1b}[0m probe failed");
        assert_eq!(s, "2024  WARN probe failed");
        assert!(has_field(
            "probe failed instance=127.0.0.1:2000 error=x",
            "instance",
            "127.0.0.1:2000"
        ));
        assert!(!has_field("probe failed instance=127.0.0.1:20001", "instance", "127.0.0.1:2000"));
    }
}
