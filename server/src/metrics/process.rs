//! The process's own figures from `/proc/self`: resident memory, CPU time, open descriptors and
//! start time (Linux; elsewhere they are absent).

/// What `/proc/self` says now.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ProcessFigures {
    /// Resident set size, bytes.
    pub rss_bytes: Option<f64>,
    /// User + system CPU, seconds.
    pub cpu_seconds: Option<f64>,
    /// Open file descriptors.
    pub open_fds: Option<f64>,
    /// Start time, unix seconds.
    pub start_time_seconds: Option<f64>,
}

/// Clock ticks per second of `/proc` times (USER_HZ, 100 on Linux).
const TICKS: f64 = 100.0;
/// Page size assumed for `statm` (4 KiB on the platforms this runs on).
const PAGE: f64 = 4096.0;

/// Reads the figures.
pub fn read() -> ProcessFigures {
    let stat = std::fs::read_to_string("/proc/self/stat").ok();
    let fields: Vec<&str> = stat
        .as_deref()
        .and_then(|s| s.rsplit_once(')'))
        .map(|(_, rest)| rest.split_whitespace().collect())
        .unwrap_or_default();
    // After "(comm)": field 3 is index 0; utime is field 14, stime 15, starttime 22.
    let field = |n: usize| fields.get(n - 3).and_then(|v| v.parse::<f64>().ok());
    let cpu_seconds = match (field(14), field(15)) {
        (Some(u), Some(s)) => Some((u + s) / TICKS),
        _ => None,
    };
    let boot = std::fs::read_to_string("/proc/stat").ok().and_then(|s| {
        s.lines().find_map(|l| l.strip_prefix("btime ").and_then(|v| v.trim().parse::<f64>().ok()))
    });
    let start_time_seconds = match (boot, field(22)) {
        (Some(b), Some(t)) => Some(b + t / TICKS),
        _ => None,
    };
    let rss_bytes = std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1).and_then(|v| v.parse::<f64>().ok()))
        .map(|pages| pages * PAGE);
    let open_fds = std::fs::read_dir("/proc/self/fd").ok().map(|d| d.count() as f64);
    ProcessFigures { rss_bytes, cpu_seconds, open_fds, start_time_seconds }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_this_process() {
        let f = read();
        if std::path::Path::new("/proc/self/stat").exists() {
            assert!(f.rss_bytes.is_some_and(|b| b > 0.0), "{f:?}");
            assert!(f.cpu_seconds.is_some(), "{f:?}");
            assert!(f.open_fds.is_some_and(|n| n >= 1.0), "{f:?}");
            assert!(f.start_time_seconds.is_some_and(|t| t > 1.0e9), "{f:?}");
        }
    }
}
