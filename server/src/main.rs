//! `orchestrator` binary: parse the command line, load config, run a node until a signal or a
//! fatal condition. The only place with `anyhow` and `process::exit`.

use std::process::ExitCode;
use std::time::Duration;

use server::cli::{self, Invocation, CLI_REFUSED_IN_RAFT, USAGE};
use server::config::NodeConfig;
use server::node::{self, Listeners};
use server::raft::disk_state;
use server::raft::state_machine::StateMachine;
use server::store::Store;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let invocation = match cli::parse(&args) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("orchestrator: {e}");
            return ExitCode::from(2);
        }
    };
    let config_path = match invocation {
        Invocation::Help => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Invocation::Version => {
            println!("orchestrator-rs {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Invocation::Http { ref config }
        | Invocation::Cli { ref config, .. }
        | Invocation::ResetRaftState { ref config }
        | Invocation::CheckConfig { ref config } => config.clone(),
    };
    init_tracing();
    let path = match cli::find_config(config_path) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("orchestrator: {e}");
            return ExitCode::from(2);
        }
    };
    if let Invocation::CheckConfig { .. } = invocation {
        let report = server::config::check::check_file(&path);
        print!("{}", report.render());
        return if report.passes() { ExitCode::SUCCESS } else { ExitCode::FAILURE };
    }
    let config = match NodeConfig::load(&path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("orchestrator: {e}");
            return ExitCode::FAILURE;
        }
    };
    if !config.origin.unknown_keys.is_empty() {
        tracing::warn!(keys = %config.origin.unknown_keys.join(", "), "config keys not used by orchestrator-rs (ignored)");
    }
    if let Invocation::ResetRaftState { .. } = invocation {
        return reset_raft_state(&config);
    }
    if let Invocation::Cli { command, ignore_raft_setup, .. } = invocation {
        if config.raft_enabled() && !ignore_raft_setup {
            eprintln!("orchestrator: {CLI_REFUSED_IN_RAFT}");
            return ExitCode::FAILURE;
        }
        eprintln!("orchestrator: CLI command {command:?} is not implemented by orchestrator-rs; use the HTTP API");
        return ExitCode::FAILURE;
    }
    if !config.raft_enabled() {
        eprintln!("orchestrator: RaftEnabled is false; orchestrator-rs runs only as an orchestrator/raft node");
        return ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("orchestrator: cannot start runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Blocking work stuck on a dead backend must not hold the exit.
            runtime.shutdown_timeout(FATAL_STOP_GRACE);
            tracing::error!("{e}");
            eprintln!("orchestrator: {e}");
            ExitCode::FAILURE
        }
    }
}

fn reset_raft_state(config: &NodeConfig) -> ExitCode {
    let dir = &config.raft.data_dir;
    let fail = |e: &dyn std::fmt::Display| {
        eprintln!("orchestrator: reset-raft-state: {e}");
        ExitCode::FAILURE
    };
    let _lock = match disk_state::DirLock::acquire(dir) {
        Ok(l) => l,
        Err(e) => return fail(&e),
    };
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let outcome = match disk_state::reset(dir, secs) {
        Ok(o) => o,
        Err(e) => return fail(&e),
    };
    // Until it has caught up with the leader, the node must not vote: it may have acknowledged
    // entries it no longer holds (server/src/raft/rejoin.rs).
    if let Err(e) = server::raft::rejoin::Rejoin::mark(dir) {
        return fail(&e);
    }
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(r) => r,
        Err(e) => return fail(&e),
    };
    let cleared = runtime.block_on(async {
        let store = Store::open(&config.backend.db, std::time::Duration::from_secs(5)).await?;
        StateMachine::clear_backend(&store).await
    });
    if let Err(e) = cleared {
        return fail(&format!(
            "raft files were set aside but the backend's replicated state could not be cleared ({e}); \
             run reset-raft-state again once the backend is reachable"
        ));
    }
    match &outcome.aside {
        Some(aside) => {
            println!("raft log and snapshots of {} set aside in {}", dir.display(), aside.display())
        }
        None => println!("no raft log or snapshots in {}", dir.display()),
    }
    println!(
        "backend replicated state cleared; vote {}; start the node to rejoin by snapshot from the leader",
        if outcome.vote_kept { "kept" } else { "absent or unreadable (set aside)" }
    );
    ExitCode::SUCCESS
}

/// How long a node stopping on a fatal condition waits for its graceful stop.
const FATAL_STOP_GRACE: Duration = Duration::from_millis(200);

async fn run(config: NodeConfig) -> anyhow::Result<()> {
    let leptos = server::site_options::load(config.http.leptos_config_file.as_deref())
        .map_err(anyhow::Error::msg)?;
    // The dashboard renders its links, assets and server-function calls under URLPrefix.
    app::ui::url_prefix::set(&config.http.url_prefix);
    let listeners = Listeners::bind(&config).await?;
    let handle = node::start(config, listeners, leptos).await?;
    let mut fatal = handle.fatal.clone();
    let reason = tokio::select! {
        _ = shutdown_signal() => None,
        r = fatal.wait_for(|f| f.is_some()) => r.ok().and_then(|f| f.clone()),
    };
    match &reason {
        // A fatal condition (often a dead backend) can stall a graceful stop: bound it. Every
        // acknowledged command is already durable, so cutting the stop short loses none.
        Some(_) => {
            if tokio::time::timeout(FATAL_STOP_GRACE, handle.shutdown()).await.is_err() {
                tracing::warn!(grace = ?FATAL_STOP_GRACE, "graceful stop did not finish; exiting");
            }
        }
        None => handle.shutdown().await,
    }
    match reason {
        Some(reason) => Err(anyhow::anyhow!("node stopped: {reason}")),
        None => Ok(()),
    }
}

async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        if let Ok(mut term) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
            return;
        }
    }
    let _ = ctrl_c.await;
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new("info,openraft=warn,sqlx=warn,tower_http=warn")
    });
    tracing_subscriber::fmt().with_env_filter(filter).with_target(false).init();
    // A panic anywhere is logged as an error line; a panic in the raft core also stops the node
    // (server::health::watch_raft_core).
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        tracing::error!(%info, "PANIC");
        default_hook(info);
    }));
}
