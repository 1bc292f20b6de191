//! Plain-text output from API JSON, line for line as orchestrator-client prints it: instance
//! keys as `host:port` one per line, the topology tree as the API draws it, `name,alias` for
//! clusters, `host:port (cluster X): Code` for replication analysis.

use serde_json::Value;

/// How a command turns its API answer into lines.
#[derive(Debug, Clone, Copy)]
pub enum Out {
    /// Nothing (the exit code says it all).
    Nothing,
    /// `.Key` of an instance object.
    Key,
    /// `.MasterKey` of an instance object (`:0` when it has no master, as the original).
    MasterKey,
    /// `.Key` of each instance in an array.
    Keys,
    /// `Details` as a key, or `Details.Key` when `Details` is an instance.
    DetailsKey,
    /// `Details.SuccessorKey` of a topology recovery.
    Successor,
    /// A bare JSON string, or `Details` when it is a string, else the envelope's `Message`.
    Text,
    /// A string field of an object (`ClusterName`, `ClusterAlias`).
    Field(&'static str),
    /// `.ClusterName` of each cluster-info entry.
    ClusterNames,
    /// `ClusterName,ClusterAlias` of each cluster-info entry.
    ClusterAliases,
    /// `host:port (cluster X): Analysis` for each replication-analysis entry.
    Analysis,
    /// `host:port<master:port` of the instance in `Details` (relocate).
    Relocated,
    /// `.Key` of each instance in the `Details` array (operations on several replicas).
    DetailsKeys,
    /// `Details` itself: a string or number as is, anything else as JSON.
    Details,
    /// Each string of the `Details` array on its own line.
    DetailsLines,
    /// `.Key` of an instance whose SQL and IO thread states are both `state` (1 running,
    /// 0 stopped); nothing otherwise (`is-replicating`, `is-replication-stopped`).
    KeyIfThreads(i64),
    /// `.Key` of each replica with a stopped thread and an error (`which-broken-replicas`).
    BrokenKeys,
    /// `.Key` of each instance whose SQL and IO threads both run
    /// (`which-cluster-osc-running-replicas`).
    RunningKeys,
    /// The most common `.DataCenter` of an instance list (ties: the first in name order).
    DominantDc,
    /// `Key:Value` of each pair in the `Details` array (`submit-masters-to-kv-stores`).
    KvPairs,
    /// Each string of an array, one per line (`tags`).
    Lines,
    /// `host:port` of each key in an array (`tagged`).
    KeyList,
    /// `host:port` of each key in the `Details` array (`untag`, `untag-all`).
    DetailsKeyList,
}

/// The lines to print for `value`, or what was missing from it.
pub fn render(out: Out, value: &Value) -> Result<Vec<String>, String> {
    match out {
        Out::Nothing => Ok(Vec::new()),
        Out::Key => Ok(vec![key(field(value, "Key")?)?]),
        Out::MasterKey => Ok(vec![key(field(value, "MasterKey")?)?]),
        Out::Keys => array(value)?.iter().map(|i| key(field(i, "Key")?)).collect(),
        Out::DetailsKey => {
            let details = field(value, "Details")?;
            Ok(vec![key(details.get("Key").unwrap_or(details))?])
        }
        Out::Successor => Ok(vec![key(field(field(value, "Details")?, "SuccessorKey")?)?]),
        Out::Text => Ok(text(value).into_iter().collect()),
        Out::Field(name) => Ok(vec![string(field(value, name)?)]),
        Out::ClusterNames => {
            array(value)?.iter().map(|c| Ok(string(field(c, "ClusterName")?))).collect()
        }
        Out::ClusterAliases => array(value)?
            .iter()
            .map(|c| {
                Ok(format!(
                    "{},{}",
                    string(field(c, "ClusterName")?),
                    string(field(c, "ClusterAlias")?)
                ))
            })
            .collect(),
        Out::Analysis => {
            let mut lines = Vec::new();
            for entry in array(field(value, "Details")?)? {
                if let Some(line) = analysis_line(entry)? {
                    lines.push(line);
                }
            }
            Ok(lines)
        }
        Out::DetailsKeys => {
            array(field(value, "Details")?)?.iter().map(|i| key(field(i, "Key")?)).collect()
        }
        Out::Details => {
            let details = string(field(value, "Details")?);
            Ok(if details.is_empty() { Vec::new() } else { vec![details] })
        }
        Out::DetailsLines => Ok(array(field(value, "Details")?)?.iter().map(string).collect()),
        Out::KeyIfThreads(state) => {
            let running = |name: &str| value.get(name).and_then(Value::as_i64) == Some(state);
            if running("ReplicationSQLThreadState") && running("ReplicationIOThreadState") {
                Ok(vec![key(field(value, "Key")?)?])
            } else {
                Ok(Vec::new())
            }
        }
        Out::BrokenKeys => {
            let mut keys = Vec::new();
            for i in array(value)? {
                let stopped = |name: &str| i.get(name) == Some(&Value::Bool(false));
                let error = |name: &str| i.get(name).is_some_and(|e| !string(e).is_empty());
                if (stopped("ReplicationSQLThreadRuning") || stopped("ReplicationIOThreadRuning"))
                    && (error("LastSQLError") || error("LastIOError"))
                {
                    keys.push(key(field(i, "Key")?)?);
                }
            }
            Ok(keys)
        }
        Out::RunningKeys => {
            let mut keys = Vec::new();
            for i in array(value)? {
                let running = |name: &str| i.get(name) == Some(&Value::Bool(true));
                if running("ReplicationSQLThreadRuning") && running("ReplicationIOThreadRuning") {
                    keys.push(key(field(i, "Key")?)?);
                }
            }
            Ok(keys)
        }
        Out::DominantDc => {
            let mut counts: std::collections::BTreeMap<String, usize> = Default::default();
            for i in array(value)? {
                *counts.entry(i.get("DataCenter").map(string).unwrap_or_default()).or_default() +=
                    1;
            }
            let best = counts.iter().max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)));
            Ok(best.map(|(dc, _)| dc.clone()).into_iter().collect())
        }
        Out::KvPairs => array(field(value, "Details")?)?
            .iter()
            .map(|p| Ok(format!("{}:{}", string(field(p, "Key")?), string(field(p, "Value")?))))
            .collect(),
        Out::Lines => Ok(array(value)?.iter().map(string).collect()),
        Out::KeyList => array(value)?.iter().map(key).collect(),
        Out::DetailsKeyList => array(field(value, "Details")?)?.iter().map(key).collect(),
        Out::Relocated => {
            let details = field(value, "Details")?;
            Ok(vec![format!(
                "{}<{}",
                key(field(details, "Key")?)?,
                key(field(details, "MasterKey")?)?
            )])
        }
    }
}

