//! Security settings read from orchestrator's JSON config: HTTP authentication
//! (`AuthenticationMethod` and friends), `ReadOnly`, TLS for the HTTP listener (`UseSSL`, `SSL*`),
//! and our own keys for the raft port (`RaftSecretFile`, `RaftTLS*`), the endpoints left open to
//! load balancers (`AuthOpenEndpoints`), extra origins accepted by the CSRF check
//! (`AuthTrustedOrigins`) and the slow-client bound (`HTTPReadHeaderTimeoutSeconds`).
//!
//! Only shapes and combinations are checked here; files are read when the node starts
//! (`crate::auth::Security::load`), with errors that still name the key.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use super::reader::KeyReader;
use super::ConfigError;

/// The Prometheus endpoint, open unless `MetricsRequireAuth` is true.
pub const METRICS_PATH: &str = "/metrics";

/// Health endpoints reachable without credentials unless `AuthOpenEndpoints` says otherwise.
pub const DEFAULT_OPEN_ENDPOINTS: &[&str] =
    &["/api/leader-check", "/api/raft-health", "/api/health", "/api/status"];

/// `AuthenticationMethod`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMethod {
    /// `""`: no authentication; everyone may write (orchestrator's default).
    None,
    /// `basic`: one user, `HTTPAuthUser` / `HTTPAuthPassword`, with full rights.
    Basic,
    /// `multi`: `basic`, plus user `readonly` with any password, read-only.
    Multi,
    /// `proxy`: trust `AuthUserHeader`, set by a front proxy; writers in `PowerAuthUsers`.
    Proxy,
}

/// A string that never shows in `Debug` output (passwords).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Redacted(pub String);

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "\"<redacted>\"" })
    }
}

/// TLS for the HTTP listener (`UseSSL`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpTls {
    /// `SSLCertFile`: PEM certificate chain.
    pub cert_file: PathBuf,
    /// `SSLPrivateKeyFile`: PEM private key (unencrypted).
    pub key_file: PathBuf,
    /// `SSLCAFile`: PEM CA bundle peers and clients are verified against.
    pub ca_file: Option<PathBuf>,
    /// `UseMutualTLS`: clients must present a certificate signed by `SSLCAFile`.
    pub mutual: bool,
}

/// Mutual TLS on the raft port (`RaftTLSCertFile`, `RaftTLSKeyFile`, `RaftTLSCAFile`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RaftTls {
    /// `RaftTLSCertFile`.
    pub cert_file: PathBuf,
    /// `RaftTLSKeyFile`.
    pub key_file: PathBuf,
    /// `RaftTLSCAFile`: the cluster's CA; peers must present a certificate it signed.
    pub ca_file: PathBuf,
}

/// Everything security-related in the config, validated for shape.
#[derive(Debug, Clone)]
pub struct SecurityConfig {
    /// `AuthenticationMethod`.
    pub method: AuthMethod,
    /// `HTTPAuthUser`.
    pub http_auth_user: String,
    /// `HTTPAuthPassword` (never logged, redacted in `Debug`).
    pub http_auth_password: Redacted,
    /// `AuthUserHeader` (default `X-Forwarded-User`), lower-cased.
    pub auth_user_header: String,
    /// `PowerAuthUsers` (default `["*"]`): who may write in `proxy` mode.
    pub power_auth_users: Vec<String>,
    /// `ReadOnly`: no write at all through the API or the dashboard.
    pub read_only: bool,
    /// `AuthOpenEndpoints`: paths answered without credentials (a path also opens its sub-paths).
    pub open_endpoints: Vec<String>,
    /// `MetricsRequireAuth` (false): `/metrics` needs credentials like any read; otherwise it is
    /// open, like the health checks.
    pub metrics_require_auth: bool,
    /// `AuthTrustedOrigins`: origins (`scheme://host[:port]`) accepted for state-changing requests
    /// besides the node's own (e.g. the public name of a front proxy).
    pub trusted_origins: Vec<String>,
    /// `RaftSecretFile`: shared secret every raft RPC and `/internal` call carries.
    pub raft_secret_file: Option<PathBuf>,
    /// `UseSSL` and its files.
    pub http_tls: Option<HttpTls>,
    /// `RaftTLS*`.
    pub raft_tls: Option<RaftTls>,
    /// `HTTPReadHeaderTimeoutSeconds` (10): a client must send its request headers (and a TLS
    /// handshake) within this time, on both listeners.
    pub header_read_timeout: Duration,
}

