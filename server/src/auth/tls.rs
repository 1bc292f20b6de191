//! TLS material: PEM files into rustls server configs (HTTP listener, raft port) and into the
//! reqwest clients that talk to peers (reverse proxy, `/internal` calls, raft RPC).
//!
//! One crypto provider (aws-lc-rs, which reqwest's rustls feature also uses) is named explicitly,
//! so no process-wide default has to be installed. Every error names the config key of the file.

use std::path::Path;
use std::sync::Arc;

use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig};

use crate::config::ConfigError;

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::aws_lc_rs::default_provider())
}

fn read(key: &str, path: &Path) -> Result<Vec<u8>, ConfigError> {
    std::fs::read(path)
        .map_err(|e| ConfigError::invalid(key, format!("cannot read {}: {e}", path.display())))
}

/// Certificates of a PEM file (at least one).
fn certs(key: &str, path: &Path) -> Result<Vec<CertificateDer<'static>>, ConfigError> {
    let pem = read(key, path)?;
    let certs =
        CertificateDer::pem_slice_iter(&pem).collect::<Result<Vec<_>, _>>().map_err(|e| {
            ConfigError::invalid(
                key,
                format!("{} is not a PEM certificate file: {e}", path.display()),
            )
        })?;
    if certs.is_empty() {
        return Err(ConfigError::invalid(key, format!("{} holds no certificate", path.display())));
    }
    Ok(certs)
}

fn private_key(key: &str, path: &Path) -> Result<PrivateKeyDer<'static>, ConfigError> {
    let pem = read(key, path)?;
    PrivateKeyDer::from_pem_slice(&pem).map_err(|e| {
        ConfigError::invalid(
            key,
            format!("{} holds no unencrypted PEM private key: {e}", path.display()),
        )
    })
}

fn roots(key: &str, path: &Path) -> Result<RootCertStore, ConfigError> {
    let mut store = RootCertStore::empty();
    for cert in certs(key, path)? {
        store
            .add(cert)
            .map_err(|e| ConfigError::invalid(key, format!("unusable CA certificate: {e}")))?;
    }
    Ok(store)
}

/// Names of the three keys of one TLS setting, for error messages.
pub struct Keys {
    /// Certificate chain key.
    pub cert: &'static str,
    /// Private key key.
    pub key: &'static str,
    /// CA key.
    pub ca: &'static str,
}

/// A server config presenting `cert`/`key`; with `client_ca`, clients must present a
/// certificate that CA signed.
pub fn server_config(
    keys: &Keys,
    cert: &Path,
    key: &Path,
    client_ca: Option<&Path>,
) -> Result<Arc<ServerConfig>, ConfigError> {
    let chain = certs(keys.cert, cert)?;
    let private = private_key(keys.key, key)?;
    let builder = ServerConfig::builder_with_provider(provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| ConfigError::invalid(keys.cert, format!("TLS setup failed: {e}")))?;
    let builder = match client_ca {
        Some(ca) => {
            let verifier = WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots(keys.ca, ca)?),
                provider(),
            )
            .build()
            .map_err(|e| {
                ConfigError::invalid(keys.ca, format!("cannot verify clients with this CA: {e}"))
            })?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder.with_single_cert(chain, private).map_err(|e| {
        ConfigError::invalid(keys.key, format!("the key does not fit the certificate: {e}"))
    })?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// What a client needs to reach TLS peers: the CA to trust (else the system's roots) and,
/// for mutual TLS, the identity to present.
#[derive(Clone, Default)]
pub struct ClientTls {
    ca: Option<Vec<reqwest::Certificate>>,
    identity: Option<reqwest::Identity>,
}

impl std::fmt::Debug for ClientTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ClientTls { .. }")
    }
}

impl ClientTls {
    /// Trust `ca` (only it) and, when `identity` is given, present that certificate and key.
    pub fn load(
        keys: &Keys,
        ca: Option<&Path>,
        identity: Option<(&Path, &Path)>,
    ) -> Result<Self, ConfigError> {
        let ca = match ca {
            Some(path) => {
                let pem = read(keys.ca, path)?;
                let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                    ConfigError::invalid(
                        keys.ca,
                        format!("{} is not a PEM CA bundle: {e}", path.display()),
                    )
                })?;
                Some(certs)
            }
            None => None,
        };
        let identity = match identity {
            Some((cert, key)) => {
                // Validate both files first so that a bad one is reported under its own key.
                certs(keys.cert, cert)?;
                private_key(keys.key, key)?;
                let mut pem = read(keys.cert, cert)?;
                pem.push(b'\n');
                pem.extend(read(keys.key, key)?);
                Some(reqwest::Identity::from_pem(&pem).map_err(|e| {
                    ConfigError::invalid(keys.cert, format!("unusable client identity: {e}"))
                })?)
            }
            None => None,
        };
        Ok(ClientTls { ca, identity })
    }

    /// Applies the settings to a client builder.
    pub fn apply(&self, mut builder: reqwest::ClientBuilder) -> reqwest::ClientBuilder {
        if let Some(ca) = &self.ca {
            builder = builder.tls_certs_only(ca.iter().cloned());
        }
        if let Some(identity) = &self.identity {
            builder = builder.identity(identity.clone());
        }
        builder
    }
}
