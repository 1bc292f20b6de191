//! TLS for the connections to topology servers (probes and recovery statements), with
//! orchestrator's keys: `MySQLTopologyUseMutualTLS`, `MySQLTopologyUseMixedTLS`,
//! `MySQLTopologySSLCAFile`, `MySQLTopologySSLCertFile`, `MySQLTopologySSLPrivateKeyFile`,
//! `MySQLTopologySSLSkipVerify`, `TLSCacheTTLFactor`; plus `MySQLTopologySSLVerifyHostname` of
//! our own.
//!
//! When TLS is used:
//! - `MySQLTopologyUseMutualTLS: true`: on every topology connection (orchestrator's switch; the
//!   client certificate is presented when `MySQLTopologySSLCertFile`/`…PrivateKeyFile` are set).
//! - otherwise, with `MySQLTopologyUseMixedTLS` (default true) and at least one of the TLS keys
//!   set: per instance, only where a plain connection is refused with error 3159 (insecure
//!   transport prohibited) or 1045 (access denied, e.g. a `REQUIRE SSL` user). The instance is
//!   then remembered as needing TLS for `TLSCacheTTLFactor` × `InstancePollSeconds`.
//! - with no TLS key at all: never (plain connections, as before). Unlike orchestrator, mixed
//!   detection does not run without TLS keys.
//!
//! How the server is verified: `MySQLTopologySSLSkipVerify: true` → encrypted, not verified
//! (sqlx `Required`); else the certificate must chain to `MySQLTopologySSLCAFile` (or a public
//! web root bundled with sqlx) and name the host probed (`VerifyIdentity`, as orchestrator's Go
//! client does), or only chain to it with `MySQLTopologySSLVerifyHostname: false` (`VerifyCa`).
//!
//! Files are read and parsed here, at config load: a missing or unreadable file, or one that
//! holds no certificate / no unencrypted private key, is an error naming its key. The PEM bytes
//! are kept, so no probe reads a file.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use app::core::InstanceKey;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::reader::KeyReader;
use super::ConfigError;

/// MySQL's `ER_SECURE_TRANSPORT_REQUIRED`: a plain connection to a `require_secure_transport` server.
pub const ER_SECURE_TRANSPORT_REQUIRED: u16 = 3159;
/// `ER_ACCESS_DENIED_ERROR`: also what a `REQUIRE SSL`/`X509` user gets over a plain connection
/// (and what MariaDB answers under `require_secure_transport`).
pub const ER_ACCESS_DENIED: u16 = 1045;

/// When topology connections use TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TlsUse {
    /// Always (`MySQLTopologyUseMutualTLS: true`).
    Always,
    /// Only for instances that refuse a plain connection (`MySQLTopologyUseMixedTLS`).
    Mixed,
}

/// How the server's certificate is checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verify {
    /// Not at all (`MySQLTopologySSLSkipVerify: true`).
    Skip,
    /// Chain to the CA only (`MySQLTopologySSLVerifyHostname: false`).
    Ca,
    /// Chain to the CA and name the host connected to (default).
    Identity,
}

/// A PEM private key; never printed.
#[derive(Clone)]
pub struct KeyPem(Arc<Vec<u8>>);

impl KeyPem {
    /// The PEM bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for KeyPem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted private key>")
    }
}

/// The client certificate presented to topology servers.
#[derive(Clone, Debug)]
pub struct ClientIdentity {
    /// `MySQLTopologySSLCertFile`.
    pub cert_file: PathBuf,
    /// Its PEM content.
    pub cert_pem: Arc<Vec<u8>>,
    /// `MySQLTopologySSLPrivateKeyFile`.
    pub key_file: PathBuf,
    /// Its PEM content.
    pub key_pem: KeyPem,
}

