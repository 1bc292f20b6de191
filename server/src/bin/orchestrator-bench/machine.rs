//! Machine facts printed with the figures (Linux `/proc`; "?" elsewhere), and per-process CPU
//! time for attributing where the work goes.

use std::path::Path;
use std::time::Duration;

/// What the figures were measured on.
#[derive(Debug, Clone)]
pub struct MachineInfo {
    /// Logical CPUs available to this process.
    pub nproc: usize,
    /// `/proc/loadavg` 1/5/15-minute averages at start.
    pub loadavg: String,
    /// 1-minute load average at start, when readable.
    pub load1: Option<f64>,
    /// Kernel release.
    pub kernel: String,
    /// CPU model name.
    pub cpu: String,
    /// Total memory.
    pub memory: String,
    /// Filesystem (device and type) holding the nodes' data directories.
    pub filesystem: String,
}

fn read(path: &str) -> Option<String> {
    std::fs::read_to_string(path).ok()
}

/// The current 1/5/15-minute load averages, as text and the 1-minute value.
pub fn loadavg() -> (String, Option<f64>) {
    let text = read("/proc/loadavg").unwrap_or_default();
    let fields: Vec<&str> = text.split_whitespace().take(3).collect();
    if fields.len() < 3 {
        return ("?".into(), None);
    }
    (fields.join(" "), fields[0].parse().ok())
}

/// Collects machine facts; `data_dir` is where the nodes keep their files.
pub fn collect(data_dir: &Path) -> MachineInfo {
    let (loadavg, load1) = loadavg();
    let cpu = read("/proc/cpuinfo")
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "?".into());
    let memory = read("/proc/meminfo")
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("MemTotal:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        })
        .map(|kb| format!("{:.1} GiB", kb / 1024.0 / 1024.0))
        .unwrap_or_else(|| "?".into());
    MachineInfo {
        nproc: std::thread::available_parallelism().map(|n| n.get()).unwrap_or(0),
        loadavg,
        load1,
        kernel: read("/proc/sys/kernel/osrelease")
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|| "?".into()),
        cpu,
        memory,
        filesystem: filesystem_of(data_dir),
    }
}

/// Device and type of the mount holding `path` (longest matching mount point in `/proc/mounts`).
fn filesystem_of(path: &Path) -> String {
    let path = path.canonicalize().unwrap_or_else(|_| path.to_path_buf());
    let mounts = read("/proc/mounts").unwrap_or_default();
    let mut best: Option<(usize, String)> = None;
    for line in mounts.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        if f.len() < 3 {
            continue;
        }
        let mount_point = Path::new(f[1]);
        if path.starts_with(mount_point) {
            let len = f[1].len();
            if best.as_ref().is_none_or(|(l, _)| len > *l) {
                best = Some((len, format!("{} on {} ({})", f[0], f[1], f[2])));
            }
        }
    }
    best.map(|(_, s)| s).unwrap_or_else(|| "?".into())
}

/// User+system CPU time of process `pid` (all its threads), from `/proc/<pid>/stat`.
/// Assumes USER_HZ = 100, which is what Linux exports on every common architecture.
pub fn cpu_time(pid: u32) -> Option<Duration> {
    stat_cpu(&std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?)
}

/// CPU time (user + system) of each live thread of `pid`, summed by thread name with its
/// trailing number dropped (`tokio-runtime-w`, `sqlx-sqlite-wor`, ...). Threads that exited are
/// not listed: their time shows only in [`cpu_time`].
pub fn thread_cpu(pid: u32) -> std::collections::BTreeMap<String, Duration> {
    let mut out = std::collections::BTreeMap::new();
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else { return out };
    for task in tasks.flatten() {
        let dir = task.path();
        let Ok(comm) = std::fs::read_to_string(dir.join("comm")) else { continue };
        let Ok(stat) = std::fs::read_to_string(dir.join("stat")) else { continue };
        let Some(time) = stat_cpu(&stat) else { continue };
        let name = comm.trim().trim_end_matches(|c: char| c.is_ascii_digit() || c == '-');
        *out.entry(name.to_string()).or_default() += time;
    }
    out
}

/// utime + stime of a `/proc/.../stat` line.
fn stat_cpu(text: &str) -> Option<Duration> {
    // Fields after the command name (which may contain spaces) start at field 3 (state).
    let rest = &text[text.rfind(')')? + 1..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: u64 = fields.get(11)?.parse().ok()?;
    let stime: u64 = fields.get(12)?.parse().ok()?;
    Some(Duration::from_millis((utime + stime) * 10))
}

/// `VmRSS` of a process in MiB.
pub fn rss_mib(pid: u32) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}
