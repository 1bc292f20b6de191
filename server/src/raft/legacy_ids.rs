//! Reads raft ids written before `single-term-leader`: rewrites openraft's old "advanced" leader
//! ids in JSON to the standard-Raft form this build uses, before decoding.
//!
//! Until this build, openraft ran with its default leader id, `(term, node_id)` with a total
//! order, serialised as `{"term":T,"node_id":N}` both inside a `LogId` and inside a `Vote`. With
//! `single-term-leader` (standard Raft, at most one leader per term):
//!
//! | where                         | old                                  | new                              |
//! |-------------------------------|--------------------------------------|----------------------------------|
//! | `LogId.leader_id` (committed) | `{"term":T,"node_id":N}`             | `T`                              |
//! | `Vote.leader_id`              | `{"term":T,"node_id":N}`             | `{"term":T,"voted_for":N}`       |
//!
//! A log id keeps its meaning: a committed leader id compares by term alone, and a log has at most
//! one entry per (term, index) either way. A vote keeps its candidate: dropping `voted_for` would
//! let the node vote twice in one term, so the vote's rewrite is exact.
//!
//! Only the places where openraft types are known to sit are rewritten ([`Shape`]); command
//! payloads inside entries are never touched. New-format JSON passes through unchanged.

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// Which openraft type a JSON value is, so the rewrite touches only its id fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// `LogId` or `Option<LogId>`.
    LogId,
    /// `Vote` or `Option<Vote>`.
    Vote,
    /// `Entry`: its `log_id`.
    Entry,
    /// `StoredMembership`: its `log_id`.
    StoredMembership,
    /// `SnapshotMeta`: `last_log_id` and `last_membership`.
    SnapshotMeta,
    /// The snapshot file (`snapshot_file::StoredSnapshot`): its `meta`.
    StoredSnapshot,
    /// `AppendEntriesRequest`.
    AppendEntriesRequest,
    /// `VoteRequest`.
    VoteRequest,
    /// `InstallSnapshotRequest`.
    InstallSnapshotRequest,
    /// `Result<AppendEntriesResponse, _>` as a peer answers it.
    AppendEntriesAnswer,
    /// `Result<VoteResponse, _>` as a peer answers it.
    VoteAnswer,
    /// `Result<InstallSnapshotResponse, _>` as a peer answers it.
    InstallSnapshotAnswer,
}

impl Shape {
    /// Rewrites every old-format id of this shape inside `v`, in place.
    pub fn normalise(self, v: &mut Value) {
        match self {
            Shape::LogId => log_id(v),
            Shape::Vote => vote(v),
            Shape::Entry | Shape::StoredMembership => field(v, "log_id", log_id),
            Shape::SnapshotMeta => snapshot_meta(v),
            Shape::StoredSnapshot => field(v, "meta", snapshot_meta),
            Shape::AppendEntriesRequest => {
                field(v, "vote", vote);
                field(v, "prev_log_id", log_id);
                field(v, "leader_commit", log_id);
                if let Some(Value::Array(entries)) = v.get_mut("entries") {
                    entries.iter_mut().for_each(|e| field(e, "log_id", log_id));
                }
            }
            Shape::VoteRequest => {
                field(v, "vote", vote);
                field(v, "last_log_id", log_id);
            }
            Shape::InstallSnapshotRequest => {
                field(v, "vote", vote);
                field(v, "meta", snapshot_meta);
            }
            Shape::AppendEntriesAnswer => field(v, "Ok", |ok| {
                field(ok, "HigherVote", vote);
                field(ok, "PartialSuccess", log_id);
            }),
            Shape::VoteAnswer => field(v, "Ok", |ok| {
                field(ok, "vote", vote);
                field(ok, "last_log_id", log_id);
            }),
            Shape::InstallSnapshotAnswer => field(v, "Ok", |ok| field(ok, "vote", vote)),
        }
    }

    /// Whether a direct decode of old-format JSON of this shape can succeed with a different
    /// meaning (a vote's missing `voted_for` reads as `None`), so it must always be rewritten.
    fn has_vote(self) -> bool {
        !matches!(
            self,
            Shape::LogId
                | Shape::Entry
                | Shape::StoredMembership
                | Shape::SnapshotMeta
                | Shape::StoredSnapshot
        )
    }
}

