//! Hostname unresolve registrations and the node-local history, SQLite and MariaDB
//! (`BackendDB: mysql`): `register-hostname-unresolve` applied as the state machine applies it,
//! read back, dumped into and restored from the replicated tables; topology snapshots and the
//! analysis changelog (first code remembered, changes logged, old rows pruned), through each
//! dialect's SQL.

use app::core::{CommandEnvelope, CommandOutcome, InstanceKey, Proposal};
use server::store::apply_tx::ApplyTx;
use server::store::history_tables::TopologyRow;
use server::store::{replicated, Store};

use crate::harness::{apply_as_the_state_machine, on_both_backends};

async fn apply(store: &Store, proposal: Proposal, at_ms: i64) -> CommandOutcome {
    let env: CommandEnvelope = proposal.stamp(at_ms, 1, 0);
    apply_as_the_state_machine(store, &env).await
}

async fn exercise(store: &Store) {
    let a = InstanceKey::new("db-a", 3306).expect("key");
    let b = InstanceKey::new("db-b", 3306).expect("key");
    let p = Proposal::register_hostname_unresolve(a.clone(), "vip-a").expect("valid");
    assert_eq!(apply(store, p, 1_000).await, CommandOutcome::Applied);
    let p = Proposal::register_hostname_unresolve(b.clone(), "vip-b").expect("valid");
    assert_eq!(apply(store, p, 5_000).await, CommandOutcome::Applied);
    let names = |rows: Vec<app::core::unresolve::HostnameUnresolve>| -> Vec<String> {
        rows.into_iter().map(|u| format!("{}={}", u.hostname, u.unresolved_hostname)).collect()
    };
    assert_eq!(
        names(store.hostname_unresolves(0).await.expect("read")),
        ["db-a=vip-a", "db-b=vip-b"]
    );
    // Lapsed registrations are not read.
    assert_eq!(names(store.hostname_unresolves(2_000).await.expect("read")), ["db-b=vip-b"]);
    let p = Proposal::deregister_hostname_unresolve(b.clone());
    assert_eq!(apply(store, p, 6_000).await, CommandOutcome::Applied);
    assert_eq!(names(store.hostname_unresolves(0).await.expect("read")), ["db-a=vip-a"]);

    let mut tx = store.pool().begin().await.expect("transaction");
    let tables = replicated::dump(&mut tx).await.expect("dump");
    assert_eq!(tables.unresolves.len(), 1);
    let mut emptied = tables.clone();
    emptied.unresolves.clear();
    replicated::restore(&mut ApplyTx::Sqlx(&mut tx), &emptied)
        .await
        .expect("restore without registrations");
    assert!(replicated::dump(&mut tx).await.expect("dump").unresolves.is_empty());
    replicated::restore(&mut ApplyTx::Sqlx(&mut tx), &tables).await.expect("restore");
    tx.commit().await.expect("commit");
    assert_eq!(names(store.hostname_unresolves(0).await.expect("read")), ["db-a=vip-a"]);

    let rows = vec![
        TopologyRow {
            key: a.clone(),
            master: None,
            cluster_name: "db-a:3306".into(),
            version: "10.11".into(),
        },
        TopologyRow {
            key: b.clone(),
            master: Some(a.clone()),
            cluster_name: "db-a:3306".into(),
            version: "10.11".into(),
        },
    ];
    assert_eq!(store.snapshot_topologies(10_000, &rows).await.expect("snapshot"), 2);
    assert_eq!(store.snapshot_topologies(10_500, &rows).await.expect("same second"), 2);
    assert_eq!(store.snapshot_topologies(11_000, &rows).await.expect("snapshot"), 2);
    assert_eq!(store.topology_history_rows().await.expect("count"), 4);

    assert!(!store.record_analysis(&a, "NoProblem", 1_000).await.expect("first"));
    assert!(!store.record_analysis(&a, "NoProblem", 2_000).await.expect("same"));
    assert!(store.record_analysis(&a, "DeadMaster", 3_000).await.expect("change"));
    assert!(store.record_analysis(&a, "NoProblem", 9_000).await.expect("change"));
    let log = store.analysis_changelog().await.expect("changelog");
    assert_eq!(log, [(a.clone(), vec![(3_000, "DeadMaster".into()), (9_000, "NoProblem".into())])]);
    assert_eq!(store.prune_analysis_changelog(5_000).await.expect("prune"), 1);
    assert_eq!(store.analysis_changelog().await.expect("changelog")[0].1.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unresolve_and_history_on_sqlite_and_mysql_backends() {
    on_both_backends(exercise).await;
}
