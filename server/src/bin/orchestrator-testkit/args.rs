//! Command line of `orchestrator-testkit up`.

use std::num::ParseIntError;
use std::path::PathBuf;
use std::time::Duration;

use server::testkit::mariadb::Shape;

use crate::error::{KitError, Result};

pub const USAGE: &str = "\
usage: orchestrator-testkit up [options]

Starts MariaDB topologies and a cluster of real `orchestrator` processes on loopback, waits for a
single healthy leader, prints where everything is, and stays in the foreground until stdin closes
or it gets SIGTERM/SIGINT; then it kills and removes everything it started. While it runs, a
control API on loopback (its URL is in the output) kills and restarts nodes and MariaDB servers:

  GET  /state                    the description (as printed)
  POST /nodes/{i}/kill9          SIGKILL node i
  POST /nodes/{i}/stop           SIGTERM node i (SIGKILL after 15 s)
  POST /nodes/{i}/start          start node i again (same ports and data), wait until healthy
  POST /nodes/{i}/restart        kill9, then start
  POST /leader                   wait for one healthy leader among the running nodes
  POST /mariadb/{name}/kill9     SIGKILL a MariaDB server
  POST /mariadb/{name}/restart   start a MariaDB server again (same port and data)
  POST /mariadb/{name}/replicate-from/{master}   make it a GTID replica of {master} again
Each answers the description (with `leader` for /leader), or 500 with {\"error\": ...}.

  --nodes N                   orchestrator nodes (default 3; 0: MariaDB only)
  --backend sqlite|mysql      the nodes' backends (default sqlite; mysql: one MariaDB server
                              with one database per node)
  --mariadb-topology SPEC     NAME=star:N or NAME=chain:N, comma-separated or repeated. Each
                              master holds meta.cluster(alias) = NAME; the nodes get the
                              topology credentials and every master in DiscoverySeeds
  --extra JSON                extra config keys for every node ('\"Key\": value, ...' or an
                              object); repeatable, applied in order
  --orchestrator-bin PATH     the node binary (default $ORCHESTRATOR_BIN, else `orchestrator`
                              next to this binary)
  --env KEY=VALUE             environment variable for the nodes; repeatable
  --rust-log FILTER           RUST_LOG for the nodes (default info,openraft=warn,sqlx=warn)
  --logs-dir DIR              at teardown, copy node i's log to DIR/node<i>.log
  --deadline SECS             how long the cluster may take to elect a leader (default 60)
  --no-stdin                  ignore stdin (stop with SIGTERM/SIGINT only)
  --json                      print the description as one JSON line on stdout
  --help";

/// `up`'s options.
#[derive(Debug, Clone)]
pub struct Up {
    pub nodes: usize,
    pub mysql_backend: bool,
    pub topologies: Vec<(String, Shape, usize)>,
    pub extra: Vec<String>,
    pub bin: Option<PathBuf>,
    pub env: Vec<(String, String)>,
    pub rust_log: Option<String>,
    pub logs_dir: Option<PathBuf>,
    pub deadline: Duration,
    pub stdin: bool,
    pub json: bool,
}

/// A closure wrapping a parse error as `option`'s bad value.
fn bad_number(option: &'static str) -> impl FnOnce(ParseIntError) -> KitError {
    move |source| KitError::BadNumber { option, source }
}

/// `NAME=star:N` / `NAME=chain:N`.
fn topology(spec: &str) -> Result<(String, Shape, usize)> {
    let syntax = || KitError::TopologySyntax(spec.to_string());
    let (name, rest) = spec.split_once('=').ok_or_else(syntax)?;
    let (shape, n) = rest.split_once(':').ok_or_else(syntax)?;
    let shape = match shape {
        "star" => Shape::Star,
        "chain" => Shape::Chain,
        other => return Err(KitError::UnknownShape(other.to_string())),
    };
    let n: usize =
        n.parse().map_err(|source| KitError::ServerCount { spec: spec.to_string(), source })?;
    if n == 0 {
        return Err(KitError::EmptyTopology(spec.to_string()));
    }
    Ok((name.to_string(), shape, n))
}

/// Parses the arguments after `up`; `None` for `--help`.
pub fn parse(args: &[String]) -> Result<Option<Up>> {
    let mut up = Up {
        nodes: 3,
        mysql_backend: false,
        topologies: Vec::new(),
        extra: Vec::new(),
        bin: std::env::var_os("ORCHESTRATOR_BIN").map(PathBuf::from),
        env: Vec::new(),
        rust_log: None,
        logs_dir: None,
        deadline: Duration::from_secs(60),
        stdin: true,
        json: false,
    };
    let mut it = args.iter();
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or_else(|| KitError::MissingValue(arg.clone()));
        match arg.as_str() {
            "--help" | "-h" => return Ok(None),
            "--nodes" => up.nodes = value()?.parse().map_err(bad_number("--nodes"))?,
            "--backend" => {
                up.mysql_backend = match value()?.as_str() {
                    "sqlite" => false,
                    "mysql" => true,
                    other => return Err(KitError::UnknownBackend(other.to_string())),
                }
            }
            "--mariadb-topology" => {
                for spec in value()?.split(',').filter(|s| !s.trim().is_empty()) {
                    up.topologies.push(topology(spec.trim())?);
                }
            }
            "--extra" => up.extra.push(value()?.clone()),
            "--orchestrator-bin" => up.bin = Some(PathBuf::from(value()?)),
            "--env" => {
                let kv = value()?;
                let (k, v) = kv.split_once('=').ok_or_else(|| KitError::BadEnv(kv.clone()))?;
                up.env.push((k.to_string(), v.to_string()));
            }
            "--rust-log" => up.rust_log = Some(value()?.clone()),
            "--logs-dir" => up.logs_dir = Some(PathBuf::from(value()?)),
            "--deadline" => {
                up.deadline =
                    Duration::from_secs(value()?.parse().map_err(bad_number("--deadline"))?)
            }
            "--no-stdin" => up.stdin = false,
            "--json" => up.json = true,
            other => return Err(KitError::UnknownOption(other.to_string())),
        }
    }
    Ok(Some(up))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(s: &str) -> Vec<String> {
        s.split_whitespace().map(String::from).collect()
    }

    #[test]
    fn topologies_and_options_parse() {
        let up = parse(&args("--nodes 2 --mariadb-topology alpha=star:3,bravo=chain:2 --json"))
            .expect("parse")
            .expect("not help");
        assert_eq!(up.nodes, 2);
        assert!(up.json && up.stdin && !up.mysql_backend);
        assert_eq!(
            up.topologies,
            vec![("alpha".into(), Shape::Star, 3), ("bravo".into(), Shape::Chain, 2)]
        );
        assert!(parse(&args("--mariadb-topology alpha=ring:3")).is_err());
        assert!(parse(&args("--nodes")).is_err());
        assert!(parse(&args("--help")).expect("help").is_none());
    }
}
