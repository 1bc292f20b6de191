//! `orchestrator-fleetsim`: N simulated MySQL/MariaDB servers on loopback (stars of a master and
//! GTID replicas) with an HTTP control API, for scale tests and benchmarks. Prints one JSON line
//! (`control`, `servers`, `masters`) once every port is open, then serves until stdin closes or
//! SIGTERM/SIGINT. Built with `--features testkit`.

use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use server::testkit::fleetsim::{control, FleetSim, FleetSpec, SimFlavor};
use tokio::io::AsyncReadExt;
use tokio::signal::unix::{signal, SignalKind};

const USAGE: &str = "usage: orchestrator-fleetsim [--servers N] [--replicas R] \
[--flavor mariadb|mysql] [--hosts 127.0.0.1,127.0.0.2] [--base-port P] [--control-port C]

  --servers N       simulated servers (default 4)
  --replicas R      replicas per master: stars of 1 + R servers (default 3)
  --flavor F        mariadb (default) or mysql (8.0 dialect)
  --hosts LIST      loopback addresses, used in order as each runs out of ports (default 127.0.0.1)
  --base-port P     first port on each address (then upwards, below 32768); default: any free port
  --control-port C  port of the control API on 127.0.0.1 (default: any free port)";

struct Args {
    spec: FleetSpec,
    control_port: u16,
}

fn parse(args: &[String]) -> Result<Option<Args>> {
    let mut spec = FleetSpec::default();
    let mut control_port = 0;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        if flag == "--help" || flag == "-h" {
            return Ok(None);
        }
        let value = it.next().with_context(|| format!("{flag} needs a value"))?;
        let number = |what: &str| -> Result<usize> {
            value.parse().with_context(|| format!("{what} must be a number, not {value:?}"))
        };
        match flag.as_str() {
            "--servers" => spec.servers = number("--servers")?,
            "--replicas" => spec.replicas = number("--replicas")?,
            "--flavor" => {
                spec.flavor = match value.as_str() {
                    "mariadb" => SimFlavor::MariaDB,
                    "mysql" => SimFlavor::MySQL,
                    other => bail!("--flavor must be mariadb or mysql, not {other:?}"),
                }
            }
            "--hosts" => spec.hosts = value.split(',').map(|h| h.trim().to_string()).collect(),
            "--base-port" => {
                spec.base_port = Some(u16::try_from(number("--base-port")?).context("--base-port")?)
            }
            "--control-port" => {
                control_port = u16::try_from(number("--control-port")?).context("--control-port")?
            }
            other => bail!("unknown option {other:?}\n{USAGE}"),
        }
    }
    Ok(Some(Args { spec, control_port }))
}

fn main() -> ExitCode {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let args = match parse(&raw) {
        Ok(Some(a)) => a,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("orchestrator-fleetsim: {e:#}");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("orchestrator-fleetsim: cannot start runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("orchestrator-fleetsim: {e:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<()> {
    let fleet = FleetSim::start(&args.spec).await?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.control_port))
        .await
        .context("control API port")?;
    let control_url = format!("http://{}", listener.local_addr()?);
    let masters: Vec<String> = fleet.masters().iter().map(ToString::to_string).collect();
    let line = serde_json::json!({
        "control": control_url,
        "servers": fleet.state().servers.len(),
        "masters": masters,
    });
    println!("{line}");
    let app = control::router(fleet.handle());
    let mut term = signal(SignalKind::terminate())?;
    let mut int = signal(SignalKind::interrupt())?;
    let stdin_closed = async {
        let mut stdin = tokio::io::stdin();
        let mut buf = [0u8; 64];
        while matches!(stdin.read(&mut buf).await, Ok(n) if n > 0) {}
    };
    tokio::select! {
        r = axum::serve(listener, app) => r.context("control API")?,
        _ = term.recv() => {}
        _ = int.recv() => {}
        () = stdin_closed => {}
    }
    drop(fleet);
    Ok(())
}
