//! HTTP to the API: one client carrying basic or header auth; single attempts with a short
//! timeout (leader checks); attempts retried with back-off on transport failure, within a few
//! seconds (commands); and the reading of orchestrator's replies (`{Code, Message, Details}`
//! envelopes, bare JSON strings, raw objects and arrays).

use std::time::{Duration, Instant};

use reqwest::header::{HeaderName, HeaderValue};
use serde_json::Value;

use crate::args::Options;
use crate::error::ClientError;

/// Pauses between attempts after a transport failure (also between leader-discovery rounds).
pub const BACKOFF: [Duration; 5] = [
    Duration::from_millis(100),
    Duration::from_millis(200),
    Duration::from_millis(500),
    Duration::from_millis(1000),
    Duration::from_millis(2000),
];
/// No new attempt starts once this much time has passed since the first.
pub const RETRY_BUDGET: Duration = Duration::from_secs(6);
/// Connecting to an endpoint.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// A whole API call (the server itself gives up after 30 s).
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// An HTTP answer: status and body text.
#[derive(Debug)]
pub struct Answer {
    /// HTTP status code.
    pub status: u16,
    /// Body as text.
    pub body: String,
}

/// A request that got no answer.
#[derive(Debug)]
pub struct Failure {
    /// Why (innermost transport error).
    pub reason: String,
    /// The request timed out (it may have reached the server: not retried).
    pub timed_out: bool,
}

/// The HTTP client with the auth settings applied to every request.
#[derive(Clone)]
pub struct Http {
    client: reqwest::Client,
    basic: Option<(String, String)>,
    header: Option<(HeaderName, HeaderValue)>,
    debug: bool,
}

impl Http {
    /// Builds the client; a malformed header-auth setting is a usage error.
    pub fn new(opts: &Options) -> Result<Self, ClientError> {
        let header = opts.header_auth.as_deref().map(parse_header).transpose()?;
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .build()
            .map_err(|e| ClientError::Setup(format!("cannot create the HTTP client: {e}")))?;
        Ok(Http { client, basic: opts.basic_auth.clone(), header, debug: opts.debug })
    }

    /// Prints `message` on stderr with `--debug`.
    pub fn note(&self, message: &str) {
        if self.debug {
            eprintln!("orchestrator-client: debug: {message}");
        }
    }

    /// One GET of `url`, giving up after `timeout`.
    pub async fn once(&self, url: &str, timeout: Duration) -> Result<Answer, Failure> {
        let started = Instant::now();
        let mut request = self.client.get(url).timeout(timeout);
        if let Some((user, password)) = &self.basic {
            request = request.basic_auth(user, Some(password));
        }
        if let Some((name, value)) = &self.header {
            request = request.header(name.clone(), value.clone());
        }
        let result = match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                match response.text().await {
                    Ok(body) => Ok(Answer { status, body }),
                    Err(e) => Err(failure(&e, timeout)),
                }
            }
            Err(e) => Err(failure(&e, timeout)),
        };
        let took = started.elapsed().as_millis();
        match &result {
            Ok(a) => self.note(&format!("GET {} -> {} ({took} ms)", sanitize(url), a.status)),
            Err(f) => self.note(&format!("GET {} failed: {} ({took} ms)", sanitize(url), f.reason)),
        }
        result
    }

    /// GET of `url`, retried with [`BACKOFF`] while the failure is a transport error other than a
    /// timeout and [`RETRY_BUDGET`] allows; returns the last failure's reason.
    pub async fn with_retries(&self, url: &str) -> Result<Answer, String> {
        let started = Instant::now();
        let mut delays = BACKOFF.iter();
        loop {
            let failure = match self.once(url, REQUEST_TIMEOUT).await {
                Ok(answer) => return Ok(answer),
                Err(f) => f,
            };
            match delays.next() {
                Some(delay) if !failure.timed_out && started.elapsed() + *delay < RETRY_BUDGET => {
                    self.note(&format!("retrying in {} ms", delay.as_millis()));
                    tokio::time::sleep(*delay).await;
                }
                _ => return Err(failure.reason),
            }
        }
    }
}

