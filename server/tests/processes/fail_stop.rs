//! Setup: three real nodes on SQLite holding 300 downtimes.
//! Fault: while a follower runs, every page of its `orchestrator.db` after the first is
//! overwritten with garbage (a disk going bad under a running node).
//! Expected: the node finds the damage (at its next read of a damaged page, or at its periodic
//! `quick_check`) and stops itself: a non-zero exit and a `FATAL: node must stop` line naming
//! the corruption, never a node that goes on answering with broken data; the two others keep
//! committing.

use std::io::{Seek, SeekFrom, Write};
use std::time::Duration;

use server::testkit::cluster::ClusterSpec;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_running_node_whose_backend_goes_bad_stops_itself() {
    let mut c = ClusterSpec::sqlite(3).start();
    let all = c.all();
    let leader = c.wait_for_leader(&all).await;
    for n in 0..300 {
        let (status, body) =
            c.get(leader, &format!("/api/begin-downtime/db-{n}/3306/ops/fail-stop/1h")).await;
        assert_eq!(status, 200, "{body}");
    }
    c.wait_converged(&all).await;
    let victim = all.iter().copied().find(|i| *i != leader).unwrap();

    let db = c.node_dir(victim).join("orchestrator.db");
    let len = std::fs::metadata(&db).unwrap().len();
    assert!(len > 8 * 4096, "a database of several pages, got {len} bytes");
    let mut file = std::fs::OpenOptions::new().write(true).open(&db).unwrap();
    file.seek(SeekFrom::Start(4096)).unwrap();
    let garbage: Vec<u8> = (0..len - 4096).map(|i| (i * 7 + 13) as u8).collect();
    file.write_all(&garbage).unwrap();
    file.sync_all().unwrap();
    drop(file);

    // Writes keep the victim applying (reading damaged pages); its integrity check runs every
    // 30 s at the latest.
    let rest: Vec<usize> = all.iter().copied().filter(|i| *i != victim).collect();
    for n in 0..50 {
        let (status, body) =
            c.get(leader, &format!("/api/begin-downtime/after-{n}/3306/ops/fail-stop/1h")).await;
        assert_eq!(status, 200, "{body}");
    }
    let status = c.wait_exit(victim, Duration::from_secs(60)).await;
    assert!(!status.success(), "a node with a damaged backend must exit non-zero, got {status}");
    let log = std::fs::read_to_string(c.log(victim)).unwrap_or_default();
    assert!(log.contains("FATAL: node must stop"), "a clear log line expected:\n{log}");
    assert!(
        log.contains("malformed") || log.contains("corrupt") || log.contains("quick_check"),
        "the line names the corruption:\n{log}"
    );

    let new_leader = c.wait_for_leader(&rest).await;
    let (status, body) = c.get(new_leader, "/api/begin-downtime/db-last/3306/ops/after/1h").await;
    assert_eq!(status, 200, "{body}");
}
