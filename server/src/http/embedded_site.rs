//! The dashboard's site files (`/pkg/...` and `public/`) served from memory when the binary was
//! built with the `embed-site` feature (server/build.rs embeds the cargo-leptos site), so a node
//! needs no site directory; without the feature the table is empty and nothing is served here.

use axum::body::Body;
use axum::http::header::{
    ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING, CONTENT_TYPE, ETAG, IF_NONE_MATCH, VARY,
};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::Response;

/// One file of the site, built into the binary.
#[derive(Debug)]
pub struct EmbeddedFile {
    /// URL path, e.g. `/pkg/orchestrator.wasm`.
    pub path: &'static str,
    pub bytes: &'static [u8],
    pub content_type: &'static str,
    /// Strong validator: a hash of the bytes taken at build time.
    pub etag: &'static str,
}

#[cfg(feature = "embed-site")]
mod table {
    use super::EmbeddedFile;
    include!(concat!(env!("OUT_DIR"), "/embedded_site.rs"));
}

#[cfg(not(feature = "embed-site"))]
mod table {
    pub static FILES: &[super::EmbeddedFile] = &[];
}

/// Whether this binary carries the site (built with `embed-site`).
pub fn is_embedded() -> bool {
    !table::FILES.is_empty()
}

/// The embedded answer to a `GET`/`HEAD` of a site file, or `None` (not embedded, other
/// method): the caller then serves from disk or renders the 404 page.
pub fn respond(method: &Method, path: &str, headers: &HeaderMap) -> Option<Response> {
    respond_from(table::FILES, method, path, headers)
}

fn find(files: &'static [EmbeddedFile], path: &str) -> Option<&'static EmbeddedFile> {
    files.binary_search_by(|f| f.path.cmp(path)).ok().and_then(|i| files.get(i))
}

fn respond_from(
    files: &'static [EmbeddedFile],
    method: &Method,
    path: &str,
    headers: &HeaderMap,
) -> Option<Response> {
    if method != Method::GET && method != Method::HEAD {
        return None;
    }
    let file = find(files, path)?;
    // A precompressed sibling (`.br`, `.gz`) when the client takes it, as Leptos's ServeDir does.
    let accepts = headers.get(ACCEPT_ENCODING).and_then(|v| v.to_str().ok()).unwrap_or("");
    let encoded = [("br", ".br"), ("gzip", ".gz")].into_iter().find_map(|(coding, suffix)| {
        let takes = accepts.split(',').any(|c| c.split(';').next().map(str::trim) == Some(coding));
        let sibling = takes.then(|| find(files, &format!("{path}{suffix}"))).flatten();
        sibling.map(|s| (coding, s))
    });
    let (body, etag, coding) = match encoded {
        Some((coding, sibling)) => (sibling.bytes, sibling.etag, Some(coding)),
        None => (file.bytes, file.etag, None),
    };
    let fresh = headers
        .get(IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|tags| tags.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
    let mut response = Response::new(if fresh || method == Method::HEAD {
        Body::empty()
    } else {
        Body::from(body)
    });
    if fresh {
        *response.status_mut() = StatusCode::NOT_MODIFIED;
    }
    let h = response.headers_mut();
    h.insert(CONTENT_TYPE, HeaderValue::from_static(file.content_type));
    h.insert(ETAG, HeaderValue::from_static(etag));
    // File names carry no content hash: browsers keep them but revalidate (304 by ETag).
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    h.insert(VARY, HeaderValue::from_static("accept-encoding"));
    if let Some(coding) = coding {
        h.insert(CONTENT_ENCODING, HeaderValue::from_static(coding));
    }
    if method == Method::HEAD && !fresh {
        h.insert(axum::http::header::CONTENT_LENGTH, HeaderValue::from(body.len()));
    }
    Some(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    static FILES: &[EmbeddedFile] = &[
        EmbeddedFile {
            path: "/favicon.ico",
            bytes: b"ico",
            content_type: "image/x-icon",
            etag: "\"1\"",
        },
        EmbeddedFile {
            path: "/pkg/orchestrator.wasm",
            bytes: b"\0asm",
            content_type: "application/wasm",
            etag: "\"2\"",
        },
        EmbeddedFile {
            path: "/pkg/orchestrator.wasm.br",
            bytes: b"br",
            content_type: "application/octet-stream",
            etag: "\"3\"",
        },
    ];

    fn get(path: &str, headers: &[(&'static str, &'static str)]) -> Option<Response> {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(*k, HeaderValue::from_static(v));
        }
        respond_from(FILES, &Method::GET, path, &map)
    }

    async fn body(response: Response) -> Vec<u8> {
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await;
        bytes.map(|b| b.to_vec()).unwrap_or_default()
    }

    #[tokio::test]
    async fn serves_a_file_with_its_type_and_validator() {
        let Some(r) = get("/pkg/orchestrator.wasm", &[]) else { panic!("not served") };
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()[CONTENT_TYPE], "application/wasm");
        assert_eq!(r.headers()[ETAG], "\"2\"");
        assert_eq!(r.headers()[CACHE_CONTROL], "no-cache");
        assert_eq!(body(r).await, b"\0asm");
    }

    #[tokio::test]
    async fn precompressed_sibling_only_when_accepted() {
        let Some(r) = get("/pkg/orchestrator.wasm", &[("accept-encoding", "gzip, br;q=1")]) else {
            panic!("not served")
        };
        assert_eq!(r.headers()[CONTENT_ENCODING], "br");
        assert_eq!(r.headers()[CONTENT_TYPE], "application/wasm");
        assert_eq!(body(r).await, b"br");
        let Some(r) = get("/favicon.ico", &[("accept-encoding", "br")]) else {
            panic!("not served")
        };
        assert!(r.headers().get(CONTENT_ENCODING).is_none());
    }

    #[test]
    fn matching_etag_is_not_modified() {
        let r = get("/favicon.ico", &[("if-none-match", "\"9\", \"1\"")]);
        assert_eq!(r.map(|r| r.status()), Some(StatusCode::NOT_MODIFIED));
    }

    #[test]
    fn unknown_paths_and_writes_fall_through() {
        assert!(get("/pkg/other.js", &[]).is_none());
        assert!(get("/", &[]).is_none());
        let post = respond_from(FILES, &Method::POST, "/favicon.ico", &HeaderMap::new());
        assert!(post.is_none());
    }
}
