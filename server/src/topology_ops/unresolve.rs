//! Hostname unresolve in `CHANGE MASTER TO`, as orchestrator's `UnresolveHostname`: the master
//! is named by the virtual name registered for its hostname (`register-hostname-unresolve`, in
//! force for `ExpiryHostnameResolvesMinutes`), once that name is checked to resolve back to the
//! hostname. orchestrator re-reads the server by the virtual name and compares the key it gets;
//! here the virtual name goes through the node's `HostnameResolveMethod` (`cname`, `ip`), and
//! when that leaves names as given (`none`, `default`) the two names match when they share an
//! address (the system resolver's), so a virtual name for the same machine passes.

use std::collections::HashSet;
use std::net::IpAddr;

use app::core::instance_key::InstanceKey;
use app::core::operation_result::OpError;
use app::core::unresolve::{judge_resolved_back, virtual_name_for, UnresolveMismatch};

use super::{Context, Ops};
use crate::config::resolve::HostnameResolve;
use crate::store::StoreError;

/// Why the master's name could not be decided (nothing was changed).
#[derive(Debug, thiserror::Error)]
pub enum UnresolveError {
    /// The registrations could not be read.
    #[error("hostname unresolve: reading the registrations failed: {0}")]
    Store(#[from] StoreError),
    /// The virtual name does not resolve back to the hostname.
    #[error(transparent)]
    Mismatch(#[from] UnresolveMismatch),
}

impl From<UnresolveError> for OpError {
    fn from(e: UnresolveError) -> Self {
        OpError::Invalid(format!("{e}; nothing was changed"))
    }
}

/// The addresses `host` resolves to (none when it does not).
async fn addresses(host: &str, port: u16) -> HashSet<IpAddr> {
    match tokio::net::lookup_host((host, port)).await {
        Ok(addrs) => addrs.map(|a| a.ip()).collect(),
        Err(_) => HashSet::new(),
    }
}

impl Ops {
    /// The key `CHANGE MASTER TO` names for `master` ([`master_to_name`]).
    pub async fn master_to_name(
        &self,
        master: &InstanceKey,
    ) -> Result<InstanceKey, UnresolveError> {
        master_to_name(&self.ctx, master).await
    }
}

/// The key `CHANGE MASTER TO` names for `master`: its registered virtual name when one is in
/// force and resolves back to the hostname, else `master` itself (`SkipUnresolve`: always).
/// Topology operations and recoveries both name masters through it.
pub async fn master_to_name(
    ctx: &Context,
    master: &InstanceKey,
) -> Result<InstanceKey, UnresolveError> {
    let resolve = &ctx.config.discovery.resolve;
    if resolve.skip_unresolve {
        return Ok(master.clone());
    }
    let registrations = ctx.store.hostname_unresolves(0).await?;
    let now = ctx.clock.now_ms();
    let expiry = i64::try_from(resolve.expiry.as_millis()).unwrap_or(i64::MAX);
    let Some(virtual_name) = virtual_name_for(&master.hostname, &registrations, now, expiry) else {
        return Ok(master.clone());
    };
    let mut resolved_back = ctx.prober.resolver().resolve(virtual_name).await;
    if resolved_back != master.hostname && resolve.hostname == HostnameResolve::AsGiven {
        let theirs = addresses(virtual_name, master.port).await;
        let ours = addresses(&master.hostname, master.port).await;
        if !theirs.is_empty() && !theirs.is_disjoint(&ours) {
            resolved_back = master.hostname.clone();
        } else if let Some(ip) = theirs.iter().next() {
            resolved_back = ip.to_string();
        } else {
            resolved_back = "no address".to_string();
        }
    }
    let name = judge_resolved_back(
        &master.hostname,
        virtual_name,
        &resolved_back,
        resolve.skip_unresolve_check,
    )?;
    if name != master.hostname {
        tracing::debug!(%master, %name, "CHANGE MASTER TO names the master by its virtual name");
    }
    // Not validated as a key: the virtual name was validated when registered.
    Ok(InstanceKey { hostname: name, port: master.port })
}
