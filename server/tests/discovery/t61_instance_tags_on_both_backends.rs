//! Instance tags in the backend, SQLite and MariaDB (`BackendDB: mysql`): `put-instance-tag`
//! and `delete-instance-tag` applied as the state machine applies them, read back, dumped into
//! and restored from the replicated tables (snapshots), through each dialect's SQL.

use app::core::tag::{Tag, TagFilter, Untag};
use app::core::{CommandEnvelope, CommandOutcome, InstanceKey, Proposal};
use server::store::apply_tx::ApplyTx;
use server::store::{replicated, Store};

use crate::harness::{apply_as_the_state_machine, on_both_backends};

async fn apply(store: &Store, proposal: Proposal) -> CommandOutcome {
    let env: CommandEnvelope = proposal.stamp(1_000, 1, 0);
    apply_as_the_state_machine(store, &env).await
}

async fn exercise(store: &Store) {
    let a = InstanceKey::new("db-a", 3306).expect("key");
    let b = InstanceKey::new("db-b", 3306).expect("key");
    for (key, tag) in [(&a, "role=backup"), (&a, "role=reporting"), (&a, "flag"), (&b, "role=x")] {
        let p = Proposal::tag(key.clone(), tag).expect("valid tag");
        assert_eq!(apply(store, p).await, CommandOutcome::Applied);
    }
    let t = |n: &str, v: &str| Tag::new(n, v).expect("tag");
    assert_eq!(
        store.instance_tags(&a).await.expect("read"),
        [t("flag", ""), t("role", "reporting")]
    );

    let untag = Untag::new(None, TagFilter::parse("role=x").expect("filter")).expect("untag");
    let keys = untag.targets(&store.all_tags().await.expect("all"));
    assert_eq!(keys, std::slice::from_ref(&b));
    assert_eq!(apply(store, Proposal::untag(untag.clone(), keys)).await, CommandOutcome::Applied);
    let again = apply(store, Proposal::untag(untag, vec![b.clone()])).await;
    assert!(matches!(again, CommandOutcome::Unchanged { .. }), "{again:?}");
    assert!(store.instance_tags(&b).await.expect("read").is_empty());

    let mut tx = store.pool().begin().await.expect("transaction");
    let tables = replicated::dump(&mut tx).await.expect("dump");
    assert_eq!(tables.tags, [(a.clone(), t("flag", "")), (a.clone(), t("role", "reporting"))]);
    let mut emptied = tables.clone();
    emptied.tags.clear();
    replicated::restore(&mut ApplyTx::Sqlx(&mut tx), &emptied).await.expect("restore without tags");
    assert!(replicated::dump(&mut tx).await.expect("dump").tags.is_empty());
    replicated::restore(&mut ApplyTx::Sqlx(&mut tx), &tables).await.expect("restore");
    tx.commit().await.expect("commit");
    assert_eq!(store.all_tags().await.expect("all").len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instance_tags_on_sqlite_and_mysql_backends() {
    on_both_backends(exercise).await;
}
