//! `orchestrator-testkit up`: the test kit as a process, for the Playwright suite (and by hand):
//! starts MariaDB topologies and N `orchestrator` nodes, prints where they are (one JSON line
//! with `--json`), serves a control API, and tears everything down when stdin closes or on
//! SIGTERM/SIGINT. Built with `--features testkit`.

mod args;
mod control;
mod error;
mod kit;

use std::io::{Read, Write};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context, Result};
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::{oneshot, Mutex};

use args::{Up, USAGE};
use kit::Kit;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let up = match args.split_first() {
        Some((cmd, rest)) if cmd == "up" => match args::parse(rest) {
            Ok(Some(up)) => up,
            Ok(None) => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            Err(e) => {
                eprintln!("orchestrator-testkit: {}", error::chain(&e));
                return ExitCode::from(2);
            }
        },
        Some((cmd, _)) if cmd == "--help" || cmd == "-h" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let runtime =
        match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
            Ok(r) => r,
            Err(e) => {
                eprintln!("orchestrator-testkit: cannot start runtime: {e}");
                return ExitCode::FAILURE;
            }
        };
    match runtime.block_on(run(up)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("orchestrator-testkit: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Resolves when stdin reaches end of file (read on a plain thread: a runtime's blocking read
/// would hold up its shutdown).
fn stdin_closed() -> oneshot::Receiver<()> {
    let (tx, rx) = oneshot::channel();
    std::thread::spawn(move || {
        let mut buf = [0u8; 256];
        let mut stdin = std::io::stdin();
        while matches!(stdin.read(&mut buf), Ok(n) if n > 0) {}
        let _ = tx.send(());
    });
    rx
}

async fn run(up: Up) -> Result<()> {
    let mut term = signal(SignalKind::terminate()).context("SIGTERM handler")?;
    let mut int = signal(SignalKind::interrupt()).context("SIGINT handler")?;
    let mut kit = tokio::select! {
        kit = Kit::up(&up) => kit?,
        _ = term.recv() => return Ok(()),
        _ = int.recv() => return Ok(()),
    };
    let listener =
        tokio::net::TcpListener::bind("127.0.0.1:0").await.context("bind the control API")?;
    kit.control = format!("http://{}", listener.local_addr().context("control address")?);
    let description = kit.describe();
    let shared: control::Shared = Arc::new(Mutex::new(Some(kit)));
    let router = control::router(shared.clone());
    let server = tokio::spawn(async move { axum::serve(listener, router).await });

    let mut out = std::io::stdout().lock();
    if up.json {
        writeln!(out, "{description}").context("write the description")?;
    } else {
        let pretty = serde_json::to_string_pretty(&description).unwrap_or_default();
        writeln!(out, "{pretty}\n[testkit] up; close stdin or send SIGTERM to tear down")
            .context("write the description")?;
    }
    out.flush().context("flush stdout")?;
    drop(out);

    let stdin = async {
        match up.stdin {
            true => drop(stdin_closed().await),
            false => std::future::pending().await,
        }
    };
    let why = tokio::select! {
        _ = stdin => "stdin closed",
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    };
    eprintln!("[testkit] {why}: tearing down");
    server.abort();
    if let Some(kit) = shared.lock().await.take() {
        tokio::task::block_in_place(|| kit.down());
    }
    Ok(())
}
