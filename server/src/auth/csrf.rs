//! Cross-site request forgery: a state-changing request that a browser sent on behalf of another
//! site is refused (403).
//!
//! Browsers say where a request comes from; scripts on another site cannot hide it:
//! - `Sec-Fetch-Site` other than `same-origin` or `none` (typed URL) → refused;
//! - else `Origin`, else `Referer`, must name this node (its `Host`, or the `X-Forwarded-Host` a
//!   front proxy set) or one of `AuthTrustedOrigins`;
//! - a request with none of these headers is not from a browser page (curl, orchestrator-client,
//!   peers) and passes: CSRF needs a victim's browser.
//!
//! Checked for every request with an unsafe method (POST: server functions, forms) and for the
//! GET write routes of orchestrator's API.

use axum::http::{header, HeaderMap, Method};

use crate::config::security::SecurityConfig;

/// Whether the method can change state by itself.
pub fn unsafe_method(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE)
}

fn text<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok()).map(str::trim)
}

/// `scheme://host[:port]` → (scheme, lower-case `host:port` with the default port filled in).
fn origin_parts(origin: &str) -> Option<(&str, String)> {
    let (scheme, rest) = origin.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next()?.rsplit('@').next()?;
    Some((scheme, with_port(authority, scheme)?))
}

fn with_port(authority: &str, scheme: &str) -> Option<String> {
    if authority.is_empty() {
        return None;
    }
    let authority = authority.to_ascii_lowercase();
    let has_port = match authority.rfind(':') {
        Some(i) => !authority[i..].contains(']'),
        None => false,
    };
    Some(if has_port {
        authority
    } else {
        let port = if scheme.eq_ignore_ascii_case("https") { 443 } else { 80 };
        format!("{authority}:{port}")
    })
}

/// Refuses a cross-site browser request; `Err` carries the reason.
pub fn check(headers: &HeaderMap, config: &SecurityConfig) -> Result<(), String> {
    if let Some(site) = text(headers, "sec-fetch-site") {
        if !matches!(site, "same-origin" | "none") {
            return Err(format!("cross-site request refused (Sec-Fetch-Site: {site})"));
        }
    }
    let (what, source) =
        match (text(headers, header::ORIGIN.as_str()), text(headers, header::REFERER.as_str())) {
            (Some(origin), _) => ("Origin", origin),
            (None, Some(referer)) => ("Referer", referer),
            (None, None) => return Ok(()),
        };
    let Some((scheme, authority)) = origin_parts(source) else {
        return Err(format!(
            "cross-site request refused ({what}: {source:?} is not a same-origin page)"
        ));
    };
    let normalized = format!("{}://{}", scheme.to_ascii_lowercase(), authority);
    let trusted = config
        .trusted_origins
        .iter()
        .filter_map(|t| origin_parts(t))
        .any(|(s, a)| format!("{}://{}", s.to_ascii_lowercase(), a) == normalized);
    if trusted {
        return Ok(());
    }
    let hosts = [
        text(headers, header::HOST.as_str()),
        text(headers, "x-forwarded-host").and_then(|h| h.split(',').next()),
    ];
    if hosts
        .into_iter()
        .flatten()
        .filter_map(|h| with_port(h.trim(), scheme))
        .any(|h| h == authority)
    {
        return Ok(());
    }
    Err(format!("cross-site request refused ({what} {source:?} is not this orchestrator)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> SecurityConfig {
        let c = crate::config::NodeConfig::parse(
            r#"{"SQLite3DataFile": "x", "AuthTrustedOrigins": ["https://orc.example.com"]}"#,
        )
        .unwrap();
        c.security
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn same_origin_and_non_browsers_pass() {
        let c = config();
        assert!(check(
            &headers(&[("host", "127.0.0.1:3000"), ("origin", "http://127.0.0.1:3000")]),
            &c
        )
        .is_ok());
        assert!(check(&headers(&[("host", "127.0.0.1:3000")]), &c).is_ok());
        assert!(check(&headers(&[("host", "a:80"), ("referer", "http://a/page?x=1")]), &c).is_ok());
        assert!(check(
            &headers(&[("host", "10.0.0.1:3000"), ("origin", "https://orc.example.com")]),
            &c
        )
        .is_ok());
    }

    #[test]
    fn other_sites_are_refused() {
        let c = config();
        assert!(check(
            &headers(&[("host", "127.0.0.1:3000"), ("origin", "http://evil.example")]),
            &c
        )
        .is_err());
        assert!(check(&headers(&[("host", "127.0.0.1:3000"), ("origin", "null")]), &c).is_err());
        assert!(check(
            &headers(&[("host", "127.0.0.1:3000"), ("origin", "http://127.0.0.1:3001")]),
            &c
        )
        .is_err());
        assert!(
            check(&headers(&[("host", "h:3000"), ("referer", "http://evil/h:3000")]), &c).is_err()
        );
        assert!(check(&headers(&[("host", "h"), ("sec-fetch-site", "cross-site")]), &c).is_err());
    }
}
