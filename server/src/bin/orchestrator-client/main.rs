//! `orchestrator-client`: orchestrator's command-line client as one binary (no curl, no jq).
//!
//! Same command names, flags, environment variables and plain-text output as the original
//! script, so existing runbooks keep working. It finds the raft leader among the endpoints in
//! `ORCHESTRATOR_API`, calls orchestrator's HTTP API there and prints the answer.
//!
//! - [`args`]: flags and environment; [`commands`]: the command table and `--help`;
//! - [`template`]: API paths from flag values; [`leader`]: choosing the endpoint;
//! - [`http`]: requests, auth, retries, reading replies; [`output`]: JSON to plain text;
//! - [`run`]: one command end to end; [`error`]: failures and exit codes.
//!
//! Exit codes: 0 success, 1 API or connection failure, 2 bad command line.

mod args;
mod commands;
mod error;
mod http;
mod leader;
mod output;
mod run;
mod template;

use std::process::ExitCode;

use error::ClientError;

fn main() -> ExitCode {
    let env = |name: &str| std::env::var(name).ok();
    let argv = std::env::args_os().skip(1).map(|a| a.to_string_lossy().into_owned());
    let result = args::parse(argv, &env).and_then(|opts| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ClientError::Setup(format!("cannot start the async runtime: {e}")))?;
        runtime.block_on(run::run(opts))
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}", e.stderr_line());
            ExitCode::from(e.exit_code())
        }
    }
}
