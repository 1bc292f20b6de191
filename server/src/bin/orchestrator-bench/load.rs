//! Client load against the leader's HTTP API: one sequential client (latency), many
//! concurrent clients (throughput), and a read-only baseline (HTTP round trip without raft).
//!
//! Every write is `GET /api/begin-downtime/<host>/3306/bench/load/1h`, which answers 200 only
//! after the command is committed and applied on the leader. Hosts cycle over 1,024 names so
//! the downtime table stays small.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::error::{BenchError, Result};
use crate::stats::{summarize, Summary};

/// Distinct instance names the writes cycle over.
const HOSTS: u64 = 1024;

/// A keep-alive HTTP client with TCP_NODELAY, as a latency-sensitive caller would use.
pub fn client() -> Result<reqwest::Client> {
    reqwest::Client::builder()
        .tcp_nodelay(true)
        .no_proxy()
        .pool_idle_timeout(Duration::from_secs(90))
        .build()
        .map_err(BenchError::HttpClient)
}

/// The write URL for sequence number `n` on node `base`.
pub fn write_url(base: &str, n: u64) -> String {
    format!("{base}/api/begin-downtime/bench-{:04}.example/3306/bench/load/1h", n % HOSTS)
}

/// One GET; Ok(latency) on HTTP 200 (body read to the end so the connection is reused).
pub async fn get_ok(
    client: &reqwest::Client,
    url: &str,
    timeout: Duration,
) -> std::result::Result<Duration, String> {
    let start = Instant::now();
    let response = client.get(url).timeout(timeout).send().await.map_err(|e| e.to_string())?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| e.to_string())?;
    let elapsed = start.elapsed();
    if status.as_u16() == 200 {
        Ok(elapsed)
    } else {
        Err(format!(
            "HTTP {status}: {}",
            String::from_utf8_lossy(&body).chars().take(200).collect::<String>()
        ))
    }
}

/// Result of a sequential run.
#[derive(Debug, Clone)]
pub struct Sequential {
    /// Latency of the successful requests.
    pub latency: Option<Summary>,
    /// Failed requests (non-200 or transport error).
    pub errors: usize,
    /// First error seen, if any.
    pub first_error: Option<String>,
    /// Wall time of the measured part.
    pub elapsed: Duration,
}

/// Sends `warmup` unrecorded then `n` recorded requests one after another, each to the URL
/// `url_of(seq)`.
pub async fn sequential(
    client: &reqwest::Client,
    url_of: impl Fn(u64) -> String,
    warmup: usize,
    n: usize,
    seq: &AtomicU64,
) -> Sequential {
    let timeout = Duration::from_secs(10);
    for _ in 0..warmup {
        let _ = get_ok(client, &url_of(seq.fetch_add(1, Ordering::Relaxed)), timeout).await;
    }
    let mut samples = Vec::with_capacity(n);
    let mut errors = 0;
    let mut first_error = None;
    let start = Instant::now();
    for _ in 0..n {
        match get_ok(client, &url_of(seq.fetch_add(1, Ordering::Relaxed)), timeout).await {
            Ok(d) => samples.push(d),
            Err(e) => {
                errors += 1;
                first_error.get_or_insert(e);
            }
        }
    }
    Sequential { latency: summarize(&samples), errors, first_error, elapsed: start.elapsed() }
}

/// Result of a concurrent run.
#[derive(Debug, Clone)]
pub struct Concurrent {
    /// Number of clients.
    pub clients: usize,
    /// Successful (committed) requests in the measured window.
    pub ok: usize,
    /// Failed requests in the measured window.
    pub errors: usize,
    /// First error seen, if any.
    pub first_error: Option<String>,
    /// Length of the measured window.
    pub elapsed: Duration,
    /// Latency of the successful requests.
    pub latency: Option<Summary>,
}

impl Concurrent {
    /// Committed commands per second.
    pub fn rate(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

/// `clients` tasks each send writes back to back to `base` for `warmup` (unrecorded) and then
/// `duration` (recorded: only requests that start inside the window count).
pub async fn concurrent(
    client: &reqwest::Client,
    base: &str,
    clients: usize,
    warmup: Duration,
    duration: Duration,
    seq: Arc<AtomicU64>,
) -> Concurrent {
    let timeout = Duration::from_secs(10);
    let begin = Instant::now();
    let measure_from = begin + warmup;
    let measure_to = measure_from + duration;
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..clients {
        let client = client.clone();
        let base = base.to_string();
        let seq = seq.clone();
        tasks.spawn(async move {
            let mut samples = Vec::new();
            let mut errors = 0usize;
            let mut first_error = None;
            loop {
                let now = Instant::now();
                if now >= measure_to {
                    break;
                }
                let recorded = now >= measure_from;
                match get_ok(
                    &client,
                    &write_url(&base, seq.fetch_add(1, Ordering::Relaxed)),
                    timeout,
                )
                .await
                {
                    Ok(d) if recorded => samples.push(d),
                    Err(e) if recorded => {
                        errors += 1;
                        first_error.get_or_insert(e);
                    }
                    _ => {}
                }
            }
            (samples, errors, first_error)
        });
    }
    let mut samples = Vec::new();
    let mut errors = 0;
    let mut first_error = None;
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok((s, e, f)) => {
                samples.extend(s);
                errors += e;
                if first_error.is_none() {
                    first_error = f;
                }
            }
            Err(e) => {
                errors += 1;
                first_error.get_or_insert(format!("client task failed: {e}"));
            }
        }
    }
    // Requests that started just before the window end may finish after it; they count in a
    // window that ends when the last of them does.
    let elapsed = Instant::now().saturating_duration_since(measure_from).max(duration);
    Concurrent {
        clients,
        ok: samples.len(),
        errors,
        first_error,
        elapsed,
        latency: summarize(&samples),
    }
}
