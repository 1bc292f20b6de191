//! Runs one command: checks its flags and builds its API path before any request, chooses the
//! endpoint, calls the API and prints the answer on stdout.

use std::io::Write;

use serde_json::Value;

use crate::args::{Opt, Options};
use crate::commands::{self, Kind};
use crate::error::ClientError;
use crate::http::{error_message, interpret, sanitize, Http};
use crate::leader;
use crate::output::{render, Out};
use crate::template::expand;

/// A command with its flags checked and its path built.
enum Plan {
    WhichApi,
    Raw(String),
    Get(String, Out),
    LeaderHostname,
    OnRaftLeader(String, Out),
}

/// Runs the command in `opts`.
pub async fn run(opts: Options) -> Result<(), ClientError> {
    if opts.help {
        emit(&[commands::usage()]);
        return Ok(());
    }
    let name = opts.command().ok_or_else(|| {
        ClientError::Usage("No command given. Use orchestrator-client -c <command> [...]".into())
    })?;
    let command = commands::find(&name)
        .ok_or_else(|| ClientError::Usage(format!("Unsupported command {name}")))?;
    let plan = match command.kind {
        Kind::Help => {
            emit(&[commands::usage()]);
            return Ok(());
        }
        Kind::WhichApi => Plan::WhichApi,
        Kind::Api => {
            let path = opts
                .get(Opt::Path)
                .ok_or_else(|| ClientError::Usage("path must be provided".into()))?;
            Plan::Raw(path.trim_start_matches('/').to_string())
        }
        Kind::Get(template, out) => Plan::Get(expand(template, &opts)?, out),
        Kind::RaftLeaderHostname => Plan::LeaderHostname,
        Kind::OnRaftLeader(template, out) => Plan::OnRaftLeader(expand(template, &opts)?, out),
        Kind::Unsupported(reason) => {
            return Err(ClientError::Api(format!("orchestrator-client: {name}: {reason}")))
        }
    };
    let endpoints = leader::endpoints(&opts.api)?;
    let http = Http::new(&opts)?;
    let api = leader::choose(&http, &endpoints).await?;
    http.note(&format!("using {}", sanitize(&api)));
    match plan {
        Plan::WhichApi => emit(&[api]),
        Plan::Raw(path) => raw(&http, &api, &path).await?,
        Plan::Get(path, out) => {
            let value = call(&http, &api, &path).await?;
            emit(&lines(&api, &path, out, &value)?);
        }
        Plan::LeaderHostname => {
            let value = call(&http, &api, "raft-leader").await?;
            let address = lines(&api, "raft-leader", Out::Text, &value)?.concat();
            emit(&[host_of(&address).to_string()]);
        }
        Plan::OnRaftLeader(path, out) => {
            let leader = raft_leader_api(&http, &api).await?;
            let value = call(&http, &leader, &path).await?;
            emit(&lines(&leader, &path, out, &value)?);
        }
    }
    Ok(())
}

/// GET `{api}/{path}` with retries, read as orchestrator's reply.
async fn call(http: &Http, api: &str, path: &str) -> Result<Value, ClientError> {
    let url = format!("{api}/{path}");
    let answer = http
        .with_retries(&url)
        .await
        .map_err(|reason| ClientError::Unreachable { api: sanitize(api), reason })?;
    interpret(&url, &answer)
}

fn lines(api: &str, path: &str, out: Out, value: &Value) -> Result<Vec<String>, ClientError> {
    render(out, value)
        .map_err(|what| ClientError::Unexpected { url: sanitize(&format!("{api}/{path}")), what })
}

/// `-c api`: the raw JSON (pretty-printed), then exit 1 if it is an error.
async fn raw(http: &Http, api: &str, path: &str) -> Result<(), ClientError> {
    let url = format!("{api}/{path}");
    let answer = http
        .with_retries(&url)
        .await
        .map_err(|reason| ClientError::Unreachable { api: sanitize(api), reason })?;
    let parsed = serde_json::from_str::<Value>(&answer.body).ok();
    let text = parsed
        .as_ref()
        .and_then(|v| serde_json::to_string_pretty(v).ok())
        .unwrap_or_else(|| answer.body.trim_end().to_string());
    if !text.is_empty() {
        emit(&[text]);
    }
    match parsed.as_ref().and_then(error_message) {
        Some(message) => Err(ClientError::Api(message)),
        None if !(200..300).contains(&answer.status) => interpret(&url, &answer).map(|_| ()),
        None => Ok(()),
    }
}

/// The endpoint of the raft leader: `api` itself when it leads, else the `LeaderURI` it reports
/// (`raft-yield-hint` is answered locally by every node, never proxied).
async fn raft_leader_api(http: &Http, api: &str) -> Result<String, ClientError> {
    let state = call(http, api, "raft-state").await?;
    let state = state.as_str().unwrap_or_default().to_string();
    if state == "Leader" {
        return Ok(api.to_string());
    }
    let status = call(http, api, "raft-status").await?;
    match status.get("LeaderURI").and_then(Value::as_str).filter(|uri| !uri.is_empty()) {
        Some(uri) => {
            let leader = leader::normalize(uri)?;
            http.note(&format!(
                "{} is {state}; the leader is {}",
                sanitize(api),
                sanitize(&leader)
            ));
            Ok(leader)
        }
        None => Err(ClientError::RaftState(format!(
            "{} is {state:?} and knows no leader",
            sanitize(api)
        ))),
    }
}

/// `host` of `host:port` or `[v6]:port`.
fn host_of(address: &str) -> &str {
    let host = match address.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) => host,
        _ => address,
    };
    host.trim_start_matches('[').trim_end_matches(']')
}

/// Prints each entry on its own line; a closed stdout (`| head`) ends output quietly.
fn emit(lines: &[String]) {
    let mut out = std::io::stdout().lock();
    for line in lines {
        let line = line.strip_suffix('\n').unwrap_or(line);
        if writeln!(out, "{line}").is_err() {
            return;
        }
    }
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::host_of;

    #[test]
    fn host_part_of_raft_addresses() {
        assert_eq!(host_of("10.0.0.1:10008"), "10.0.0.1");
        assert_eq!(host_of("[::1]:10008"), "::1");
        assert_eq!(host_of("db-raft.example.com"), "db-raft.example.com");
    }
}