/// Decodes `bytes` as `T` of `shape`, accepting the old format.
///
/// Shapes without a vote are decoded directly first (an old committed leader id is an object
/// where a number is expected, so it never decodes by mistake) and rewritten only if that fails;
/// shapes with a vote are always rewritten first.
pub fn from_slice<T: DeserializeOwned>(bytes: &[u8], shape: Shape) -> serde_json::Result<T> {
    if !shape.has_vote() {
        if let Ok(value) = serde_json::from_slice(bytes) {
            return Ok(value);
        }
    }
    let mut value: Value = serde_json::from_slice(bytes)?;
    shape.normalise(&mut value);
    serde_json::from_value(value)
}

/// [`from_slice`] over text.
pub fn from_str<T: DeserializeOwned>(text: &str, shape: Shape) -> serde_json::Result<T> {
    from_slice(text.as_bytes(), shape)
}

fn field(v: &mut Value, name: &str, rewrite: impl FnOnce(&mut Value)) {
    if let Some(inner) = v.get_mut(name) {
        rewrite(inner);
    }
}

fn snapshot_meta(v: &mut Value) {
    field(v, "last_log_id", log_id);
    field(v, "last_membership", |m| field(m, "log_id", log_id));
}

/// The old advanced leader id's parts, if `v` is one.
fn advanced(v: &Map<String, Value>) -> Option<(Value, Value)> {
    if v.len() != 2 {
        return None;
    }
    Some((v.get("term")?.clone(), v.get("node_id")?.clone()))
}

/// `{"leader_id":{"term":T,"node_id":N},"index":I}` → `{"leader_id":T,"index":I}`.
fn log_id(v: &mut Value) {
    if let Some(leader) = v.get_mut("leader_id") {
        if let Some((term, _node)) = leader.as_object().and_then(advanced) {
            *leader = term;
        }
    }
}

