//! A `forget` applied through raft (a `forgotten_instance` row) removes the instance from this
//! node's discovery and store, and crawling from its master does not bring it back within the
//! forget window.

use std::time::Duration;

use server::testkit::wait_for;

use crate::harness::{config, key, now_ms, sandbox, Discovery, DEADLINE};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgotten_instance_is_not_rediscovered() {
    let Some(sb) = sandbox() else { return };
    let s = sb.star(2).expect("start a 1+1 star");
    let (master, replica) = (key(&s[0]), key(&s[1]));
    let poll = Duration::from_secs(1);
    let d = Discovery::start(config(poll), std::slice::from_ref(&master)).await;
    d.wait_all_valid(&[master.clone(), replica.clone()]).await;

    // What the state machine writes when it applies `Command::Forget`.
    sqlx::query(
        "INSERT INTO forgotten_instance (hostname, port, forgotten_at_ms) VALUES (?, ?, ?)",
    )
    .bind(&replica.hostname)
    .bind(i32::from(replica.port))
    .bind(now_ms())
    .execute(d.store.pool())
    .await
    .expect("record the forget");
    wait_for(DEADLINE, "the forgotten replica's row to go", || async {
        d.instance(&replica).await.is_none().then_some(())
    })
    .await;

    // The master keeps listing it as a replica; three more master probes must not bring it back.
    let m = d.instance(&master).await.expect("master stored");
    assert!(m.replica_hosts.contains(&replica));
    let after = m.last_checked_ms + 3 * poll.as_millis() as i64;
    d.wait_instance(&master, "three more master probes", |i| i.last_checked_ms >= after).await;
    assert!(d.instance(&replica).await.is_none(), "a forgotten instance was rediscovered");
    d.stop().await;
}
