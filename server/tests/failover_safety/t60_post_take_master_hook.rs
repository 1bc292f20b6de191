//! Setup: MariaDB chain m → im → r (GTID); `PostTakeMasterProcesses` writes its placeholders to
//! a file.
//! Action: `take-master` on r.
//! Expected: im replicates from r, and the hook ran with r as successor and im as the demoted
//! master.

use server::testkit::fleet::{master_port, Fleet, DEADLINE};
use server::testkit::mariadb::Sandbox;
use server::testkit::{wait_until, Wait};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn post_take_master_hook_runs() {
    if let Err(why) = Sandbox::available() {
        eprintln!("SKIPPED post_take_master_hook_runs: MariaDB is not installed ({why})");
        return;
    }
    let sandbox = Sandbox::new().unwrap();
    let db = sandbox.start(3).unwrap();
    sandbox.chain(&db[0], &db[1]).unwrap();
    sandbox.chain(&db[1], &db[2]).unwrap();
    let file = sandbox.dir().join("take-master.log");
    let extra = format!(
        r#", "PostTakeMasterProcesses": ["echo {{successorPort}} {{failedPort}} >> {}"]"#,
        file.display()
    );
    let f = Fleet::manage(sandbox, db, 2, &extra);
    let leader = f.orc.wait_for_leader(&[0, 1, 2]).await;
    f.wait_discovered(0, 3).await;
    let (s, b) = f.orc.get(leader, &format!("/api/take-master/127.0.0.1/{}", f.db[2].port())).await;
    assert_eq!(s, 200, "{b}");
    wait_until(DEADLINE, "im under r", || async { master_port(&f.db[1]) == Some(f.db[2].port()) })
        .await;
    let want = format!("{} {}", f.db[2].port(), f.db[1].port());
    Wait::new(DEADLINE, "the hook wrote its line")
        .until(|| async { std::fs::read_to_string(&file).is_ok_and(|t| t.trim() == want) })
        .await
        .unwrap();
}