fn failure(e: &reqwest::Error, timeout: Duration) -> Failure {
    if e.is_timeout() {
        return Failure {
            reason: format!("no answer within {} ms", timeout.as_millis()),
            timed_out: true,
        };
    }
    // The innermost cause says it best ("Connection refused (os error 111)").
    let mut source: &dyn std::error::Error = e;
    while let Some(inner) = source.source() {
        source = inner;
    }
    Failure { reason: source.to_string(), timed_out: false }
}

/// `Header-Name: value` → header; anything else is a usage error.
fn parse_header(text: &str) -> Result<(HeaderName, HeaderValue), ClientError> {
    let bad = |why: String| {
        ClientError::Usage(format!("header auth {text:?} is not 'Header-Name: value': {why}"))
    };
    let (name, value) = text.split_once(':').ok_or_else(|| bad("no ':'".into()))?;
    let name = HeaderName::from_bytes(name.trim().as_bytes()).map_err(|e| bad(e.to_string()))?;
    let value = HeaderValue::from_str(value.trim()).map_err(|e| bad(e.to_string()))?;
    Ok((name, value))
}

/// `url` with any password in it replaced by `<REMOVED>`.
pub fn sanitize(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map_or(userinfo, |(user, _)| user);
            format!("{scheme}://{user}:<REMOVED>@{host}{path}")
        }
        None => url.to_string(),
    }
}

/// The `Message` of an `{Code: "ERROR"}` envelope.
pub fn error_message(value: &Value) -> Option<String> {
    if value.get("Code").and_then(Value::as_str) != Some("ERROR") {
        return None;
    }
    let message = value.get("Message").and_then(Value::as_str).unwrap_or("").trim();
    Some(if message.is_empty() {
        "API error (no message)".to_string()
    } else {
        message.to_string()
    })
}

/// Reads an answer from `url`: the JSON on success; the API's message for an error envelope,
/// a non-2xx bare string, or a non-JSON error; 401 names the auth settings.
pub fn interpret(url: &str, answer: &Answer) -> Result<Value, ClientError> {
    let shown = sanitize(url);
    if answer.status == 401 {
        return Err(ClientError::Api(format!(
            "401 Unauthorized from {shown}: check ORCHESTRATOR_AUTH_USER/ORCHESTRATOR_AUTH_PASSWORD (-b) \
             or ORCHESTRATOR_AUTH_USER_HEADER (-e)"
        )));
    }
    let success = (200..300).contains(&answer.status);
    match serde_json::from_str::<Value>(&answer.body) {
        Ok(value) => {
            if let Some(message) = error_message(&value) {
                return Err(ClientError::Api(message));
            }
            if success {
                return Ok(value);
            }
            Err(ClientError::Api(match value {
                Value::String(s) if !s.is_empty() => s,
                _ => format!("HTTP {} from {shown}", answer.status),
            }))
        }
        Err(_) if success => {
            Err(ClientError::Unexpected { url: shown, what: "the body is not JSON".into() })
        }
        Err(_) if answer.status == 404 => Err(ClientError::Api(format!(
            "HTTP 404 from {shown}: this API path is not served by the endpoint"
        ))),
        Err(_) => Err(ClientError::Api(format!("HTTP {} from {shown}", answer.status))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_passwords() {
        assert_eq!(sanitize("http://u:secret@h:3000/api"), "http://u:<REMOVED>@h:3000/api");
        assert_eq!(sanitize("http://h:3000/api"), "http://h:3000/api");
    }

    #[test]
    fn reads_envelopes_and_errors() {
        let ok = Answer { status: 200, body: r#"{"Code":"OK","Message":"m","Details":1}"#.into() };
        assert!(interpret("http://h/api/x", &ok).is_ok());
        let err = Answer {
            status: 500,
            body: r#"{"Code":"ERROR","Message":"Cannot read instance: db:1"}"#.into(),
        };
        assert_eq!(
            interpret("http://h/api/x", &err).unwrap_err().to_string(),
            "Cannot read instance: db:1"
        );
        let bare = Answer { status: 404, body: r#""Not leader""#.into() };
        assert_eq!(interpret("http://h/api/x", &bare).unwrap_err().to_string(), "Not leader");
        assert!(parse_header("X-Forwarded-User: me").is_ok());
        assert!(parse_header("nonsense").is_err());
    }
}
