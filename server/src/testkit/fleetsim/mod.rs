//! A simulated fleet of MySQL/MariaDB servers that speaks the real wire protocol, for scale
//! tests and benchmarks where thousands of real `mariadbd` processes cannot run.
//!
//! Each simulated server listens on its own loopback port (several `127.0.0.x` addresses when
//! one address runs out of ports) and answers exactly what the prober asks
//! (`probe::queries`) from state the fleet keeps ([`SimServer`]: topology, GTID positions, lag,
//! `read_only`, semi-sync, version) in MariaDB's or MySQL 8's dialect. Faults on command
//! ([`Fault`]): dead (port closed), hung (connection accepted, never answered), slow, and a
//! network cut between one client (told apart by its user name) and a server; broken
//! replication, lag and errant GTIDs through the state. Writes an orchestrator sends
//! (`STOP SLAVE`, `CHANGE MASTER TO`, `SET GLOBAL read_only`, ...) change the state and are
//! recorded per server, so a test sees what was done to it.
//!
//! [`FleetSim::start`] runs it in-process; `orchestrator-fleetsim` runs it as a process with an
//! HTTP control API ([`control::router`]). `server/tests/fleetsim.rs` keeps it honest against
//! real MariaDB: the prober reads the same instance from both.

pub mod answer;
pub mod control;
mod greeting;
pub mod server;
pub mod state;
mod wire;

use std::sync::{Arc, Mutex, MutexGuard};

use app::core::InstanceKey;
use thiserror::Error;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

pub use server::{Fault, Replication, SimFlavor, SimServer};
pub use state::FleetState;

/// How to lay out a simulated fleet.
#[derive(Debug, Clone)]
pub struct FleetSpec {
    /// How many servers.
    pub servers: usize,
    /// Replicas per master: stars of `1 + replicas` servers.
    pub replicas: usize,
    /// Dialect of every server.
    pub flavor: SimFlavor,
    /// Loopback addresses to listen on, used in order as each runs out of ports.
    pub hosts: Vec<String>,
    /// First port to try on each address (then upwards, skipping ports in use, below 32768);
    /// `None`: ports the system picks.
    pub base_port: Option<u16>,
}

impl Default for FleetSpec {
    fn default() -> Self {
        FleetSpec {
            servers: 4,
            replicas: 3,
            flavor: SimFlavor::MariaDB,
            hosts: vec!["127.0.0.1".into()],
            base_port: None,
        }
    }
}

/// The fleet could not start.
#[derive(Debug, Error)]
pub enum SimError {
    /// Not enough ports could be bound.
    #[error("bound only {bound} of {wanted} simulated servers: {last}")]
    Ports {
        /// Servers wanted.
        wanted: usize,
        /// Listeners bound.
        bound: usize,
        /// The last bind error.
        last: String,
    },
    /// No such server.
    #[error("no simulated server {0}")]
    Unknown(String),
}

/// A running simulated fleet; dropping it closes every port.
pub struct FleetSim {
    shared: wire::Shared,
    tasks: JoinSet<()>,
}

impl FleetSim {
    /// Binds a port per server, lays the servers out as stars and serves them.
    pub async fn start(spec: &FleetSpec) -> Result<FleetSim, SimError> {
        let listeners = bind_all(spec).await?;
        let keys: Vec<InstanceKey> = listeners.iter().map(|(k, _)| k.clone()).collect();
        let state = FleetState::stars(&keys, spec.replicas, spec.flavor);
        let (changed, _) = watch::channel(0);
        let shared =
            wire::Shared { state: Arc::new(Mutex::new(state)), changed, durations: Arc::default() };
        let mut tasks = JoinSet::new();
        for (key, listener) in listeners {
            tasks.spawn(wire::serve(shared.clone(), key, listener));
        }
        Ok(FleetSim { shared, tasks })
    }

    /// The fleet's state (to read, or to change anything but faults).
    pub fn state(&self) -> MutexGuard<'_, FleetState> {
        self.shared.lock()
    }

    /// A handle the control API shares.
    pub fn handle(&self) -> FleetHandle {
        FleetHandle { shared: self.shared.clone() }
    }

    /// Keys of the masters (servers that replicate from nobody).
    pub fn masters(&self) -> Vec<InstanceKey> {
        self.state().masters()
    }

    /// Sets `key`'s fault (closing or reopening its port as needed).
    pub fn set_fault(&self, key: &InstanceKey, fault: Fault) -> Result<(), SimError> {
        self.handle().set_fault(key, fault)
    }

    /// How many listener tasks still run (all of them, unless the runtime is shutting down).
    pub fn serving(&self) -> usize {
        self.tasks.len()
    }
}

/// A cloneable handle on a running fleet's state.
#[derive(Clone)]
pub struct FleetHandle {
    shared: wire::Shared,
}

impl FleetHandle {
    /// The fleet's state.
    pub fn state(&self) -> MutexGuard<'_, FleetState> {
        self.shared.lock()
    }

    /// Changes `key` with `f` (any field but the fault, which [`FleetHandle::set_fault`] sets).
    pub fn update<T>(
        &self,
        key: &InstanceKey,
        f: impl FnOnce(&mut SimServer) -> T,
    ) -> Result<T, SimError> {
        let mut state = self.shared.lock();
        let server =
            state.servers.get_mut(key).ok_or_else(|| SimError::Unknown(key.to_string()))?;
        Ok(f(server))
    }

    /// How long each answered connection lasted (accept to close, µs) since the last call.
    pub fn take_durations(&self) -> Vec<u32> {
        self.shared.take_durations()
    }

    /// Sets `key`'s fault and wakes its listener; a server that dies or comes back is seen so
    /// by its replicas' IO threads ([`FleetState::master_reachable`]).
    pub fn set_fault(&self, key: &InstanceKey, fault: Fault) -> Result<(), SimError> {
        {
            let mut state = self.shared.lock();
            let server =
                state.servers.get_mut(key).ok_or_else(|| SimError::Unknown(key.to_string()))?;
            let was_dead = server.fault == Fault::Dead;
            server.fault = fault;
            let dead = fault == Fault::Dead;
            if dead != was_dead {
                state.master_reachable(key, !dead);
            }
        }
        self.shared.changed.send_modify(|n| *n += 1);
        Ok(())
    }
}

async fn bind_all(spec: &FleetSpec) -> Result<Vec<(InstanceKey, TcpListener)>, SimError> {
    let mut bound = Vec::with_capacity(spec.servers);
    let mut last = String::from("no address to listen on");
    'hosts: for host in &spec.hosts {
        let mut next = spec.base_port;
        while bound.len() < spec.servers {
            let port = match next {
                Some(p) if p >= 32_768 => continue 'hosts,
                Some(p) => p,
                None => 0,
            };
            next = next.map(|p| p + 1);
            match TcpListener::bind((host.as_str(), port)).await {
                Ok(listener) => {
                    let port = listener.local_addr().map(|a| a.port()).unwrap_or(port);
                    match InstanceKey::new(host, port) {
                        Ok(key) => bound.push((key, listener)),
                        Err(e) => {
                            last = e.to_string();
                            continue 'hosts;
                        }
                    }
                }
                Err(e) => {
                    last = format!("{host}:{port}: {e}");
                    if next.is_none() {
                        continue 'hosts;
                    }
                }
            }
        }
        break;
    }
    if bound.len() < spec.servers {
        return Err(SimError::Ports { wanted: spec.servers, bound: bound.len(), last });
    }
    Ok(bound)
}