/// `host:port (cluster X): Code`; a `NoProblem` entry shows its first structure warning, or
/// nothing when it has none.
fn analysis_line(entry: &Value) -> Result<Option<String>, String> {
    let key = key(field(entry, "AnalyzedInstanceKey")?)?;
    let cluster = entry
        .get("ClusterDetails")
        .and_then(|d| d.get("ClusterName"))
        .map(string)
        .unwrap_or_default();
    let code = string(field(entry, "Analysis")?);
    let shown = if code == "NoProblem" {
        match entry.get("StructureAnalysis").and_then(|s| s.get(0)) {
            Some(warning) => string(warning),
            None => return Ok(None),
        }
    } else {
        code
    };
    Ok(Some(format!("{key} (cluster {cluster}): {shown}")))
}

/// Text of a reply: a bare string as is; an envelope's `Details` when it is a string (as the
/// original prints it), otherwise its `Message` (our server puts ids or null in `Details`).
fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.trim_end_matches('\n').to_string()),
        Value::Object(map) if map.contains_key("Details") || map.contains_key("Message") => {
            let message = map.get("Message").map(string).filter(|m| !m.is_empty());
            match map.get("Details").unwrap_or(&Value::Null) {
                Value::String(s) => Some(s.trim_end_matches('\n').to_string()),
                Value::Null => message,
                other => message.or_else(|| Some(other.to_string())),
            }
        }
        Value::Null => None,
        other => Some(other.to_string()),
    }
}

/// `Hostname:Port` of a key object.
fn key(value: &Value) -> Result<String, String> {
    if !value.is_object() {
        return Err(format!("expected an instance key, got {}", brief(value)));
    }
    let host = value.get("Hostname").map(string).unwrap_or_default();
    let port = value.get("Port").map(string).unwrap_or_else(|| "0".into());
    Ok(format!("{host}:{port}"))
}

