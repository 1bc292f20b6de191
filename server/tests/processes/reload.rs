//! Setup: one real node started from its config file.
//! Action: the file is edited (recovery filters and a hook changed, `InstancePollSeconds` too),
//! then `reload-configuration`; later the file is made invalid and reloaded again.
//! Expected: the filters take effect at once (`automated-recovery-filters`), the reply lists the
//! applied keys and names `InstancePollSeconds` as needing a restart; an invalid file changes
//! nothing and says which key is wrong.

use server::testkit::cluster::ClusterSpec;

fn edit(path: &std::path::Path, f: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>)) {
    let text = std::fs::read_to_string(path).unwrap();
    let mut value: serde_json::Value = serde_json::from_str(&text).unwrap();
    f(value.as_object_mut().unwrap());
    std::fs::write(path, serde_json::to_string_pretty(&value).unwrap()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reload_applies_recovery_keys_and_lists_the_rest() {
    let c = ClusterSpec::sqlite(1).extra(r#""RecoverMasterClusterFilters": ["shop"]"#).start();
    c.wait_for_leader(&[0]).await;
    let (_, before) = c.json(0, "/api/automated-recovery-filters").await;
    assert_eq!(before["Details"]["RecoverMasterClusterFilters"], serde_json::json!(["shop"]));

    edit(c.config(0), |keys| {
        keys.insert("RecoverMasterClusterFilters".into(), serde_json::json!(["*"]));
        keys.insert("PostFailoverProcesses".into(), serde_json::json!(["echo failed over"]));
        keys.insert("InstancePollSeconds".into(), serde_json::json!(2));
    });
    let (status, reply) = c.json(0, "/api/reload-configuration").await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(
        reply["Details"]["Applied"],
        serde_json::json!({"PostFailoverProcesses": ["echo failed over"], "RecoverMasterClusterFilters": ["*"]})
    );
    assert_eq!(reply["Details"]["Refused"], serde_json::json!(["InstancePollSeconds"]));
    assert!(
        reply["Message"].as_str().unwrap().contains("need a restart: InstancePollSeconds"),
        "{reply}"
    );
    let (_, after) = c.json(0, "/api/automated-recovery-filters").await;
    assert_eq!(after["Details"]["RecoverMasterClusterFilters"], serde_json::json!(["*"]));

    edit(c.config(0), |keys| {
        keys.insert("RecoverMasterClusterFilters".into(), serde_json::json!(["other"]));
        keys.insert("RecoveryPeriodBlockSeconds".into(), serde_json::json!("soon"));
    });
    let (status, reply) = c.json(0, "/api/reload-configuration").await;
    assert_eq!(status, 400, "{reply}");
    assert!(reply["Message"].as_str().unwrap().contains("RecoveryPeriodBlockSeconds"), "{reply}");
    let (_, unchanged) = c.json(0, "/api/automated-recovery-filters").await;
    assert_eq!(unchanged["Details"]["RecoverMasterClusterFilters"], serde_json::json!(["*"]));
}
