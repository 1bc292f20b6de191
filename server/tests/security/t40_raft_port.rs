//! A rogue process that knows every address but not the cluster's secret cannot vote, append
//! entries or install a snapshot: each RPC is refused (401 without the secret, 403 with a wrong
//! one) and no member's term, leader or replicated state changes. The same vote sent with the
//! secret does move the term — the secret is what stops the rogue. The AppendEntries stream's
//! upgrade is refused the same way, and with the secret it upgrades and raft answers its frames.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use app::core::{Command, CommandEnvelope};
use openraft::raft::{AppendEntriesRequest, InstallSnapshotRequest, VoteRequest};
use openraft::{
    CommittedLeaderId, Entry, EntryPayload, LogId, SnapshotMeta, StoredMembership, Vote,
};
use server::raft::TypeConfig;
use server::testkit::cluster::{Backend, ProcCluster};

use crate::support::{client, secret_file, send};

const SECRET: &str = "t40-peer-secret-0123456789abcdef";
const ROGUE: u64 = 4242;

/// (term, leader id) of node `i`.
async fn term_and_leader(c: &ProcCluster, i: usize) -> (u64, Option<u64>) {
    let (status, body) = c.get(i, "/api/raft-status").await;
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    (v["Term"].as_u64().unwrap(), v["LeaderId"].as_u64())
}

