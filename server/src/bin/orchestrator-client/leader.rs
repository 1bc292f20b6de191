//! Choosing the endpoint to talk to.
//!
//! `ORCHESTRATOR_API` holds one URL or several separated by spaces; `/api` is appended when
//! missing. One URL is used as is (a proxy, or a follower that reverse-proxies writes). With
//! several, each gets `GET /api/leader-check` (1 s timeout, all at once) and the first in the
//! listed order answering 200 is the leader; if none does, `GET /api/routed-leader-check` accepts
//! a follower that can reach the leader. Rounds repeat with back-off for a few seconds (an
//! election may be in progress); then "Cannot determine leader".

use std::time::{Duration, Instant};

use crate::error::ClientError;
use crate::http::{sanitize, Http, BACKOFF, RETRY_BUDGET};

/// Timeout of one `leader-check`.
const LEADER_CHECK_TIMEOUT: Duration = Duration::from_secs(1);
/// Timeout of one `routed-leader-check` (it crosses a follower's reverse proxy).
const ROUTED_CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// The endpoints in `api` (space separated), normalized.
pub fn endpoints(api: &str) -> Result<Vec<String>, ClientError> {
    let list = api.split_whitespace().map(normalize).collect::<Result<Vec<_>, _>>()?;
    if list.is_empty() {
        return Err(ClientError::Setup("ORCHESTRATOR_API lists no endpoint".into()));
    }
    Ok(list)
}

/// One endpoint: `http://` assumed when no scheme is given, trailing `/` removed, `/api` added.
pub fn normalize(url: &str) -> Result<String, ClientError> {
    let url = url.trim().trim_end_matches('/');
    let url = if url.contains("://") { url.to_string() } else { format!("http://{url}") };
    // https is verified against the system's CAs (and SSL_CERT_FILE / SSL_CERT_DIR, as curl does).
    if !url.starts_with("http://") && !url.starts_with("https://") {
        return Err(ClientError::Setup(format!(
            "invalid API endpoint {}: expected http://host:port or https://host:port",
            sanitize(&url)
        )));
    }
    Ok(if url.ends_with("/api") { url } else { format!("{url}/api") })
}

/// The endpoint to use: the only one, or the leader (directly or routed) among several.
pub async fn choose(http: &Http, endpoints: &[String]) -> Result<String, ClientError> {
    if let [only] = endpoints {
        return Ok(only.clone());
    }
    let started = Instant::now();
    let mut delays = BACKOFF.iter();
    loop {
        let (leader, outcomes) = round(http, endpoints, "leader-check", LEADER_CHECK_TIMEOUT).await;
        if let Some(api) = leader {
            return Ok(api);
        }
        if let (Some(api), _) =
            round(http, endpoints, "routed-leader-check", ROUTED_CHECK_TIMEOUT).await
        {
            http.note(&format!("{} routes to the leader", sanitize(&api)));
            return Ok(api);
        }
        match delays.next() {
            Some(delay) if started.elapsed() + *delay < RETRY_BUDGET => {
                http.note(&format!("no leader found; checking again in {} ms", delay.as_millis()));
                tokio::time::sleep(*delay).await;
            }
            _ => {
                let apis = endpoints.iter().map(|e| sanitize(e)).collect::<Vec<_>>().join(" ");
                return Err(ClientError::NoLeader { apis, detail: outcomes.join("; ") });
            }
        }
    }
}

/// GETs `check` on every endpoint at once; returns the first (in list order) answering 200, and
/// what each answered.
async fn round(
    http: &Http,
    endpoints: &[String],
    check: &str,
    timeout: Duration,
) -> (Option<String>, Vec<String>) {
    let tasks: Vec<_> = endpoints
        .iter()
        .map(|api| {
            let http = http.clone();
            let url = format!("{api}/{check}");
            tokio::spawn(async move { http.once(&url, timeout).await })
        })
        .collect();
    let mut outcomes = Vec::new();
    for (api, task) in endpoints.iter().zip(tasks) {
        let outcome = match task.await {
            Ok(Ok(answer)) if answer.status == 200 => return (Some(api.clone()), outcomes),
            Ok(Ok(answer)) => format!("HTTP {}", answer.status),
            Ok(Err(failure)) => failure.reason,
            Err(e) => e.to_string(),
        };
        outcomes.push(format!("{}: {outcome}", sanitize(api)));
    }
    (None, outcomes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_endpoints() {
        assert_eq!(
            endpoints(" http://a:3000  http://b:3000/api/ c:3000/ ").unwrap(),
            ["http://a:3000/api", "http://b:3000/api", "http://c:3000/api"]
        );
        assert!(normalize("ftp://x").is_err());
        assert_eq!(normalize("https://x:3000/").unwrap(), "https://x:3000/api");
    }
}