impl SecurityConfig {
    /// Whether API callers must authenticate.
    pub fn authenticates(&self) -> bool {
        self.method != AuthMethod::None
    }

    /// Whether `path` is answered without credentials.
    pub fn is_open(&self, path: &str) -> bool {
        if path == METRICS_PATH && !self.metrics_require_auth {
            return true;
        }
        self.open_endpoints.iter().any(|open| {
            path == open
                || (path.starts_with(open.as_str())
                    && path.as_bytes().get(open.len()) == Some(&b'/'))
        })
    }

    /// Checks what depends on the rest of the config: how many raft members there are.
    pub fn validate_cluster(&self, members: usize) -> Result<(), ConfigError> {
        if self.authenticates() && members > 1 && self.raft_secret_file.is_none() {
            return Err(ConfigError::invalid(
                "RaftSecretFile",
                "is required when AuthenticationMethod is set and RaftNodes has several members: \
                 followers forward commands to the leader's /internal endpoints with it",
            ));
        }
        Ok(())
    }
}

fn path(r: &mut KeyReader, key: &str) -> Result<Option<PathBuf>, ConfigError> {
    let text = r.string(key, "")?;
    let text = text.trim();
    Ok(if text.is_empty() { None } else { Some(PathBuf::from(text)) })
}

fn required(value: Option<PathBuf>, key: &str, because: &str) -> Result<PathBuf, ConfigError> {
    value.ok_or_else(|| ConfigError::invalid(key, format!("is required when {because}")))
}