fn rogue_rpcs(term: u64) -> Vec<(&'static str, serde_json::Value)> {
    let vote = VoteRequest::<u64>::new(
        Vote::new(term + 100, ROGUE),
        Some(LogId::new(CommittedLeaderId::new(term + 99, ROGUE), 1_000_000)),
    );
    let env = CommandEnvelope::new(Command::DisableGlobalRecoveries, 1, ROGUE);
    let entry = Entry::<TypeConfig> {
        log_id: LogId::new(CommittedLeaderId::new(term + 100, ROGUE), 1_000_001),
        payload: EntryPayload::Normal(env),
    };
    let append = AppendEntriesRequest::<TypeConfig> {
        vote: Vote::new_committed(term + 100, ROGUE),
        prev_log_id: None,
        entries: vec![entry],
        leader_commit: Some(LogId::new(CommittedLeaderId::new(term + 100, ROGUE), 1_000_001)),
    };
    let snapshot = InstallSnapshotRequest::<TypeConfig> {
        vote: Vote::new_committed(term + 100, ROGUE),
        meta: SnapshotMeta {
            last_log_id: Some(LogId::new(CommittedLeaderId::new(term + 100, ROGUE), 2_000_000)),
            last_membership: StoredMembership::default(),
            snapshot_id: "rogue".into(),
        },
        offset: 0,
        data: b"{}".to_vec(),
        done: true,
    };
    vec![
        ("vote", serde_json::to_value(vote).unwrap()),
        ("append", serde_json::to_value(append).unwrap()),
        ("snapshot", serde_json::to_value(snapshot).unwrap()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rogue_node_cannot_vote_append_or_install_a_snapshot() {
    let secrets = tempfile::tempdir().unwrap();
    let secret = secret_file(secrets.path(), "raft.secret", SECRET);
    let c = ProcCluster::start(
        vec![Backend::Sqlite; 3],
        &format!(r#""RaftSecretFile": "{}""#, secret.display()),
    );
    let leader = c.wait_for_leader(&[0, 1, 2]).await;
    c.wait_converged(&[0, 1, 2]).await;
    let mut before = Vec::new();
    for i in 0..3 {
        before.push((term_and_leader(&c, i).await, c.digest(i).await));
    }
    let term = before[leader].0 .0;
    let rogue = client();
    for (i, port) in c.all().into_iter().map(|i| (i, c.raft_port(i))) {
        for (rpc, body) in rogue_rpcs(term) {
            let url = format!("http://127.0.0.1:{port}/raft/{rpc}");
            let (status, answer) = send(rogue.post(&url).json(&body)).await;
            assert_eq!(status, 401, "{rpc} without the secret to node {i}: {answer}");
            let wrong = rogue
                .post(&url)
                .header("x-orchestrator-peer-secret", "guessed-secret-0123456789abcdef")
                .json(&body);
            let (status, answer) = send(wrong).await;
            assert_eq!(status, 403, "{rpc} with a wrong secret to node {i}: {answer}");
        }
    }
    for i in c.all() {
        assert_eq!(stream_upgrade(c.raft_port(i), None).await.0, 401, "stream to node {i}");
        let wrong = Some("guessed-secret-0123456789abcdef");
        assert_eq!(stream_upgrade(c.raft_port(i), wrong).await.0, 403, "stream to node {i}");
    }
    // Members still talk to each other: a write commits everywhere.
    let (status, body) = c.get(leader, "/api/begin-downtime/db1/3306/ops/after-rogue").await;
    assert_eq!(status, 200, "{body}");
    c.wait_converged(&[0, 1, 2]).await;
    for (i, ((term_before, leader_before), _)) in before.iter().enumerate() {
        let (term_now, leader_now) = term_and_leader(&c, i).await;
        assert_eq!(
            (term_now, leader_now),
            (*term_before, *leader_before),
            "node {i}'s term or leader moved"
        );
    }
    let (_, downtimed) = c.get(leader, "/api/downtimed").await;
    assert!(downtimed.contains("after-rogue"), "{downtimed}");
    let (_, recoveries) = c.get(leader, "/api/check-global-recoveries").await;
    assert!(recoveries.contains("enabled"), "the rogue entry was not applied: {recoveries}");

    // Control: the secret is what stopped it — the same vote with the secret reaches raft, which
    // answers it (and refuses it on its own terms: a leader holds a lease).
    let follower = (leader + 1) % 3;
    let (_, vote) = rogue_rpcs(term).remove(0);
    let url = format!("http://127.0.0.1:{}/raft/vote", c.raft_port(follower));
    let (status, answer) =
        send(rogue.post(&url).header("x-orchestrator-peer-secret", SECRET).json(&vote)).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains("vote_granted"), "raft processed the vote: {answer}");

    // The stream with the secret upgrades, and raft answers an append of a stale term on it
    // (refused on raft's own terms: the follower knows a higher vote).
    let (status, mut tcp) = stream_upgrade(c.raft_port(follower), Some(SECRET)).await;
    assert_eq!(status, 101);
    let stale = AppendEntriesRequest::<TypeConfig> {
        vote: Vote::new_committed(0, ROGUE),
        prev_log_id: None,
        entries: vec![],
        leader_commit: None,
    };
    let body = serde_json::to_vec(&stale).unwrap();
    let mut frame = ((body.len() + 1) as u32).to_be_bytes().to_vec();
    frame.push(0);
    frame.extend_from_slice(&body);
    tcp.write_all(&frame).await.unwrap();
    let mut head = [0u8; 5];
    tcp.read_exact(&mut head).await.unwrap();
    let len = u32::from_be_bytes([head[0], head[1], head[2], head[3]]) as usize;
    let mut answer = vec![0u8; len - 1];
    tcp.read_exact(&mut answer).await.unwrap();
    let answer = String::from_utf8(answer).unwrap();
    assert_eq!(head[4], 1, "a raft answer frame: {answer}");
    assert!(answer.contains("HigherVote"), "raft refused the stale append: {answer}");
    let (term_now, _) = term_and_leader(&c, follower).await;
    assert_eq!(term_now, term, "a stale append moves no term");
    tokio::time::sleep(Duration::from_millis(50)).await;
}

/// `GET /raft/stream` with the upgrade headers (and the secret, if given): the status, and the
/// connection for frames after a 101.
async fn stream_upgrade(port: u16, secret: Option<&str>) -> (u16, tokio::net::TcpStream) {
    let mut tcp = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let secret = secret.map(|s| format!("x-orchestrator-peer-secret: {s}\r\n")).unwrap_or_default();
    let request = format!(
        "GET /raft/stream HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\nconnection: upgrade\r\n\
         upgrade: {}\r\n{secret}\r\n",
        server::raft::stream::PROTOCOL
    );
    tcp.write_all(request.as_bytes()).await.unwrap();
    // Read the response head byte by byte, so no frame byte after it is consumed.
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        assert_eq!(tcp.read(&mut byte).await.unwrap(), 1, "response head: {head:?}");
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    (status, tcp)
}