/// Topology TLS settings with the loaded PEM material.
#[derive(Clone, Debug)]
pub struct TopologyTls {
    /// When TLS is used.
    pub usage: TlsUse,
    /// How the server is verified.
    pub verify: Verify,
    /// `MySQLTopologySSLCAFile`, when set.
    pub ca_file: Option<PathBuf>,
    /// Its PEM content.
    pub ca_pem: Option<Arc<Vec<u8>>>,
    /// Client certificate and key, when both are set.
    pub client: Option<ClientIdentity>,
    /// Mixed mode: instances known to refuse plain connections.
    pub required: TlsRequiredCache,
}

/// Instances that refused a plain connection, remembered for a while (mixed TLS). Clones share it.
#[derive(Clone)]
pub struct TlsRequiredCache {
    ttl: Duration,
    seen: Arc<Mutex<HashMap<InstanceKey, Instant>>>,
}

impl fmt::Debug for TlsRequiredCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TlsRequiredCache").field("ttl", &self.ttl).finish_non_exhaustive()
    }
}

impl TlsRequiredCache {
    /// An empty cache whose entries live `ttl`.
    pub fn new(ttl: Duration) -> Self {
        TlsRequiredCache { ttl, seen: Arc::default() }
    }

    /// How long an entry lives.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Whether `key` refused a plain connection within the TTL.
    pub fn requires(&self, key: &InstanceKey) -> bool {
        let seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        seen.get(key).is_some_and(|at| at.elapsed() < self.ttl)
    }

    /// Remembers that `key` refused a plain connection.
    pub fn remember(&self, key: &InstanceKey) {
        let mut seen = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if seen.len() >= 4096 {
            let ttl = self.ttl;
            seen.retain(|_, at| at.elapsed() < ttl);
        }
        seen.insert(key.clone(), Instant::now());
    }
}

/// Reads the topology TLS keys (consuming them from `r`); `None` when TLS is never used.
pub(super) fn read(
    r: &mut KeyReader,
    instance_poll: Duration,
) -> Result<Option<TopologyTls>, ConfigError> {
    let always = r.bool("MySQLTopologyUseMutualTLS", false)?;
    let mixed = r.bool("MySQLTopologyUseMixedTLS", true)?;
    let ca = path(r, "MySQLTopologySSLCAFile")?;
    let cert = path(r, "MySQLTopologySSLCertFile")?;
    let key = path(r, "MySQLTopologySSLPrivateKeyFile")?;
    let skip_verify = r.bool("MySQLTopologySSLSkipVerify", false)?;
    let verify_hostname = r.bool("MySQLTopologySSLVerifyHostname", true)?;
    let ttl_factor = r.uint("TLSCacheTTLFactor", 100, 1_000_000)?;
    if ttl_factor == 0 {
        return Err(ConfigError::invalid("TLSCacheTTLFactor", "must be at least 1"));
    }
    let usage = if always {
        TlsUse::Always
    } else if mixed && (ca.is_some() || cert.is_some() || key.is_some() || skip_verify) {
        TlsUse::Mixed
    } else {
        return Ok(None);
    };
    let client = match (cert, key) {
        (None, None) => None,
        (Some(_), None) => {
            return Err(ConfigError::invalid(
                "MySQLTopologySSLPrivateKeyFile",
                "is required with MySQLTopologySSLCertFile",
            ))
        }
        (None, Some(_)) => {
            return Err(ConfigError::invalid(
                "MySQLTopologySSLCertFile",
                "is required with MySQLTopologySSLPrivateKeyFile",
            ))
        }
        (Some(cert_file), Some(key_file)) => {
            let cert_pem = certificates("MySQLTopologySSLCertFile", &cert_file)?;
            let key_pem = private_key("MySQLTopologySSLPrivateKeyFile", &key_file)?;
            Some(ClientIdentity {
                cert_file,
                cert_pem: Arc::new(cert_pem),
                key_file,
                key_pem: KeyPem(Arc::new(key_pem)),
            })
        }
    };
    let ca_pem =
        ca.as_deref().map(|p| certificates("MySQLTopologySSLCAFile", p)).transpose()?.map(Arc::new);
    let verify = match (skip_verify, verify_hostname) {
        (true, _) => Verify::Skip,
        (false, false) => Verify::Ca,
        (false, true) => Verify::Identity,
    };
    let ttl = instance_poll.saturating_mul(u32::try_from(ttl_factor).unwrap_or(u32::MAX));
    Ok(Some(TopologyTls {
        usage,
        verify,
        ca_file: ca,
        ca_pem,
        client,
        required: TlsRequiredCache::new(ttl),
    }))
}

