//! The observed-instance store on a MariaDB backend (`BackendDB: mysql`): the same upserts,
//! reads and deletions as on SQLite, through the MySQL dialect's SQL.

use std::time::Duration;

use app::core::{Instance, InstanceKey};
use server::store::Store;

use crate::harness::sandbox;

fn observed(name: &str, at: i64, valid: bool) -> Instance {
    let mut i = Instance::new(InstanceKey::new(name, 3306).expect("key"));
    i.cluster_name = "m:3306".into();
    (i.last_checked_ms, i.last_attempted_check_ms, i.is_last_check_valid) = (at, at, valid);
    if valid {
        (i.last_seen_ms, i.server_id) = (at, 9);
    }
    i
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observed_store_on_a_mysql_backend() {
    let Some(sb) = sandbox() else { return };
    let db = sb.backend_db("orchestrator").expect("backend database");
    let backend = db.config();
    let store = Store::open(&backend, Duration::from_secs(5)).await.expect("open MySQL store");
    store
        .write_batch(&[observed("m", 1_000, true), observed("gone", 500, false)])
        .await
        .expect("write");
    store.write_batch(&[observed("m", 2_000, false)]).await.expect("write failure");
    let key = InstanceKey::new("m", 3306).expect("key");
    store.mark_attempt(std::slice::from_ref(&key), 3_000).await.expect("mark attempt");
    let m = store.instance(&key).await.expect("read").expect("row");
    assert_eq!(
        (m.server_id, m.last_seen_ms, m.last_checked_ms, m.last_attempted_check_ms),
        (9, 1_000, 2_000, 3_000)
    );
    assert!(!m.is_last_check_valid);
    assert_eq!(m.cluster_name, "m:3306");
    let forgotten = store.forget_unseen(800).await.expect("forget unseen");
    assert_eq!(forgotten, vec![InstanceKey::new("gone", 3306).expect("key")]);
    assert!(store.forget(&key).await.expect("forget"));
    assert!(store.all_instances().await.expect("all").is_empty());
}
