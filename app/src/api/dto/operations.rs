//! The topology operations' view: what a drag-and-drop move would do.

use serde::{Deserialize, Serialize};

/// What moving `instance` below `below` would do, as the serving node sees the topology.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MovePlanView {
    /// `host:port` moved.
    pub instance: String,
    /// `host:port` of the new master.
    pub below: String,
    /// The method in words (GTID, binlog coordinates…), when the move is possible.
    pub method: Option<String>,
    /// Why it is refused, when it is.
    pub refusal: Option<String>,
}