/// `{"leader_id":{"term":T,"node_id":N},"committed":C}` →
/// `{"leader_id":{"term":T,"voted_for":N},"committed":C}`.
fn vote(v: &mut Value) {
    if let Some(leader) = v.get_mut("leader_id") {
        if let Some((term, node)) = leader.as_object().and_then(advanced) {
            let mut id = Map::new();
            id.insert("term".into(), term);
            id.insert("voted_for".into(), node);
            *leader = Value::Object(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use openraft::raft::{AppendEntriesRequest, AppendEntriesResponse, VoteRequest};
    use openraft::{CommittedLeaderId, Entry, LogId, SnapshotMeta, StoredMembership, Vote};
    use serde_json::json;

    use super::*;
    use crate::raft::TypeConfig;

    fn id(term: u64, index: u64) -> LogId<u64> {
        LogId::new(CommittedLeaderId::new(term, 0), index)
    }

    #[test]
    fn old_log_id_keeps_term_and_index() {
        let old = json!({"leader_id": {"term": 5, "node_id": 2}, "index": 10}).to_string();
        let got: LogId<u64> = from_str(&old, Shape::LogId).unwrap();
        assert_eq!(got, id(5, 10));
        let none: Option<LogId<u64>> = from_str("null", Shape::LogId).unwrap();
        assert_eq!(none, None);
    }

    #[test]
    fn new_format_passes_unchanged() {
        let new = serde_json::to_string(&id(5, 10)).unwrap();
        assert_eq!(new, r#"{"leader_id":5,"index":10}"#);
        assert_eq!(from_str::<LogId<u64>>(&new, Shape::LogId).unwrap(), id(5, 10));
        let vote = Vote::new(7u64, 3u64);
        let text = serde_json::to_string(&vote).unwrap();
        assert_eq!(text, r#"{"leader_id":{"term":7,"voted_for":3},"committed":false}"#);
        assert_eq!(from_str::<Vote<u64>>(&text, Shape::Vote).unwrap(), vote);
    }

    #[test]
    fn old_vote_keeps_its_candidate() {
        let old = json!({"leader_id": {"term": 7, "node_id": 42}, "committed": false}).to_string();
        // Decoded directly, the old vote would lose its candidate: the reason votes are always
        // rewritten first.
        let lossy: Vote<u64> = serde_json::from_str(&old).unwrap();
        assert_eq!(lossy.leader_id().voted_for(), None);
        let got: Vote<u64> = from_str(&old, Shape::Vote).unwrap();
        assert_eq!(got, Vote::new(7, 42));
        let committed = json!({"leader_id": {"term": 8, "node_id": 4}, "committed": true});
        let got: Vote<u64> = from_str(&committed.to_string(), Shape::Vote).unwrap();
        assert_eq!(got, Vote::new_committed(8, 4));
    }

    #[test]
    fn old_entry_membership_and_snapshot_meta() {
        let entry = json!({"log_id": {"leader_id": {"term": 3, "node_id": 9}, "index": 4},
                           "payload": "Blank"});
        let got: Entry<TypeConfig> = from_str(&entry.to_string(), Shape::Entry).unwrap();
        assert_eq!(got.log_id, id(3, 4));
        let membership = json!({"log_id": {"leader_id": {"term": 1, "node_id": 9}, "index": 1},
            "membership": {"configs": [[9]], "nodes": {"9": {"addr": "a:1"}}}});
        let got: StoredMembership<u64, openraft::BasicNode> =
            from_str(&membership.to_string(), Shape::StoredMembership).unwrap();
        assert_eq!(got.log_id(), &Some(id(1, 1)));
        let meta = json!({"last_log_id": {"leader_id": {"term": 2, "node_id": 9}, "index": 7},
            "last_membership": membership, "snapshot_id": "2-9-7"});
        let got: SnapshotMeta<u64, openraft::BasicNode> =
            from_str(&meta.to_string(), Shape::SnapshotMeta).unwrap();
        assert_eq!(got.last_log_id, Some(id(2, 7)));
        assert_eq!(got.last_membership.log_id(), &Some(id(1, 1)));
    }

    #[test]
    fn command_payloads_are_not_rewritten() {
        // A payload that happens to look like an old leader id stays as it is.
        let mut v = json!({"log_id": {"leader_id": 3, "index": 4},
                           "payload": {"Normal": {"leader_id": {"term": 1, "node_id": 2}}}});
        let before = v.clone();
        Shape::Entry.normalise(&mut v);
        assert_eq!(v, before);
    }

    #[test]
    fn old_rpc_messages() {
        let old_id = |t: u64, i: u64| json!({"leader_id": {"term": t, "node_id": 5}, "index": i});
        let append = json!({
            "vote": {"leader_id": {"term": 4, "node_id": 5}, "committed": true},
            "prev_log_id": old_id(4, 9), "leader_commit": old_id(3, 8),
            "entries": [{"log_id": old_id(4, 10), "payload": "Blank"}],
        });
        let got: AppendEntriesRequest<TypeConfig> =
            from_str(&append.to_string(), Shape::AppendEntriesRequest).unwrap();
        assert_eq!(got.vote, Vote::new_committed(4, 5));
        assert_eq!(got.prev_log_id, Some(id(4, 9)));
        assert_eq!(got.leader_commit, Some(id(3, 8)));
        assert_eq!(got.entries[0].log_id, id(4, 10));

        let vote = json!({"vote": {"leader_id": {"term": 6, "node_id": 5}, "committed": false},
                          "last_log_id": old_id(4, 10)});
        let got: VoteRequest<u64> = from_str(&vote.to_string(), Shape::VoteRequest).unwrap();
        assert_eq!((got.vote, got.last_log_id), (Vote::new(6, 5), Some(id(4, 10))));

        let higher = json!({"Ok": {"HigherVote": {"leader_id": {"term": 6, "node_id": 1},
                                                  "committed": false}}});
        let got: Result<AppendEntriesResponse<u64>, openraft::error::RaftError<u64>> =
            from_str(&higher.to_string(), Shape::AppendEntriesAnswer).unwrap();
        assert_eq!(got.unwrap(), AppendEntriesResponse::HigherVote(Vote::new(6, 1)));
    }
}
