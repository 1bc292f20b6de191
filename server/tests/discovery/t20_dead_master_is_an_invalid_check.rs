//! (b) kill -9 of the master: its probes fail (invalid last check, last_seen frozen while
//! last_checked moves on) and its replicas are seen with the IO thread `Connecting`.

use std::time::Duration;

use app::core::instance::ThreadState;

use crate::harness::{config, key, now_ms, sandbox, Discovery};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_master_is_an_invalid_check() {
    let Some(sb) = sandbox() else { return };
    let s = sb.star(3).expect("start a 1+2 star");
    let (master, replicas) = s.split_first().expect("3 servers");
    let poll = Duration::from_secs(1);
    let d = Discovery::start(config(poll), &[key(master)]).await;
    d.wait_all_valid(&s.iter().map(key).collect::<Vec<_>>()).await;

    let killed_at = now_ms();
    master.kill9();
    let m =
        d.wait_instance(&key(master), "master's check invalid", |i| !i.is_last_check_valid).await;
    assert!(m.last_checked_ms > m.last_seen_ms, "{} vs {}", m.last_checked_ms, m.last_seen_ms);
    assert!(
        m.last_seen_ms <= killed_at + 1_000,
        "seen {} ms after the kill",
        m.last_seen_ms - killed_at
    );
    assert!(m.last_attempted_check_ms > m.last_seen_ms);
    assert_eq!(m.server_id, u64::from(master.id()), "the last good observation is kept");

    for r in replicas {
        let i = d
            .wait_instance(&key(r), "replica's IO thread Connecting", |i| {
                i.is_last_check_valid && i.slave_io_running == ThreadState::Connecting
            })
            .await;
        assert_eq!(i.slave_sql_running, ThreadState::Yes);
        // Usually 2003 (refused); 2013 when the dying server reset a reconnect mid-handshake.
        assert!(matches!(i.last_io_errno, 2003 | 2013), "{}: {}", i.last_io_errno, i.last_io_error);
        assert!(i.is_failing_to_connect_to_master(), "{}", i.last_io_error);
        assert_eq!(i.seconds_behind_master, None);
        assert_eq!(
            i.cluster_name,
            key(master).to_string(),
            "the cluster keeps its dead master's name"
        );
    }

    // Two more failed checks later, last_seen has still not moved.
    let first_failure = m.last_checked_ms;
    let later = d
        .wait_instance(&key(master), "two more failed checks", |i| {
            i.last_checked_ms >= first_failure + 2 * poll.as_millis() as i64
        })
        .await;
    assert!(!later.is_last_check_valid);
    assert_eq!(later.last_seen_ms, m.last_seen_ms);
    assert!(d.prober.stats().failures >= 3);
    d.stop().await;
}
