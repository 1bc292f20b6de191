//! One probe of one server: resolve its key, connect, run the queries within the read timeout,
//! parse, name it (`MySQLHostnameResolveMethod`) and resolve the keys it points to, place it
//! (data center, region, environment), close. Timestamps come from the caller's clock.

use app::core::{Instance, InstanceKey};

use super::connect::{close, connect};
use super::parse::{pattern_value, text, to_instance, Detected};
use super::queries::read;
use super::resolve::Resolver;
use super::ProbeError;
use crate::clock::Clock;
use crate::config::DiscoveryConfig;

/// What the batch writer needs to record of one probe.
#[derive(Debug, Clone)]
pub struct Probed {
    /// The probed key; on success the key the server goes by (resolved, maybe renamed).
    pub key: InstanceKey,
    /// When the probe started (unix ms): its `last_attempted_check`.
    pub started_ms: i64,
    /// When it ended (unix ms): its `last_checked` (and `last_seen` on success).
    pub ended_ms: i64,
    /// The result.
    pub observation: Observation,
    /// How long the probe took (the discovery metrics' instance latency).
    pub took: std::time::Duration,
    /// When it ended, by the monotonic clock (the backend latency runs from here).
    pub ended: std::time::Instant,
}

/// A probe's result as recorded.
#[derive(Debug, Clone)]
pub enum Observation {
    /// The server answered; timestamps and validity not stamped yet.
    Seen(Box<Instance>),
    /// It did not.
    Failed {
        /// Whether the identity query got through before the failure.
        partial: bool,
        /// Why, for the log.
        error: String,
    },
}

/// Probes `key`; returns the record for the writer and the caller's result.
pub async fn probe(
    key: &InstanceKey,
    config: &DiscoveryConfig,
    resolver: &Resolver,
    clock: &dyn Clock,
) -> (Probed, Result<Instance, ProbeError>) {
    let started_ms = clock.now_ms();
    let started = std::time::Instant::now();
    let mut partial = false;
    let result = run(key, config, resolver, &mut partial).await;
    crate::metrics::record::probe(started.elapsed(), result.as_ref().err().map(ProbeError::reason));
    let observation = match &result {
        Ok(instance) => Observation::Seen(Box::new(instance.clone())),
        Err(e) => Observation::Failed { partial, error: e.to_string() },
    };
    let key = result.as_ref().map_or_else(|_| key.clone(), |i| i.key.clone());
    let probed = Probed {
        key,
        started_ms,
        ended_ms: clock.now_ms(),
        observation,
        took: started.elapsed(),
        ended: std::time::Instant::now(),
    };
    (probed, result)
}

async fn run(
    key: &InstanceKey,
    config: &DiscoveryConfig,
    resolver: &Resolver,
    partial: &mut bool,
) -> Result<Instance, ProbeError> {
    let key = &resolver.resolve_key(key).await;
    let mut conn = connect(key, config).await?;
    let raw =
        match tokio::time::timeout(config.read_timeout, read(&mut conn, config, partial)).await {
            Ok(result) => {
                close(conn).await;
                result?
            }
            Err(_) => return Err(ProbeError::ReadTimeout { after: config.read_timeout }),
        };
    let vars = &raw.variables;
    let named = resolver.server_key(key, text(vars, "hostname"), text(vars, "report_host"))?;
    let mut instance = to_instance(&named, &raw)?;
    if let Some(master) = &instance.master_key {
        instance.master_key = Some(resolver.resolve_key(master).await);
    }
    let mut replicas = Vec::with_capacity(instance.replica_hosts.len());
    for replica in &instance.replica_hosts {
        replicas.push(resolver.resolve_key(replica).await);
    }
    replicas.sort();
    replicas.dedup();
    instance.replica_hosts = replicas;
    locate(&mut instance, &raw.detected, config);
    Ok(instance)
}

/// Data center, region and environment: the detection query's value, else the hostname pattern.
fn locate(instance: &mut Instance, detected: &Detected, config: &DiscoveryConfig) {
    let host = instance.key.hostname.clone();
    let pick = |found: &str, pattern: Option<&regex::Regex>| {
        if found.is_empty() {
            pattern_value(pattern, &host)
        } else {
            found.to_string()
        }
    };
    instance.data_center = pick(&detected.data_center, config.data_center_pattern.as_ref());
    instance.region = pick(&detected.region, config.region_pattern.as_ref());
    instance.physical_environment =
        pick(&detected.physical_environment, config.physical_environment_pattern.as_ref());
}
