//! The search's view: one instance found, with its cluster.

use serde::{Deserialize, Serialize};

use super::topology::InstanceBoxView;

/// One instance found, with its cluster.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InstanceHitView {
    /// The instance's box.
    pub instance: InstanceBoxView,
    /// Its cluster's name.
    pub cluster_name: String,
    /// Its cluster's alias.
    pub cluster_alias: String,
}
