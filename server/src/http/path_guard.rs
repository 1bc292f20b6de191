//! Refuses `/api` paths with a `.`, `..` or empty segment (plain or percent-encoded) before
//! routing, so that no path parameter can ever be one and no hop can normalise a path into
//! another request.

use app::api::ApiError;
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;

use super::reply::error;

/// Why a raw request path is refused, if it is.
pub fn refusal(raw_path: &str) -> Option<String> {
    let rest = raw_path.strip_prefix("/api/")?;
    // One trailing slash is tolerated (orchestrator-client sends some paths with it).
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    for segment in rest.split('/') {
        let decoded = percent_decode(segment);
        match decoded.as_str() {
            "" => return Some(format!("empty path segment in {raw_path:?}")),
            "." | ".." => {
                return Some(format!("path segment {segment:?} is not allowed in {raw_path:?}"))
            }
            _ => {}
        }
    }
    None
}

fn percent_decode(segment: &str) -> String {
    let bytes = segment.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Middleware: 400 for a refused path, else on to routing.
pub async fn guard(request: Request, next: Next) -> Response {
    match refusal(request.uri().path()) {
        Some(reason) => error(ApiError::Validation(reason)),
        None => next.run(request).await,
    }
}

#[cfg(test)]
mod tests {
    use super::refusal;

    #[test]
    fn dot_and_empty_segments_are_refused_in_any_spelling() {
        for bad in [
            "/api/begin-downtime/victim2/3306/%2E/myreason/2d",
            "/api/begin-downtime/victim2/3306/%2e%2E/r",
            "/api/forget/./3306",
            "/api/forget/../3306",
            "/api/begin-downtime/h/3306//reason",
            "/api/forget//3306",
        ] {
            assert!(refusal(bad).is_some(), "{bad}");
        }
    }

    #[test]
    fn ordinary_paths_pass() {
        for good in [
            "/api/begin-downtime/db-1.example.com/3306/ops/maint%20window/2d",
            "/api/downtimed/",
            "/api/leader-check",
            "/api/forget/.hidden/3306",
            "/api/search/a%2Fb",
            "/",
            "/pkg/orchestrator.js",
        ] {
            assert!(refusal(good).is_none(), "{good}");
        }
    }
}
