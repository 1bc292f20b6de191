//! Tests of the test kit's MariaDB sandbox (`server::testkit::mariadb`) against real servers on
//! 127.0.0.1: replication in star and chain topologies, fault injection (kill -9, SIGSTOP),
//! restart, the orchestrator backend database, and that no server outlives its test.
//! Every test is skipped, with the reason printed, when MariaDB is not installed.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use server::testkit::mariadb::{self, wait_replicated, Sandbox, Server};
use server::testkit::Wait;

fn sandbox() -> Option<Sandbox> {
    match Sandbox::available() {
        Ok(()) => Some(Sandbox::new().expect("create sandbox")),
        Err(why) => {
            eprintln!("skipped: {why}");
            None
        }
    }
}

fn io_running(s: &Server) -> String {
    let status = s.slave_status().expect("SHOW SLAVE STATUS");
    status.get("Slave_IO_Running").cloned().unwrap_or_default()
}

/// Gone, or a zombie waiting for init (servers whose test process died are reparented).
fn process_gone(pid: u32) -> bool {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status.is_empty() || status.lines().any(|l| l.starts_with("State:") && l.contains('Z'))
}

#[test]
fn star_replicates_and_replicas_see_a_dead_master() {
    let Some(sb) = sandbox() else { return };
    let t0 = Instant::now();
    let s = sb.star(3).expect("start a 3-node star");
    eprintln!("3-node star up and replicating in {:?}", t0.elapsed());
    let (master, replicas) = s.split_first().expect("3 servers");

    assert_eq!(master.sql("SELECT @@read_only").expect("read_only"), "0");
    for r in replicas {
        let vars = r.sql("SELECT @@read_only, @@report_host, @@report_port, @@slave_net_timeout");
        let want = format!("1\t127.0.0.1\t{}\t{}", r.port(), mariadb::SLAVE_NET_TIMEOUT);
        assert_eq!(vars.expect("replica variables"), want);
        assert_ne!(r.port(), master.port());
    }
    let ids: Vec<String> =
        s.iter().map(|x| x.sql("SELECT @@server_id").expect("server_id")).collect();
    assert_eq!(ids, ["1", "2", "3"]);
    let via_tcp = master.sql_as(mariadb::ORC_USER, mariadb::ORC_PASSWORD, "SELECT @@port");
    assert_eq!(via_tcp.expect("orc over TCP"), master.port().to_string());

    master
        .sql("CREATE DATABASE d; CREATE TABLE d.t (id INT PRIMARY KEY, v VARCHAR(8)); INSERT INTO d.t VALUES (1,'a'),(2,'b'),(3,'c')")
        .expect("write on the master");
    wait_replicated(master, replicas).expect("replicated");
    for r in replicas {
        assert_eq!(r.sql("SELECT GROUP_CONCAT(v ORDER BY id) FROM d.t").expect("rows"), "a,b,c");
    }
    let hosts = master.sql("SHOW SLAVE HOSTS").expect("SHOW SLAVE HOSTS");
    for r in replicas {
        assert!(hosts.contains(&format!("\t127.0.0.1\t{}\t", r.port())), "{hosts}");
    }

    let pid = master.pid().expect("master pid");
    master.kill9();
    assert!(!master.is_running() && process_gone(pid), "killed and reaped");
    let t = Instant::now();
    Wait::new(Duration::from_secs(10), "replicas to report Connecting")
        .blocking_until(|| replicas.iter().all(|r| io_running(r) == "Connecting"))
        .expect("dead master seen");
    eprintln!("replicas saw the dead master after {:?}", t.elapsed());

    let port = master.port();
    master.restart().expect("restart the master");
    assert_eq!(master.port(), port);
    assert_eq!(master.sql("SELECT COUNT(*) FROM d.t").expect("rows after restart"), "3");
    Wait::new(Duration::from_secs(30), "replicas to reconnect")
        .blocking_until(|| replicas.iter().all(|r| io_running(r) == "Yes"))
        .expect("replicas reconnected");
    master.sql("INSERT INTO d.t VALUES (4,'d')").expect("write after restart");
    wait_replicated(master, replicas).expect("replicated after restart");
    for r in replicas {
        assert_eq!(r.sql("SELECT COUNT(*) FROM d.t").expect("rows"), "4");
    }
}

#[test]
fn chain_relays_and_an_orphan_can_be_relocated() {
    let Some(sb) = sandbox() else { return };
    let s = sb.start(3).expect("start 3 servers");
    sb.chain(&s[0], &s[1]).expect("n1 -> n2");
    sb.chain(&s[1], &s[2]).expect("n2 -> n3");
    s[0].sql(
        "CREATE DATABASE c; CREATE TABLE c.t (id INT PRIMARY KEY); INSERT INTO c.t VALUES (1)",
    )
    .expect("write on the top master");
    wait_replicated(&s[0], &s[1..]).expect("replicated through the chain");
    assert_eq!(s[2].sql("SELECT COUNT(*) FROM c.t").expect("rows on n3"), "1");
    let status = s[2].slave_status().expect("n3 status");
    assert_eq!(status.get("Master_Port"), Some(&s[1].port().to_string()));

    s[1].kill9();
    Wait::new(Duration::from_secs(10), "n3 to see n2 die")
        .blocking_until(|| io_running(&s[2]) == "Connecting")
        .expect("intermediate master death seen");
    s[2].replicate_from(&s[0]).expect("relocate n3 under n1");
    s[0].sql("INSERT INTO c.t VALUES (2)").expect("write");
    wait_replicated(&s[0], [&s[2]]).expect("n3 replicates from n1");
    assert_eq!(s[2].sql("SELECT COUNT(*) FROM c.t").expect("rows on n3"), "2");
}

