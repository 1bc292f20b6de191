//! The whole simulated fleet: every server by key, and how fleets are laid out (stars of one
//! master and GTID replicas).

use std::collections::BTreeMap;

use app::core::InstanceKey;

use super::server::{Replication, SimFlavor, SimServer};

/// Every simulated server, by the key it listens on.
#[derive(Debug, Clone, Default)]
pub struct FleetState {
    /// The servers.
    pub servers: BTreeMap<InstanceKey, SimServer>,
}

impl FleetState {
    /// Stars on `keys` (taken in order): each a master followed by `replicas` GTID replicas;
    /// server ids count from 1. A last, incomplete star keeps what keys are left.
    pub fn stars(keys: &[InstanceKey], replicas: usize, flavor: SimFlavor) -> FleetState {
        let mut state = FleetState::default();
        for (star, chunk) in keys.chunks(replicas + 1).enumerate() {
            let first_id = star * (replicas + 1) + 1;
            let Some((master_key, replica_keys)) = chunk.split_first() else { continue };
            let master = SimServer::master(master_key.clone(), flavor, id(first_id));
            for (i, key) in replica_keys.iter().enumerate() {
                let replica = SimServer::replica_of(key.clone(), &master, id(first_id + 1 + i));
                state.servers.insert(key.clone(), replica);
            }
            state.servers.insert(master_key.clone(), master);
        }
        state
    }

    /// Keys of the servers that replicate from nobody (the masters).
    pub fn masters(&self) -> Vec<InstanceKey> {
        self.servers.values().filter(|s| s.replication.is_none()).map(|s| s.key.clone()).collect()
    }

    /// `master`'s port closed (`up` false) or opened again: as on a real server, the IO thread
    /// of each of its replicas loses its connection and keeps retrying (`Slave_IO_Running` is not
    /// `Yes`, `Last_IO_Errno` 2003), and reconnects by itself once the master is back.
    pub fn master_reachable(&mut self, master: &InstanceKey, up: bool) {
        let pointing = self.servers.values_mut().filter_map(|s| s.replication.as_mut());
        for r in pointing.filter(|r| &r.master == master) {
            if !up && r.io_running {
                lose_master(r);
            } else if up {
                regain_master(r);
            }
        }
    }
}

/// The replica's IO thread lost its master (refused, or the network between them cut) and keeps
/// retrying: `Slave_IO_Running` is not `Yes`, `Last_IO_Errno` 2003.
pub fn lose_master(r: &mut Replication) {
    r.io_running = false;
    r.last_io_error = Some((RECONNECT_ERRNO, reconnect_error(&r.master)));
}

/// A replica whose IO thread was retrying its lost master reconnects (any other IO state is
/// left as it is).
pub fn regain_master(r: &mut Replication) {
    if r.last_io_error.as_ref().is_some_and(|(n, _)| *n == RECONNECT_ERRNO) {
        r.io_running = true;
        r.last_io_error = None;
    }
}

/// `CR_CONN_HOST_ERROR`: what a replica's IO thread reports while its master refuses.
const RECONNECT_ERRNO: u32 = 2003;

fn reconnect_error(master: &InstanceKey) -> String {
    format!(
        "error reconnecting to master 'repl@{}:{}' - retry-time: 60  maximum-retries: 86400  \
         message: Can't connect to server on '{}' (111 \"Connection refused\")",
        master.hostname, master.port, master.hostname
    )
}

fn id(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}
