//! Every command kind applied as the state machine applies it, on SQLite (its synchronous
//! handle) and on MariaDB (`BackendDB: mysql`, through sqlx): each backend gives the outcomes
//! and the replicated tables a fresh SQLite reference gives.

use server::config::BackendConfig;
use server::store::{replicated, Store};
use server::testkit::every_command::every_command_kind;

use crate::harness::{apply_as_the_state_machine, on_both_backends};

async fn dump(store: &Store) -> replicated::ReplicatedTables {
    let mut tx = store.pool().begin().await.expect("transaction");
    replicated::dump(&mut tx).await.expect("dump")
}

async fn exercise(store: &Store) {
    let dir = tempfile::tempdir().expect("temp dir");
    let reference = BackendConfig::Sqlite { path: dir.path().join("reference.sqlite3") };
    let reference = Store::open(&reference, std::time::Duration::from_secs(5))
        .await
        .expect("open the reference store");
    for env in every_command_kind().expect("samples") {
        let got = apply_as_the_state_machine(store, &env).await;
        let want = apply_as_the_state_machine(&reference, &env).await;
        assert_eq!(got, want, "{} on {:?}", env.command.op(), store.dialect());
    }
    let tables = dump(store).await;
    assert!(!tables.recovery.recoveries.is_empty() && !tables.operations.audit.is_empty());
    assert_eq!(tables, dump(&reference).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_command_kind_on_sqlite_and_mysql_backends() {
    on_both_backends(exercise).await;
}
