//! Setup: a real ZooKeeper (Debian's `zookeeper` package, on a free port with its own data
//! dir), MariaDB star m + r1..r3 managed by 3 orchestrator nodes, each publishing to its own
//! chroot of that ZooKeeper (`/n0`, `/n1`, `/n2`), so that what each node wrote can be told
//! apart; all clusters aliased `shop`.
//! Expected: after discovery every chroot holds `/mysql/master/shop` = the master (and
//! `/hostname`, `/port`, `/ipv4`); after a real kill of the master the failover rewrites it to
//! the successor; a node that was down during the failover publishes the new value once it
//! restarts (its outbox survived).

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use server::testkit::fleet::{key, Fleet};
use server::testkit::ports::reserve_port;
use server::testkit::process::spawn_child;
use server::testkit::wait_for;
use zookeeper_client::{Acls, Client, CreateMode};

const DEADLINE: Duration = Duration::from_secs(60);
const ZK_JAR: &str = "/usr/share/java/zookeeper.jar";

/// A ZooKeeper server on `port`, killed when dropped.
struct ZooKeeper {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for ZooKeeper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `Some` when ZooKeeper and java are installed; skipped (printed) otherwise, except under CI.
fn zookeeper(test: &str) -> Option<ZooKeeper> {
    let missing = if !std::path::Path::new(ZK_JAR).is_file() {
        Some(format!("{ZK_JAR} is missing (Debian package zookeeper)"))
    } else if Command::new("java").arg("-version").output().is_err() {
        Some("java is missing".to_string())
    } else {
        None
    };
    if let Some(why) = missing {
        if std::env::var_os("CI").is_some() {
            panic!("{test}: {why}");
        }
        eprintln!("SKIPPED {test}: {why}");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = reserve_port().unwrap().leak();
    let mut cmd = Command::new("java");
    cmd.arg("-cp")
        .arg(format!("/etc/zookeeper/conf:{ZK_JAR}"))
        .arg("-Dzookeeper.admin.enableServer=false")
        .arg("org.apache.zookeeper.server.ZooKeeperServerMain")
        .arg(port.to_string())
        .arg(dir.path().join("data"))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let child = spawn_child(cmd).unwrap();
    Some(ZooKeeper { child, port, _dir: dir })
}

async fn connect(port: u16) -> Client {
    wait_for(DEADLINE, "ZooKeeper accepts a session", || async {
        Client::connect(&format!("127.0.0.1:{port}")).await.ok()
    })
    .await
}

async fn value(zk: &Client, path: &str) -> Option<String> {
    zk.get_data(path).await.ok().map(|(data, _)| String::from_utf8_lossy(&data).into_owned())
}

async fn wait_value(zk: &Client, path: &str, want: &str) {
    let what = format!("{path} = {want}");
    wait_for(DEADLINE, &what, || async {
        (value(zk, path).await.as_deref() == Some(want)).then_some(())
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn masters_are_published_to_zookeeper_through_raft() {
    let test = "masters_are_published_to_zookeeper_through_raft";
    let Some(zk_server) = zookeeper(test) else { return };
    let port = zk_server.port;
    let zk = connect(port).await;
    let options = CreateMode::Persistent.with_acls(Acls::anyone_all());
    for i in 0..3 {
        zk.create(&format!("/n{i}"), b"", &options).await.unwrap();
    }
    let extra = r#", "ClusterNameToAlias": {"127\\.0\\.0\\.1": "shop"}"#;
    let Some(mut f) = Fleet::star_with(test, 4, extra, |spec| {
        spec.node_extra(move |i, _| {
            let mut keys = serde_json::Map::new();
            keys.insert("ZkAddress".into(), format!("127.0.0.1:{port}/n{i}").into());
            keys
        })
    })
    .expect("start the fleet") else {
        return;
    };
    let leader = f.orc.wait_for_leader(&[0, 1, 2]).await;
    f.wait_discovered(0, 4).await;
    let master = key(&f.db[0]);
    for i in 0..3 {
        wait_value(&zk, &format!("/n{i}/mysql/master/shop"), &master).await;
        wait_value(&zk, &format!("/n{i}/mysql/master/shop/port"), &f.db[0].port().to_string())
            .await;
        wait_value(&zk, &format!("/n{i}/mysql/master/shop/hostname"), "127.0.0.1").await;
        wait_value(&zk, &format!("/n{i}/mysql/master/shop/ipv4"), "127.0.0.1").await;
    }

    // A follower is down during the failover.
    let away = (0..3).find(|i| *i != leader).unwrap();
    f.orc.kill9(away);
    f.db[0].kill9();
    let recovery = f.wait_resolved_recovery(leader).await;
    assert_eq!(recovery["IsSuccessful"], true, "{recovery}");
    let successor = Fleet::successor(&recovery);
    assert_ne!(successor, master);
    for i in (0..3).filter(|i| *i != away) {
        wait_value(&zk, &format!("/n{i}/mysql/master/shop"), &successor).await;
    }
    assert_eq!(
        value(&zk, &format!("/n{away}/mysql/master/shop")).await.as_deref(),
        Some(master.as_str()),
        "the node that is down has not published the new master"
    );

    // It publishes once it is back (from the replicated pairs and its own outbox).
    f.orc.spawn(away);
    wait_value(&zk, &format!("/n{away}/mysql/master/shop"), &successor).await;
    let port_of_successor = successor.rsplit_once(':').unwrap().1.to_string();
    wait_value(&zk, &format!("/n{away}/mysql/master/shop/port"), &port_of_successor).await;
    drop(zk_server);
}
