//! One node's files and process.

use std::path::PathBuf;
use std::process::Child;

use super::NodeAddr;

/// A node: where it listens, its directory, config and log, and its process while it runs.
pub(super) struct Node {
    pub addr: NodeAddr,
    pub dir: PathBuf,
    pub config: PathBuf,
    pub log: PathBuf,
    pub child: Option<Child>,
}

impl Node {
    pub fn new(addr: NodeAddr, dir: PathBuf, config: PathBuf) -> Node {
        let log = dir.join("node.log");
        Node { addr, dir, config, log, child: None }
    }
}
