//! Seeded simulation of the 3-node raft with the real log store, state machine and backend.
//!
//! Each seed starts three nodes in one process: the real `LogStore` on a simulated disk
//! (`disk.rs`: crashes drop, tear or reorder unsynced appends), the real `StateMachine` over a
//! real SQLite `Store`, and raft RPCs delivered by calling the peer's `Raft` handle (`net.rs`:
//! cut links, one-way cuts, loss, delays, crashed nodes). One `StdRng` seeded with the seed
//! drives ~40 steps of workload (begin-downtime commands through the leader) and faults
//! (crashes with torn disks, restarts, partitions); then everything heals and the run checks
//! (`run.rs`): no acknowledged command lost on any node, every node applied the same entry at
//! each index, no raft core stopped or panicked, equal replicated digests and applied indexes,
//! at most one leader per term (the inbox's `term_vote` rule; openraft alone would let a later
//! candidate with a greater node id win a term another node already won).
//! Where a real node refuses to start (a corrupt log, a refused `disk_state` verdict), the run
//! does what the operator is told to do, `reset-raft-state`, and says so in the trace.
//!
//! Replay is best-effort: a seed repeats the same schedule of steps, but tokio's real time,
//! SQLite's threads and the log writer threads make the interleaving differ from run to run.
//!
//! * `cargo test -p server --test simulation -- --test-threads=2 --nocapture` runs
//!   [`DEFAULT_SEEDS`] seeds, even ones in one test and odd ones in the other;
//! * `SIM_SEEDS=N` runs seeds `0..N`; `SIM_SEED=s` runs exactly seed `s`, `SIM_REPEAT=k` times
//!   (k copies at once, up to `SIM_PARALLEL`: a failure that depends on timing shows up again
//!   more often under the load it had in the full run);
//! * `SIM_PARALLEL=k` runs `k` seeds at once in each test (default [`DEFAULT_PARALLEL`]);
//! * `SIM_TRACE=1` prints the trace of passing seeds too;
//! * `SIM_LOG=openraft=debug,server=info` prints logs (tracing's env-filter syntax).
//!
//! A failure panics with `SEED <s> failed: <what>` and the run's trace.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod disk;
mod net;
mod node;
mod run;
mod trace;

use std::path::PathBuf;
use std::time::Instant;

use trace::Counters;

/// Seeds run by default (both tests together).
const DEFAULT_SEEDS: u64 = 400;
/// Seeds run at once by each test (the runs mostly wait on timers, not on the CPU).
const DEFAULT_PARALLEL: usize = 4;
/// A test stops after this many failing seeds.
const MAX_FAILURES: usize = 5;

/// The seeds of half `half` (0: even, 1: odd).
fn seeds(half: u64) -> Vec<u64> {
    if let Ok(s) = std::env::var("SIM_SEED") {
        let seed: u64 = s.trim().parse().expect("SIM_SEED must be a number");
        let repeat = std::env::var("SIM_REPEAT")
            .map(|s| s.trim().parse::<usize>().expect("SIM_REPEAT must be a number"))
            .unwrap_or(1);
        return if seed % 2 == half { vec![seed; repeat] } else { Vec::new() };
    }
    let n = std::env::var("SIM_SEEDS")
        .map(|s| s.trim().parse::<u64>().expect("SIM_SEEDS must be a number"))
        .unwrap_or(DEFAULT_SEEDS);
    (0..n).filter(|s| s % 2 == half).collect()
}

/// Where the runs' files go: RAM when available.
fn base_dir() -> PathBuf {
    let shm = PathBuf::from("/dev/shm");
    if shm.is_dir() {
        shm
    } else {
        std::env::temp_dir()
    }
}

fn init_logging() {
    if let Ok(filter) = std::env::var("SIM_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_test_writer()
            .try_init();
    }
}

fn run_half(half: u64) {
    init_logging();
    let seeds = seeds(half);
    if seeds.is_empty() {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let base = base_dir();
    let parallel = std::env::var("SIM_PARALLEL")
        .map(|s| s.trim().parse::<usize>().expect("SIM_PARALLEL must be a number"))
        .unwrap_or(DEFAULT_PARALLEL)
        .max(1);
    let total = Counters::default();
    let mut failures = Vec::new();
    let started = Instant::now();
    let mut ran = 0;
    runtime.block_on(async {
        let mut pending = seeds.iter().copied();
        let mut running = tokio::task::JoinSet::new();
        loop {
            while running.len() < parallel && failures.len() < MAX_FAILURES {
                let Some(seed) = pending.next() else { break };
                let base = base.clone();
                running.spawn(async move { run::run_seed(seed, &base).await });
            }
            let Some(done) = running.join_next().await else { break };
            let (counters, result) = done.expect("a seed's task panicked");
            total.absorb(&counters);
            ran += 1;
            if let Err(e) = result {
                eprintln!("{e}\n");
                failures.push(e);
            }
        }
    });
    let ran_for = started.elapsed();
    // Raft tasks of failed runs may still sleep in timers: do not wait for them.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    println!(
        "simulation ({} seeds): {ran} seeds ran in {:.1} s, {} failed; {}",
        if half == 0 { "even" } else { "odd" },
        ran_for.as_secs_f64(),
        failures.len(),
        total.summary()
    );
    if !failures.is_empty() {
        panic!("{}", failures.join("\n\n"));
    }
    // The checks compare something only if commands were acknowledged at all.
    if ran >= 10 {
        let acked = total.acked.load(std::sync::atomic::Ordering::Relaxed);
        assert!(
            acked >= ran as u64,
            "only {acked} commands acknowledged in {ran} seeds: the workload does not reach raft"
        );
    }
}

#[test]
fn simulation_even_seeds() {
    run_half(0);
}

#[test]
fn simulation_odd_seeds() {
    run_half(1);
}
