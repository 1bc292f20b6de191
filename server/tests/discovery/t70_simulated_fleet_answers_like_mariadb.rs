//! The simulated fleet (`testkit::fleetsim`) is honest: a real MariaDB master and replica, and a
//! simulated pair given the same state (ids, version, binlog positions, GTID positions), are
//! read by the same prober into the same `Instance`s, keys aside. A column the simulator names
//! or fills differently from the real server makes the two differ.

use app::core::{Instance, InstanceKey};
use server::testkit::fleetsim::{FleetSim, FleetSpec, SimFlavor, SimServer};
use server::testkit::mariadb::wait_replicated;

use crate::harness::{config, key, sandbox, Discovery};

/// `0-1-3` → `(1, 3)`: the single domain-0 GTID of a fresh sandbox cluster.
fn gtid_parts(pos: &str) -> (u32, u64) {
    let parts: Vec<&str> = pos.split('-').collect();
    assert_eq!(parts.len(), 3, "one domain-0 GTID expected, got {pos:?}");
    (parts[1].parse().expect("server id"), parts[2].parse().expect("sequence"))
}

/// Gives the simulated server what the real one reported.
fn copy_state(sim: &mut SimServer, real: &Instance, cluster_gtid: &str) {
    sim.server_id = u32::try_from(real.server_id).expect("server id");
    sim.version.clone_from(&real.version);
    sim.version_comment.clone_from(&real.version_comment);
    sim.read_only = real.read_only;
    sim.log_slave_updates = real.log_slave_updates;
    sim.binlog_format = real.binlog_format.as_str().to_string();
    let own = real.self_binlog_coordinates.clone().expect("binary log on");
    sim.binlog = (own.file, own.pos);
    sim.gtid_source = (gtid_parts(cluster_gtid).0, String::new());
    sim.gtid_seq = gtid_parts(cluster_gtid).1;
}

pub(crate) fn rename(k: &InstanceKey, renames: &[(InstanceKey, InstanceKey)]) -> InstanceKey {
    renames.iter().find(|(from, _)| from == k).map_or_else(|| k.clone(), |(_, to)| to.clone())
}

/// The instance as JSON, with keys renamed to the real ones and timestamps cleared.
pub(crate) fn comparable(
    mut i: Instance,
    renames: &[(InstanceKey, InstanceKey)],
) -> serde_json::Value {
    i.key = rename(&i.key, renames);
    i.master_key = i.master_key.as_ref().map(|k| rename(k, renames));
    i.replica_hosts = i.replica_hosts.iter().map(|k| rename(k, renames)).collect();
    for (from, to) in renames {
        i.cluster_name = i.cluster_name.replace(&from.to_string(), &to.to_string());
        i.suggested_cluster_alias =
            i.suggested_cluster_alias.replace(&from.to_string(), &to.to_string());
    }
    i.last_checked_ms = 0;
    i.last_seen_ms = 0;
    i.last_attempted_check_ms = 0;
    i.self_binlog_unchanged_since_ms = None;
    serde_json::to_value(i).expect("instance as JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simulated_pair_reads_like_real_mariadb() {
    let Some(sb) = sandbox() else { return };
    let s = sb.star(2).expect("start a master and a replica");
    s[0].sql("CREATE DATABASE sim; CREATE TABLE sim.t (id INT PRIMARY KEY); INSERT INTO sim.t VALUES (1)")
        .expect("write on the master");
    wait_replicated(&s[0], [&s[1]]).expect("replica caught up");

    let d = Discovery::start(config(std::time::Duration::from_secs(60)), &[]).await;
    let real_master = d.prober.probe_now(key(&s[0])).await.expect("probe the real master");
    let real_replica = d.prober.probe_now(key(&s[1])).await.expect("probe the real replica");
    assert_eq!(real_replica.master_key, Some(key(&s[0])), "the real pair replicates");
    let cluster_gtid = real_master.executed_gtid_set.clone();

    let spec =
        FleetSpec { servers: 2, replicas: 1, flavor: SimFlavor::MariaDB, ..FleetSpec::default() };
    let sim = FleetSim::start(&spec).await.expect("start the simulated pair");
    let sim_master = sim.masters().pop().expect("a simulated master");
    let sim_replica = sim
        .state()
        .servers
        .keys()
        .find(|k| **k != sim_master)
        .cloned()
        .expect("a simulated replica");
    {
        let mut state = sim.state();
        let m = state.servers.get_mut(&sim_master).expect("sim master");
        copy_state(m, &real_master, &cluster_gtid);
        let r = state.servers.get_mut(&sim_replica).expect("sim replica");
        copy_state(r, &real_replica, &cluster_gtid);
    }
    let probed_master = d.prober.probe_now(sim_master.clone()).await.expect("probe the sim master");
    let probed_replica =
        d.prober.probe_now(sim_replica.clone()).await.expect("probe the sim replica");

    let renames = [(sim_master, key(&s[0])), (sim_replica, key(&s[1]))];
    assert_eq!(
        comparable(probed_master, &renames),
        comparable(real_master, &[]),
        "the simulated master reads like the real one"
    );
    assert_eq!(
        comparable(probed_replica, &renames),
        comparable(real_replica, &[]),
        "the simulated replica reads like the real one"
    );
    d.stop().await;
}
