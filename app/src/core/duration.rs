//! Orchestrator's simple durations: `30s`, `10m`, `2h`, `1d`, or bare seconds.

use crate::core::error::DomainError;

/// Longest duration we accept (10 years), so that `now + duration` cannot overflow.
pub const MAX_DURATION_MS: i64 = 10 * 365 * 24 * 3600 * 1000;

/// Parses `<digits>[s|m|h|d]` into milliseconds. An empty string is `None`
/// (the caller applies its default). Bare digits are seconds, as orchestrator's
/// `SimpleTimeToSeconds` reads them.
pub fn parse_duration_ms(text: &str) -> Result<Option<i64>, DomainError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let bad = || DomainError::InvalidDuration { value: text.to_string() };
    let (digits, unit_ms) = match text.char_indices().last() {
        Some((i, 's')) => (&text[..i], 1_000i64),
        Some((i, 'm')) => (&text[..i], 60_000),
        Some((i, 'h')) => (&text[..i], 3_600_000),
        Some((i, 'd')) => (&text[..i], 86_400_000),
        _ => (text, 1_000),
    };
    if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n: i64 = digits.parse().map_err(|_| bad())?;
    let ms = n.checked_mul(unit_ms).ok_or_else(bad)?;
    if ms <= 0 || ms > MAX_DURATION_MS {
        return Err(bad());
    }
    Ok(Some(ms))
}

/// Renders milliseconds the way a person would type them back (`90s` → `90s`, `600000` → `10m`).
pub fn format_duration_ms(ms: i64) -> String {
    const UNITS: [(i64, &str); 4] =
        [(86_400_000, "d"), (3_600_000, "h"), (60_000, "m"), (1_000, "s")];
    for (unit, suffix) in UNITS {
        if ms >= unit && ms % unit == 0 {
            return format!("{}{}", ms / unit, suffix);
        }
    }
    format!("{ms}ms")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_orchestrator_forms() {
        assert_eq!(parse_duration_ms("30s"), Ok(Some(30_000)));
        assert_eq!(parse_duration_ms("10m"), Ok(Some(600_000)));
        assert_eq!(parse_duration_ms("2h"), Ok(Some(7_200_000)));
        assert_eq!(parse_duration_ms("1d"), Ok(Some(86_400_000)));
        assert_eq!(parse_duration_ms("45"), Ok(Some(45_000)));
        assert_eq!(parse_duration_ms(""), Ok(None));
    }

    #[test]
    fn refuses_garbage() {
        for bad in ["10x", "abc", "m", "-5m", "0", "0s", "1.5h", "99999999999999d", " 5 m"] {
            assert!(parse_duration_ms(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn formats_round_trip() {
        for text in ["30s", "10m", "2h", "1d"] {
            let ms = parse_duration_ms(text).unwrap().unwrap();
            assert_eq!(format_duration_ms(ms), text);
        }
    }
}
