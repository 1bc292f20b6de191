//! Node configs: the keys every node gets (raft, listeners, backend), then the extra keys.

use std::path::Path;

use serde_json::{Map, Value};

use super::{Backend, ClusterError, NodeAddr};

/// Extra config keys given as JSON object members (`"Key": value, ...`) or a whole object.
pub fn parse_extra(extra: &str) -> Result<Map<String, Value>, ClusterError> {
    let text = extra.trim();
    if text.is_empty() {
        return Ok(Map::new());
    }
    let object = if text.starts_with('{') { text.to_string() } else { format!("{{{text}}}") };
    match serde_json::from_str(&object) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err(ClusterError::Config(format!("not an object: {text}"))),
        Err(e) => Err(ClusterError::Config(format!("{e}: {text}"))),
    }
}

/// Everything one node's config file needs.
pub(super) struct NodeConfig<'a> {
    pub addr: &'a NodeAddr,
    pub raft_nodes: &'a [String],
    pub scheme: &'a str,
    pub dir: &'a Path,
    pub backend: &'a Backend,
}

impl NodeConfig<'_> {
    /// The config: raft and listener keys, backend keys, then `extra` (which overrides).
    pub fn json(&self, extra: &Map<String, Value>) -> Value {
        let NodeConfig { addr, raft_nodes, scheme, dir, backend } = self;
        let mut keys = Map::new();
        keys.insert("RaftEnabled".into(), true.into());
        keys.insert("RaftDataDir".into(), dir.join("raft").display().to_string().into());
        keys.insert("RaftBind".into(), addr.raft().into());
        keys.insert("RaftNodes".into(), raft_nodes.to_vec().into());
        keys.insert("ListenAddress".into(), addr.http().into());
        keys.insert("HTTPAdvertise".into(), format!("{scheme}://{}", addr.http()).into());
        keys.extend(backend.keys(dir));
        keys.extend(extra.clone());
        Value::Object(keys)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_keys_are_members_or_an_object() {
        let members =
            parse_extra(r#""ReadOnly": true, "InstancePollSeconds": 1"#).expect("members");
        assert_eq!(members.get("ReadOnly"), Some(&Value::Bool(true)));
        assert_eq!(parse_extra(r#"{"A": [1]}"#).expect("object").len(), 1);
        assert!(parse_extra("").expect("empty").is_empty());
        assert!(parse_extra(r#""A": "#).is_err());
    }

    #[test]
    fn extra_keys_override_the_defaults() {
        let addr = NodeAddr { host: "127.0.0.1".into(), raft_port: 1, http_port: 2 };
        let nodes = vec!["127.0.0.1:1".to_string()];
        let config = NodeConfig {
            addr: &addr,
            raft_nodes: &nodes,
            scheme: "http",
            dir: Path::new("/tmp/n0"),
            backend: &Backend::Sqlite,
        };
        let v = config.json(&parse_extra(r#""RaftEnabled": false"#).expect("extra"));
        assert_eq!(v["RaftEnabled"], false);
        assert_eq!(v["HTTPAdvertise"], "http://127.0.0.1:2");
        assert_eq!(v["SQLite3DataFile"], "/tmp/n0/orchestrator.db");
    }
}
