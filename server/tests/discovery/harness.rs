//! Test support: a `Prober` over a temporary SQLite store, and waiting on the store.

use std::sync::Arc;
use std::time::Duration;

use app::core::{CommandEnvelope, CommandOutcome, Instance, InstanceKey};
use server::clock::{Clock, SystemClock};
use server::config::{BackendConfig, DiscoveryConfig};
use server::probe::Prober;
use server::store::apply_tx::{self, ApplyTx};
use server::store::{replicated, Store};
use server::testkit::mariadb::{self, Sandbox, Server, ORC_PASSWORD, ORC_USER};
use server::testkit::wait_for;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Deadline for discovery conditions (generous: CI machines are shared).
pub const DEADLINE: Duration = Duration::from_secs(30);

/// A sandbox, or `None` (reason printed) when MariaDB is not installed.
pub fn sandbox() -> Option<Sandbox> {
    match mariadb::available() {
        Ok(()) => Some(Sandbox::new().expect("create sandbox")),
        Err(why) => {
            eprintln!("skipped: {why}");
            None
        }
    }
}

/// Discovery settings for the sandbox: its admin user, the given poll period, short timeouts.
pub fn config(poll: Duration) -> DiscoveryConfig {
    DiscoveryConfig {
        user: ORC_USER.into(),
        password: ORC_PASSWORD.into(),
        instance_poll: poll,
        connect_timeout: Duration::from_secs(2),
        read_timeout: Duration::from_secs(3),
        ..DiscoveryConfig::default()
    }
}

/// The instance key of a sandbox server.
pub fn key(server: &Server) -> InstanceKey {
    InstanceKey::new("127.0.0.1", server.port()).expect("key")
}

/// Unix ms now.
pub fn now_ms() -> i64 {
    SystemClock.now_ms()
}

/// A running prober and its store.
pub struct Discovery {
    pub store: Store,
    pub prober: Prober,
    shutdown: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
    _dir: tempfile::TempDir,
}

impl Discovery {
    /// Opens a fresh store, starts a prober on it and enqueues `seeds`.
    pub async fn start(config: DiscoveryConfig, seeds: &[InstanceKey]) -> Discovery {
        let dir = tempfile::tempdir().expect("tempdir");
        let backend = BackendConfig::Sqlite { path: dir.path().join("orc.db") };
        let store = Store::open(&backend, Duration::from_secs(5)).await.expect("open store");
        let prober = Prober::new(config, store.clone(), Arc::new(SystemClock));
        for seed in seeds {
            prober.enqueue(seed.clone());
        }
        let (shutdown, rx) = watch::channel(false);
        let task = Some(prober.start(rx));
        Discovery { store, prober, shutdown, task, _dir: dir }
    }

    /// What the store holds for `key`.
    pub async fn instance(&self, key: &InstanceKey) -> Option<Instance> {
        self.store.instance(key).await.expect("read instance")
    }

    /// Waits until `check` holds on the stored instance of `key`; returns it.
    pub async fn wait_instance(
        &self,
        key: &InstanceKey,
        what: &str,
        check: impl Fn(&Instance) -> bool,
    ) -> Instance {
        wait_for(DEADLINE, what, || async { self.instance(key).await.filter(|i| check(i)) }).await
    }

    /// Waits until every key is stored with a valid last check; returns them in key order.
    pub async fn wait_all_valid(&self, keys: &[InstanceKey]) -> Vec<Instance> {
        let what = format!("{} instances discovered and valid", keys.len());
        wait_for(DEADLINE, &what, || async {
            let all = self.store.all_instances().await.expect("all instances");
            let found: Vec<Instance> = keys
                .iter()
                .filter_map(|k| all.iter().find(|i| &i.key == k && i.is_last_check_valid).cloned())
                .collect();
            (found.len() == keys.len()).then_some(found)
        })
        .await
    }

    /// Stops the prober (the writer flushes first).
    pub async fn stop(mut self) {
        self.shutdown.send_replace(true);
        if let Some(task) = self.task.take() {
            let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
        }
    }
}

/// Runs `exercise` on a fresh SQLite store, then (when MariaDB is installed) on a fresh store on
/// a MariaDB backend (`BackendDB: mysql`).
pub async fn on_both_backends(exercise: impl AsyncFn(&Store)) {
    let dir = tempfile::tempdir().expect("temp dir");
    let sqlite = BackendConfig::Sqlite { path: dir.path().join("orchestrator.sqlite3") };
    let store = Store::open(&sqlite, Duration::from_secs(5)).await.expect("open SQLite store");
    exercise(&store).await;

    let Some(sb) = sandbox() else { return };
    let db = sb.backend_db("orchestrator").expect("backend database");
    let store = Store::open(&db.config(), Duration::from_secs(5)).await.expect("open MySQL store");
    exercise(&store).await;
}

/// Applies `env` as the state machine does: on SQLite through its synchronous handle, on MySQL
/// through sqlx.
pub async fn apply_as_the_state_machine(store: &Store, env: &CommandEnvelope) -> CommandOutcome {
    match store.sqlite_path() {
        Some(path) => {
            let mut handle = apply_tx::open_sqlite(path).expect("synchronous SQLite handle");
            replicated::apply(&mut ApplyTx::Sqlite(&mut handle), env).await.expect("apply")
        }
        None => {
            let mut conn = store.pool().acquire().await.expect("connection");
            replicated::apply(&mut ApplyTx::Sqlx(&mut conn), env).await.expect("apply")
        }
    }
}
