//! Replication topologies: stars and chains, named topologies whose master holds
//! `meta.cluster(alias)`, and the config keys that let orchestrator manage them.

use serde_json::{Map, Value};

use super::{wait_replicated, Error, Sandbox, Server};
use super::{ORC_PASSWORD, ORC_USER, REPL_PASSWORD, REPL_USER};

/// The shape of a topology.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Server 0 is the master of every other.
    Star,
    /// Server k replicates from server k-1.
    Chain,
}

/// A named topology: its servers (index 0 is the top master) in a [`Shape`]. Its master holds
/// `meta.cluster(alias)` = the name, replicated everywhere, so that
/// `DetectClusterAliasQuery: SELECT alias FROM meta.cluster LIMIT 1` names the cluster (and the
/// alias survives a failover).
pub struct Topology {
    /// Its name (the cluster alias).
    pub name: String,
    /// Its shape.
    pub shape: Shape,
    /// Its servers, master first.
    pub servers: Vec<Server>,
}

impl Topology {
    /// The top master.
    pub fn master(&self) -> &Server {
        &self.servers[0]
    }
}

/// Sets up `(master, replica)` pairs in parallel (at most 8 at once).
fn replicate_pairs(pairs: &[(&Server, &Server)]) -> Result<(), Error> {
    for chunk in pairs.chunks(8) {
        std::thread::scope(|scope| {
            let jobs: Vec<_> =
                chunk.iter().map(|(m, r)| scope.spawn(move || r.replicate_from(m))).collect();
            jobs.into_iter().try_for_each(|j| {
                j.join().unwrap_or_else(|_| Err(Error::Usage("replication set-up panicked".into())))
            })
        })?;
    }
    Ok(())
}

impl Sandbox {
    /// Starts `n` servers: the first is the master, the others replicate from it (GTID).
    pub fn star(&self, n: usize) -> Result<Vec<Server>, Error> {
        let servers = self.start(n)?;
        if let Some((master, replicas)) = servers.split_first() {
            let pairs: Vec<_> = replicas.iter().map(|r| (master, r)).collect();
            replicate_pairs(&pairs)?;
        }
        Ok(servers)
    }

    /// Starts `n` servers as stars of `size` (the last may be smaller); returns them and the
    /// indexes of the masters.
    pub fn stars(&self, n: usize, size: usize) -> Result<(Vec<Server>, Vec<usize>), Error> {
        let servers = self.start(n)?;
        let size = size.max(1);
        let masters: Vec<usize> = (0..n).step_by(size).collect();
        let pairs: Vec<_> =
            servers.chunks(size).flat_map(|g| g[1..].iter().map(move |r| (&g[0], r))).collect();
        replicate_pairs(&pairs)?;
        Ok((servers, masters))
    }

    /// Makes `replica` replicate from `master`; same as [`Server::replicate_from`].
    pub fn chain(&self, master: &Server, replica: &Server) -> Result<(), Error> {
        replica.replicate_from(master)
    }

    /// A named topology of `n` servers (see [`Topology`]), replicated and caught up.
    pub fn topology(&self, name: &str, shape: Shape, n: usize) -> Result<Topology, Error> {
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "_-".contains(c)) {
            return Err(Error::Usage(format!("topology name {name:?} must match [A-Za-z0-9_-]+")));
        }
        if n == 0 {
            return Err(Error::Usage(format!("topology {name}: at least one server")));
        }
        let servers = match shape {
            Shape::Star => self.star(n)?,
            Shape::Chain => {
                let servers = self.start(n)?;
                for w in servers.windows(2) {
                    w[1].replicate_from(&w[0])?;
                }
                servers
            }
        };
        servers[0].sql(&format!(
            "CREATE DATABASE meta; CREATE TABLE meta.cluster (alias VARCHAR(64) PRIMARY KEY); \
             INSERT INTO meta.cluster VALUES ('{name}')"
        ))?;
        wait_replicated(&servers[0], &servers[1..])?;
        Ok(Topology { name: name.to_string(), shape, servers })
    }
}

/// Config keys that let orchestrator manage sandbox servers: the topology and replication
/// credentials, and `DiscoverySeeds` with the `seeds`' keys (left out when there are none).
pub fn orchestrator_keys<'a>(seeds: impl IntoIterator<Item = &'a Server>) -> Map<String, Value> {
    let mut keys = Map::new();
    for (k, v) in [
        ("MySQLTopologyUser", ORC_USER),
        ("MySQLTopologyPassword", ORC_PASSWORD),
        ("MySQLReplicaUser", REPL_USER),
        ("MySQLReplicaPassword", REPL_PASSWORD),
    ] {
        keys.insert(k.into(), v.into());
    }
    let seeds: Vec<Value> = seeds.into_iter().map(|s| s.key().into()).collect();
    if !seeds.is_empty() {
        keys.insert("DiscoverySeeds".into(), Value::Array(seeds));
    }
    keys
}