fn path(r: &mut KeyReader, key: &str) -> Result<Option<PathBuf>, ConfigError> {
    let text = r.string(key, "")?;
    Ok((!text.trim().is_empty()).then(|| PathBuf::from(text.trim())))
}

fn read_file(key: &str, path: &Path) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path)
        .map_err(|e| ConfigError::invalid(key, format!("cannot read {}: {e}", path.display())))
}

/// A PEM file holding at least one certificate (returned as read).
fn certificates(key: &str, path: &Path) -> Result<Vec<u8>, ConfigError> {
    let pem = read_file(key, path)?;
    let count = CertificateDer::pem_slice_iter(&pem)
        .try_fold(0usize, |n, c| c.map(|_| n + 1))
        .map_err(|e| {
            ConfigError::invalid(
                key,
                format!("{} is not a PEM certificate file: {e}", path.display()),
            )
        })?;
    if count == 0 {
        return Err(ConfigError::invalid(key, format!("{} holds no certificate", path.display())));
    }
    Ok(pem)
}

/// A PEM file holding an unencrypted private key (returned as read).
fn private_key(key: &str, path: &Path) -> Result<Vec<u8>, ConfigError> {
    let pem = read_file(key, path)?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| {
        ConfigError::invalid(
            key,
            format!("{} holds no unencrypted PEM private key: {e}", path.display()),
        )
    })?;
    Ok(pem)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::NodeConfig;

    /// A self-signed certificate and its key, written to `dir`: (cert, key) paths.
    fn self_signed(dir: &Path) -> (PathBuf, PathBuf) {
        let key = rcgen::KeyPair::generate().expect("key");
        let params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_string()]).expect("params");
        let cert = params.self_signed(&key).expect("cert");
        let (c, k) = (dir.join("c.pem"), dir.join("k.pem"));
        std::fs::write(&c, cert.pem()).expect("write");
        std::fs::write(&k, key.serialize_pem()).expect("write");
        (c, k)
    }

    fn parse(extra: &str) -> Result<Option<TopologyTls>, ConfigError> {
        let json = format!(r#"{{"BackendDB": "sqlite", "SQLite3DataFile": "/tmp/x.db" {extra}}}"#);
        NodeConfig::parse(&json).map(|c| c.discovery.tls)
    }

    #[test]
    fn no_tls_key_means_plain() {
        assert!(parse("").expect("parse").is_none());
        assert!(parse(r#", "MySQLTopologyUseMixedTLS": true, "TLSCacheTTLFactor": 3"#)
            .expect("parse")
            .is_none());
    }

    #[test]
    fn usage_and_verification() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (cert, key) = self_signed(dir.path());
        let (cert, key) = (cert.display(), key.display());

        let t =
            parse(&format!(r#", "MySQLTopologySSLCAFile": "{cert}", "InstancePollSeconds": 2"#))
                .expect("parse")
                .expect("tls");
        assert_eq!((t.usage, t.verify), (TlsUse::Mixed, Verify::Identity));
        assert!(t.ca_pem.is_some() && t.client.is_none());
        assert_eq!(
            t.required.ttl(),
            Duration::from_secs(200),
            "TLSCacheTTLFactor (100) x InstancePollSeconds"
        );

        let t = parse(&format!(
            r#", "MySQLTopologyUseMutualTLS": true, "MySQLTopologySSLCAFile": "{cert}",
               "MySQLTopologySSLCertFile": "{cert}", "MySQLTopologySSLPrivateKeyFile": "{key}",
               "MySQLTopologySSLVerifyHostname": false"#
        ))
        .expect("parse")
        .expect("tls");
        assert_eq!((t.usage, t.verify), (TlsUse::Always, Verify::Ca));
        let client = t.client.as_ref().expect("client identity");
        assert!(client.key_pem.bytes().starts_with(b"-----BEGIN"));
        assert!(!format!("{t:?}").contains("PRIVATE KEY"), "the key is never printed");

        let t = parse(r#", "MySQLTopologyUseMutualTLS": true, "MySQLTopologySSLSkipVerify": true"#)
            .expect("parse")
            .expect("tls");
        assert_eq!((t.usage, t.verify), (TlsUse::Always, Verify::Skip));
        let t = parse(r#", "MySQLTopologySSLSkipVerify": true"#).expect("parse").expect("tls");
        assert_eq!(t.usage, TlsUse::Mixed);
        // Mixed detection off and not forced: the TLS keys are not used (orchestrator's rule).
        let off =
            format!(r#", "MySQLTopologyUseMixedTLS": false, "MySQLTopologySSLCAFile": "{cert}""#);
        assert!(parse(&off).expect("parse").is_none());
    }

    #[test]
    fn bad_files_and_combinations_name_their_key() {
        let dir = tempfile::tempdir().expect("tempdir");
        let (cert, key) = self_signed(dir.path());
        let (cert, key) = (cert.display(), key.display());
        let cases = [
            (r#", "MySQLTopologySSLCAFile": "/nonexistent/ca.pem""#.to_string(), "MySQLTopologySSLCAFile"),
            (format!(r#", "MySQLTopologySSLCAFile": "{key}""#), "MySQLTopologySSLCAFile"),
            (format!(r#", "MySQLTopologyUseMutualTLS": true, "MySQLTopologySSLCertFile": "{cert}""#), "MySQLTopologySSLPrivateKeyFile"),
            (format!(r#", "MySQLTopologyUseMutualTLS": true, "MySQLTopologySSLPrivateKeyFile": "{key}""#), "MySQLTopologySSLCertFile"),
            (
                format!(r#", "MySQLTopologyUseMutualTLS": true, "MySQLTopologySSLCertFile": "{key}", "MySQLTopologySSLPrivateKeyFile": "{key}""#),
                "MySQLTopologySSLCertFile",
            ),
            (
                format!(r#", "MySQLTopologyUseMutualTLS": true, "MySQLTopologySSLCertFile": "{cert}", "MySQLTopologySSLPrivateKeyFile": "{cert}""#),
                "MySQLTopologySSLPrivateKeyFile",
            ),
            (
                r#", "MySQLTopologyUseMutualTLS": true, "MySQLTopologySSLCertFile": "/nonexistent/c", "MySQLTopologySSLPrivateKeyFile": "/nonexistent/k""#.to_string(),
                "MySQLTopologySSLCertFile",
            ),
            (r#", "MySQLTopologyUseMutualTLS": "yes""#.to_string(), "MySQLTopologyUseMutualTLS"),
            (r#", "MySQLTopologySSLSkipVerify": 1"#.to_string(), "MySQLTopologySSLSkipVerify"),
            (r#", "TLSCacheTTLFactor": 0"#.to_string(), "TLSCacheTTLFactor"),
        ];
        for (extra, key) in cases {
            let err = parse(&extra).err().map(|e| e.key);
            assert_eq!(err.as_deref(), Some(key), "{extra}");
        }
    }

    #[test]
    fn required_cache_expires() {
        let cache = TlsRequiredCache::new(Duration::from_millis(50));
        let key = InstanceKey::new("db1", 3306).expect("key");
        assert!(!cache.requires(&key));
        cache.clone().remember(&key);
        assert!(cache.requires(&key), "clones share the cache");
        std::thread::sleep(Duration::from_millis(60));
        assert!(!cache.requires(&key));
    }
}
