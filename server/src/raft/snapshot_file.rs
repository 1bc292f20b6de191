//! The current snapshot on disk: `RaftDataDir/snapshots/current.json`, replaced atomically.

use std::io;
use std::path::{Path, PathBuf};

use openraft::{BasicNode, SnapshotMeta};
use serde::{Deserialize, Serialize};

use super::log_disk::replace_durably;
use crate::store::replicated::ReplicatedTables;

/// Snapshot format version written by this build.
pub const SNAPSHOT_VERSION: u16 = 1;

/// The bytes shipped to a lagging follower: the replicated tables, versioned.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SnapshotPayload {
    /// Format version.
    pub v: u16,
    /// Every replicated row.
    pub tables: ReplicatedTables,
}

/// What is kept on disk: the meta openraft needs plus the payload bytes.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredSnapshot {
    /// Last log id, membership and id of the snapshot.
    pub meta: SnapshotMeta<u64, BasicNode>,
    /// Serialized [`SnapshotPayload`].
    pub data: Vec<u8>,
}

/// The snapshot directory.
#[derive(Debug, Clone)]
pub struct SnapshotFiles {
    path: PathBuf,
}

impl SnapshotFiles {
    /// Uses (and creates) `dir/snapshots`.
    pub fn open(dir: &Path) -> io::Result<Self> {
        let snap_dir = dir.join(super::disk_state::SNAPSHOT_DIR);
        std::fs::create_dir_all(&snap_dir)?;
        Ok(SnapshotFiles { path: snap_dir.join("current.json") })
    }

    /// Reads the current snapshot, if any.
    pub fn read(&self) -> io::Result<Option<StoredSnapshot>> {
        match std::fs::read(&self.path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(io::Error::other),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Durably replaces the current snapshot.
    pub fn write(&self, snapshot: &StoredSnapshot) -> io::Result<()> {
        let bytes = serde_json::to_vec(snapshot).map_err(io::Error::other)?;
        replace_durably(&self.path, &bytes)
    }
}

/// Decodes payload bytes, refusing a format this build does not know.
pub fn decode_payload(bytes: &[u8]) -> io::Result<SnapshotPayload> {
    let payload: SnapshotPayload = serde_json::from_slice(bytes).map_err(io::Error::other)?;
    if payload.v > SNAPSHOT_VERSION {
        return Err(io::Error::other(format!(
            "snapshot format v{} is newer than this build (v{SNAPSHOT_VERSION})",
            payload.v
        )));
    }
    Ok(payload)
}
