//! `orchestrator-bench codec`: what JSON encoding costs per committed command, as the nodes
//! encode and decode it (log records, AppendEntries frames and their answers), which bounds what
//! a binary encoding could save.

use std::hint::black_box;
use std::time::Instant;

use app::core::{InstanceKey, Proposal};
use openraft::raft::{AppendEntriesRequest, AppendEntriesResponse};
use openraft::{CommittedLeaderId, Entry, EntryPayload, LogId, Vote};
use server::raft::log_file::encode_entry;
use server::raft::TypeConfig;

use crate::error::{BenchError, Result};

pub const CODEC_USAGE: &str = "\
usage: orchestrator-bench codec [--iters N]

Times serde_json on the messages one sequential `begin-downtime` commit makes the 3 nodes
encode and decode, on one thread, and prints microseconds per commit and bytes per message.

  --iters N                repetitions of each measurement (default 20000)
  --help";

/// One message's cost: bytes, and nanoseconds per encode and per decode.
struct Cost {
    what: &'static str,
    bytes: usize,
    encode_ns: f64,
    decode_ns: f64,
    /// How many times one commit encodes and decodes it across the 3 nodes.
    per_commit: (u32, u32),
}

fn time<T>(iters: usize, mut f: impl FnMut() -> T) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        black_box(f());
    }
    start.elapsed().as_nanos() as f64 / iters as f64
}

fn measure<T>(what: &'static str, value: &T, iters: usize, per_commit: (u32, u32)) -> Result<Cost>
where
    T: serde::Serialize + serde::de::DeserializeOwned,
{
    let bytes = serde_json::to_vec(value).map_err(|e| BenchError::Codec(e.to_string()))?;
    serde_json::from_slice::<T>(&bytes).map_err(|e| BenchError::Codec(e.to_string()))?;
    let encode_ns = time(iters, || serde_json::to_vec(value).map(|v| v.len()).unwrap_or(0));
    let decode_ns = time(iters, || serde_json::from_slice::<T>(&bytes).is_ok());
    Ok(Cost { what, bytes: bytes.len(), encode_ns, decode_ns, per_commit })
}

/// Parses `codec`'s arguments and runs it.
pub fn main(args: &[String]) -> Result<()> {
    let mut iters = 20_000usize;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--help" | "-h" => {
                println!("{CODEC_USAGE}");
                return Ok(());
            }
            "--iters" => {
                i += 1;
                let v = args.get(i).ok_or(BenchError::MissingValue { flag: "--iters".into() })?;
                iters = v
                    .parse::<usize>()
                    .map_err(|_| BenchError::BadArgument(format!("--iters: not a number: {v:?}")))?
                    .max(1);
            }
            other => {
                return Err(BenchError::UnexpectedArgument {
                    arg: other.into(),
                    usage: CODEC_USAGE,
                })
            }
        }
        i += 1;
    }
    run(iters)
}

fn run(iters: usize) -> Result<()> {
    let key = InstanceKey::new("db-0042.example.net", 3306)
        .map_err(|e| BenchError::Codec(e.to_string()))?;
    let proposal = Proposal::begin_downtime(key, "bench", "commit path", "10m")
        .map_err(|e| BenchError::Codec(e.to_string()))?;
    let env = proposal.stamp(1_780_000_000_000, 1, 0);
    let log_id = LogId::new(CommittedLeaderId::new(7, 1), 123_456);
    let entry: Entry<TypeConfig> = Entry { log_id, payload: EntryPayload::Normal(env) };
    let vote = Vote::new_committed(7, 1);
    let append = AppendEntriesRequest::<TypeConfig> {
        vote,
        prev_log_id: Some(LogId::new(CommittedLeaderId::new(7, 1), 123_455)),
        entries: vec![entry.clone()],
        leader_commit: Some(LogId::new(CommittedLeaderId::new(7, 1), 123_455)),
    };
    let commit = AppendEntriesRequest::<TypeConfig> {
        vote,
        prev_log_id: Some(log_id),
        entries: vec![],
        leader_commit: Some(log_id),
    };
    let answer = AppendEntriesResponse::<u64>::Success;

    // Per commit: every node writes the entry to its log (3 encodes; decoded only on replay);
    // the leader sends each follower the entry, then the new commit index (2 + 2 frames, each
    // decoded once), and each frame is answered (4 answers).
    let mut record = Vec::new();
    encode_entry(&entry, &mut record).map_err(|e| BenchError::Codec(e.to_string()))?;
    let costs = [
        measure("log entry", &entry, iters, (3, 0))?,
        measure("AppendEntries with the entry", &append, iters, (2, 2))?,
        measure("AppendEntries with the commit index", &commit, iters, (2, 2))?,
        measure("AppendEntries answer", &answer, iters, (4, 4))?,
    ];
    let record_ns = time(iters, || {
        record.clear();
        encode_entry(&entry, &mut record).is_ok()
    });

    println!("JSON per sequential commit, 3 nodes ({iters} repetitions each, one thread):");
    println!("| message | bytes | encode µs | decode µs | per commit (enc/dec) |");
    println!("| --- | --- | --- | --- | --- |");
    let mut total_ns = 0.0;
    for c in &costs {
        println!(
            "| {} | {} | {:.2} | {:.2} | {}/{} |",
            c.what,
            c.bytes,
            c.encode_ns / 1000.0,
            c.decode_ns / 1000.0,
            c.per_commit.0,
            c.per_commit.1
        );
        total_ns +=
            c.encode_ns * f64::from(c.per_commit.0) + c.decode_ns * f64::from(c.per_commit.1);
    }
    println!(
        "log record (entry + framing + CRC, as the log writer gets it): {} bytes, {:.2} µs",
        record.len(),
        record_ns / 1000.0
    );
    println!(
        "JSON per commit: {:.1} µs of the nodes' CPU: the most a binary encoding could save",
        total_ns / 1000.0
    );
    Ok(())
}