/// Reads the security keys.
pub fn read(r: &mut KeyReader) -> Result<SecurityConfig, ConfigError> {
    let method = match r.string("AuthenticationMethod", "")?.trim() {
        "" => AuthMethod::None,
        "basic" => AuthMethod::Basic,
        "multi" => AuthMethod::Multi,
        "proxy" => AuthMethod::Proxy,
        other @ ("token" | "oauth") => {
            return Err(ConfigError::invalid(
                "AuthenticationMethod",
                format!("{other:?} is not supported by orchestrator-rs; use \"basic\", \"multi\" or \"proxy\""),
            ))
        }
        other => {
            return Err(ConfigError::invalid(
                "AuthenticationMethod",
                format!("expected \"\", \"basic\", \"multi\" or \"proxy\", got {other:?}"),
            ))
        }
    };
    let user = r.string("HTTPAuthUser", "")?;
    let password = r.string("HTTPAuthPassword", "")?;
    if matches!(method, AuthMethod::Basic | AuthMethod::Multi) {
        if user.is_empty() || user.contains(':') || user.chars().any(char::is_control) {
            return Err(ConfigError::invalid(
                "HTTPAuthUser",
                "must be a non-empty name without ':' for basic/multi",
            ));
        }
        if method == AuthMethod::Multi && user == "readonly" {
            return Err(ConfigError::invalid(
                "HTTPAuthUser",
                "\"readonly\" is the read-only user of multi; choose another",
            ));
        }
        if password.is_empty() {
            return Err(ConfigError::invalid(
                "HTTPAuthPassword",
                "must not be empty for basic/multi",
            ));
        }
    }
    let header = r.string("AuthUserHeader", "X-Forwarded-User")?.trim().to_ascii_lowercase();
    // orchestrator's sample config sets it empty: that means the default.
    let header = if header.is_empty() { "x-forwarded-user".to_string() } else { header };
    if axum::http::HeaderName::from_bytes(header.as_bytes()).is_err() || header.is_empty() {
        return Err(ConfigError::invalid(
            "AuthUserHeader",
            format!("{header:?} is not a valid HTTP header name"),
        ));
    }
    let mut power_auth_users = r.strings("PowerAuthUsers")?;
    if power_auth_users.is_empty() {
        power_auth_users.push("*".into());
    }
    let read_only = r.bool("ReadOnly", false)?;
    let open = r.strings("AuthOpenEndpoints")?;
    // Absent (or `[]`) keeps the defaults; `[""]` closes every endpoint.
    let open_endpoints: Vec<String> = if open.is_empty() {
        DEFAULT_OPEN_ENDPOINTS.iter().map(|s| s.to_string()).collect()
    } else {
        open.into_iter().map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect()
    };
    let metrics_require_auth = r.bool("MetricsRequireAuth", false)?;
    for p in &open_endpoints {
        if !p.starts_with('/') || p == "/" || p.starts_with("/internal") || p.starts_with("/sfn") {
            return Err(ConfigError::invalid(
                "AuthOpenEndpoints",
                format!("{p:?} must be an absolute read path (not \"/\", /internal or /sfn)"),
            ));
        }
    }
    let trusted_origins = r.strings("AuthTrustedOrigins")?;
    for o in &trusted_origins {
        if !(o.starts_with("http://") || o.starts_with("https://"))
            || o.trim_end_matches('/').matches('/').count() != 2
        {
            return Err(ConfigError::invalid(
                "AuthTrustedOrigins",
                format!("{o:?} must be scheme://host[:port]"),
            ));
        }
    }
    let raft_secret_file = path(r, "RaftSecretFile")?;
    let http_tls = read_http_tls(r)?;
    let raft_tls = read_raft_tls(r)?;
    let header_s = r.uint("HTTPReadHeaderTimeoutSeconds", 10, 3600)?;
    if header_s == 0 {
        return Err(ConfigError::invalid("HTTPReadHeaderTimeoutSeconds", "must be at least 1"));
    }
    Ok(SecurityConfig {
        method,
        http_auth_user: user,
        http_auth_password: Redacted(password),
        auth_user_header: header,
        power_auth_users,
        read_only,
        open_endpoints,
        metrics_require_auth,
        trusted_origins: trusted_origins
            .iter()
            .map(|o| o.trim_end_matches('/').to_ascii_lowercase())
            .collect(),
        raft_secret_file,
        http_tls,
        raft_tls,
        header_read_timeout: Duration::from_secs(header_s),
    })
}

fn read_http_tls(r: &mut KeyReader) -> Result<Option<HttpTls>, ConfigError> {
    let use_ssl = r.bool("UseSSL", false)?;
    let cert = path(r, "SSLCertFile")?;
    let key = path(r, "SSLPrivateKeyFile")?;
    let ca = path(r, "SSLCAFile")?;
    let mutual = r.bool("UseMutualTLS", false)?;
    if !use_ssl {
        if mutual {
            return Err(ConfigError::invalid("UseMutualTLS", "needs UseSSL: true"));
        }
        return Ok(None);
    }
    let cert_file = required(cert, "SSLCertFile", "UseSSL is true")?;
    let key_file = required(key, "SSLPrivateKeyFile", "UseSSL is true")?;
    if mutual && ca.is_none() {
        return Err(ConfigError::invalid("SSLCAFile", "is required when UseMutualTLS is true"));
    }
    Ok(Some(HttpTls { cert_file, key_file, ca_file: ca, mutual }))
}

fn read_raft_tls(r: &mut KeyReader) -> Result<Option<RaftTls>, ConfigError> {
    let cert = path(r, "RaftTLSCertFile")?;
    let key = path(r, "RaftTLSKeyFile")?;
    let ca = path(r, "RaftTLSCAFile")?;
    if cert.is_none() && key.is_none() && ca.is_none() {
        return Ok(None);
    }
    let because = "any RaftTLS* key is set (raft TLS is always mutual)";
    Ok(Some(RaftTls {
        cert_file: required(cert, "RaftTLSCertFile", because)?,
        key_file: required(key, "RaftTLSKeyFile", because)?,
        ca_file: required(ca, "RaftTLSCAFile", because)?,
    }))
}