#[test]
fn stop_kill_and_restart_keep_port_and_data() {
    let Some(sb) = sandbox() else { return };
    let s = sb.start(1).expect("start").pop().expect("one server");
    let port = s.port();
    s.sql("CREATE DATABASE r; CREATE TABLE r.t (id INT PRIMARY KEY); INSERT INTO r.t VALUES (1)")
        .expect("write");
    s.stop().expect("graceful stop");
    assert!(!s.is_running() && s.pid().is_none());
    assert!(s.sql("SELECT 1").is_err(), "a stopped server must not answer");
    s.restart().expect("restart after stop");
    assert_eq!((s.port(), s.sql("SELECT COUNT(*) FROM r.t").expect("rows").as_str()), (port, "1"));
    s.kill9();
    s.restart().expect("restart after kill -9 (crash recovery)");
    assert_eq!(
        s.sql_as(mariadb::ORC_USER, mariadb::ORC_PASSWORD, "SELECT COUNT(*) FROM r.t")
            .expect("rows"),
        "1"
    );
}

#[test]
fn sigstop_hangs_the_master_until_sigcont() {
    let Some(sb) = sandbox() else { return };
    let s = sb.star(2).expect("start a 2-node star");
    s[0].sigstop().expect("SIGSTOP");
    assert!(s[0].is_running(), "a stopped process is still running");
    let t = Instant::now();
    Wait::new(Duration::from_secs(20), "the replica to give up on the hung master")
        .blocking_until(|| io_running(&s[1]) != "Yes")
        .expect("hung master noticed");
    eprintln!("replica noticed the hung master after {:?}", t.elapsed());
    s[0].sigcont().expect("SIGCONT");
    Wait::new(Duration::from_secs(30), "the replica to reconnect")
        .blocking_until(|| io_running(&s[1]) == "Yes")
        .expect("reconnected");
    s[0].sql("CREATE DATABASE h").expect("write after SIGCONT");
    wait_replicated(&s[0], &s[1..]).expect("replicated after SIGCONT");
}

#[test]
fn backend_db_grants_the_orchestrator_user_its_database_only() {
    let Some(sb) = sandbox() else { return };
    let db = sb.backend_db("orchestrator_test").expect("backend db");
    assert_eq!(
        db.url(),
        format!("mysql://orchestrator:orch_pass@127.0.0.1:{}/orchestrator_test", db.port)
    );
    let q = "CREATE TABLE orchestrator_test.t (id INT); INSERT INTO orchestrator_test.t VALUES (7); SELECT id FROM orchestrator_test.t";
    assert_eq!(db.server.sql_as(&db.user, &db.password, q).expect("use own database"), "7");
    assert!(db.server.sql_as(&db.user, &db.password, "CREATE DATABASE other").is_err());
}

#[test]
fn dropping_servers_kills_reaps_and_removes_them_even_on_panic() {
    let Some(sb) = sandbox() else { return };
    let s = sb.start(2).expect("start 2");
    let pids: Vec<u32> = s.iter().map(|x| x.pid().expect("pid")).collect();
    let dirs: Vec<_> = s.iter().map(|x| x.dir().to_path_buf()).collect();
    drop(s);
    assert!(pids.iter().all(|&p| process_gone(p)) && dirs.iter().all(|d| !d.exists()));

    let (tx, rx) = std::sync::mpsc::channel();
    let panicked = std::thread::scope(|scope| {
        scope
            .spawn(|| {
                let s = sb.start(1).expect("start 1");
                tx.send(s[0].pid().expect("pid")).expect("send pid");
                panic!("deliberate panic with a running server");
            })
            .join()
            .is_err()
    });
    assert!(panicked && process_gone(rx.recv().expect("pid")), "server killed during unwinding");
    let base = sb.dir().to_path_buf();
    drop(sb);
    assert!(!base.exists());
}

const HELPER_ENV: &str = "ORC_MDB_SANDBOX_HELPER";

#[test]
#[ignore = "helper process for servers_die_with_a_killed_test_process"]
fn helper_holds_a_server_until_killed() {
    if std::env::var_os(HELPER_ENV).is_none() {
        return;
    }
    let sb = Sandbox::new().expect("sandbox");
    let s = sb.start(1).expect("start");
    println!("PID {}", s[0].pid().expect("pid"));
    loop {
        std::thread::park();
    }
}

#[test]
fn servers_die_with_a_killed_test_process() {
    let Some(sb) = sandbox() else { return };
    let exe = std::env::current_exe().expect("test binary");
    let mut child = Command::new(exe)
        .args(["--exact", "helper_holds_a_server_until_killed", "--ignored", "--nocapture"])
        .env(HELPER_ENV, "1")
        .stdout(Stdio::piped())
        .spawn()
        .expect("spawn helper");
    let stdout = child.stdout.take().expect("stdout");
    let line = BufReader::new(stdout).lines().map_while(Result::ok).find(|l| l.starts_with("PID "));
    child.kill().expect("kill -9 the helper");
    child.wait().expect("reap the helper");
    let pid: u32 = line.expect("helper printed its server pid")[4..].parse().expect("pid");
    Wait::new(Duration::from_secs(10), "the orphaned server to die")
        .blocking_until(|| process_gone(pid))
        .expect("no stray mariadbd");
    drop(Sandbox::new().expect("a new sandbox sweeps stale dirs"));
    let root = sb.dir().parent().expect("scratch root").to_path_buf();
    let prefix = format!("orc-mdb-{}-", child.id());
    let left: Vec<_> = std::fs::read_dir(&root)
        .expect("ls")
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .collect();
    assert!(left.is_empty(), "stale dirs of the killed process in {}", Path::new(&root).display());
}
