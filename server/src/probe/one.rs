//! One probe of one server: connect, run the queries within the read timeout, parse, place it
//! (data center, region, environment), close. Timestamps come from the caller's clock.

use app::core::{Instance, InstanceKey};

use super::connect::{close, connect};
use super::parse::{pattern_value, to_instance, Detected};
use super::queries::read;
use super::ProbeError;
use crate::clock::Clock;
use crate::config::DiscoveryConfig;

/// What the batch writer needs to record of one probe.
#[derive(Debug, Clone)]
pub struct Probed {
    /// The probed key.
    pub key: InstanceKey,
    /// When the probe started (unix ms): its `last_attempted_check`.
    pub started_ms: i64,
    /// When it ended (unix ms): its `last_checked` (and `last_seen` on success).
    pub ended_ms: i64,
    /// The result.
    pub observation: Observation,
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
    clock: &dyn Clock,
) -> (Probed, Result<Instance, ProbeError>) {
    let started_ms = clock.now_ms();
    let started = std::time::Instant::now();
    let mut partial = false;
    let result = run(key, config, &mut partial).await;
    crate::metrics::record::probe(started.elapsed(), result.as_ref().err().map(ProbeError::reason));
    let observation = match &result {
        Ok(instance) => Observation::Seen(Box::new(instance.clone())),
        Err(e) => Observation::Failed { partial, error: e.to_string() },
    };
    let probed = Probed { key: key.clone(), started_ms, ended_ms: clock.now_ms(), observation };
    (probed, result)
}

async fn run(
    key: &InstanceKey,
    config: &DiscoveryConfig,
    partial: &mut bool,
) -> Result<Instance, ProbeError> {
    let mut conn = connect(key, config).await?;
    let raw =
        match tokio::time::timeout(config.read_timeout, read(&mut conn, config, partial)).await {
            Ok(result) => {
                close(conn).await;
                result?
            }
            Err(_) => return Err(ProbeError::ReadTimeout { after: config.read_timeout }),
        };
    let mut instance = to_instance(key, &raw)?;
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