fn field<'a>(value: &'a Value, name: &str) -> Result<&'a Value, String> {
    value.get(name).ok_or_else(|| format!("no {name} in {}", brief(value)))
}

fn array(value: &Value) -> Result<&Vec<Value>, String> {
    value.as_array().ok_or_else(|| format!("expected a list, got {}", brief(value)))
}

/// A scalar as text (strings without quotes; null as empty).
fn string(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// At most 120 characters of `value`, for error messages.
fn brief(value: &Value) -> String {
    let text = value.to_string();
    match text.char_indices().nth(120) {
        Some((cut, _)) => format!("{}...", &text[..cut]),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keys_text_and_analysis() {
        let inst = json!({"Key": {"Hostname": "db1", "Port": 3306}, "MasterKey": {"Hostname": "", "Port": 0}});
        assert_eq!(render(Out::Key, &inst).unwrap(), ["db1:3306"]);
        assert_eq!(render(Out::MasterKey, &inst).unwrap(), [":0"]);
        let env =
            json!({"Code": "OK", "Message": "m", "Details": {"Hostname": "db2", "Port": 3307}});
        assert_eq!(render(Out::DetailsKey, &env).unwrap(), ["db2:3307"]);
        assert_eq!(
            render(Out::Text, &json!({"Code": "OK", "Message": "done", "Details": null})).unwrap(),
            ["done"]
        );
        assert_eq!(render(Out::Text, &json!("127.0.0.1:10008")).unwrap(), ["127.0.0.1:10008"]);
        let analysis = json!({"Details": [
            {"AnalyzedInstanceKey": {"Hostname": "a", "Port": 1}, "ClusterDetails": {"ClusterName": "a:1"}, "Analysis": "DeadMaster"},
            {"AnalyzedInstanceKey": {"Hostname": "b", "Port": 2}, "ClusterDetails": {"ClusterName": "b:2"}, "Analysis": "NoProblem"}
        ]});
        assert_eq!(render(Out::Analysis, &analysis).unwrap(), ["a:1 (cluster a:1): DeadMaster"]);
        assert!(render(Out::Keys, &json!({"x": 1})).is_err());
    }

    #[test]
    fn operation_outputs() {
        let moved = json!({"Code": "OK", "Details": [{"Key": {"Hostname": "r1", "Port": 1}}, {"Key": {"Hostname": "r2", "Port": 2}}]});
        assert_eq!(render(Out::DetailsKeys, &moved).unwrap(), ["r1:1", "r2:2"]);
        assert_eq!(render(Out::Details, &json!({"Details": 30})).unwrap(), ["30"]);
        assert!(render(Out::Details, &json!({"Details": ""})).unwrap().is_empty());
        let statements = json!({"Details": ["STOP SLAVE IO_THREAD;", "SET x=1;"]});
        assert_eq!(render(Out::DetailsLines, &statements).unwrap().len(), 2);
        let running = json!({"Key": {"Hostname": "r", "Port": 3}, "ReplicationSQLThreadState": 1, "ReplicationIOThreadState": 1});
        assert_eq!(render(Out::KeyIfThreads(1), &running).unwrap(), ["r:3"]);
        assert!(render(Out::KeyIfThreads(0), &running).unwrap().is_empty());
        let replicas = json!([
            {"Key": {"Hostname": "a", "Port": 1}, "ReplicationSQLThreadRuning": false, "ReplicationIOThreadRuning": true, "LastSQLError": "dup", "LastIOError": ""},
            {"Key": {"Hostname": "b", "Port": 2}, "ReplicationSQLThreadRuning": false, "ReplicationIOThreadRuning": false, "LastSQLError": "", "LastIOError": ""}
        ]);
        assert_eq!(render(Out::BrokenKeys, &replicas).unwrap(), ["a:1"]);
        assert!(render(Out::RunningKeys, &replicas).unwrap().is_empty());
        let masters =
            json!([{"DataCenter": "east"}, {"DataCenter": "west"}, {"DataCenter": "west"}]);
        assert_eq!(render(Out::DominantDc, &masters).unwrap(), ["west"]);
    }
}
