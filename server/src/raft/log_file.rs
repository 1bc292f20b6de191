//! On-disk format of the raft log: length- and CRC-framed records in sealed groups.
//!
//! A record is `len: u32 LE | crc32: u32 LE | kind: u8 | payload` where `len` counts
//! `kind + payload`. The log writer appends records in groups, one group per write and
//! fdatasync, and ends each group with a *seal* record: the group's start offset and the CRC of
//! every byte from there to the seal. The file is only ever appended to (and rewritten whole,
//! sealed, by compaction), so after a crash only the last group can be damaged — in any way the
//! disk likes, torn, cut short or with an earlier block lost while a later one arrived — and that
//! group was never acknowledged, because acknowledgement waits for the sync. Replay
//! (`log_replay`) keeps the sealed groups and cuts the rest; damage followed by a sealed group is
//! corruption of acknowledged data and stops the node, naming the offset.
//!
//! Files written before seals existed hold no seal; they replay by the older rule (only an
//! incomplete final record is a torn tail) and get a seal over their whole content when opened.

use std::collections::BTreeMap;

use openraft::{Entry, LogId};
use thiserror::Error;

use super::TypeConfig;

/// Bytes of a record header (`len | crc32`).
pub(super) const HEADER: usize = 8;
pub(super) const KIND_ENTRY: u8 = 1;
pub(super) const KIND_TRUNCATE: u8 = 2;
pub(super) const KIND_PURGE: u8 = 3;
pub(super) const KIND_SEAL: u8 = 4;
/// `len` of a seal record: kind + start (u64) + crc32 (u32).
pub(super) const SEAL_LEN: usize = 13;

/// What the log holds in memory: every entry not yet purged, and the last purged id.
#[derive(Debug, Default, Clone)]
pub struct LogContents {
    /// Entries by index.
    pub entries: BTreeMap<u64, Entry<TypeConfig>>,
    /// Highest purged log id.
    pub last_purged: Option<LogId<u64>>,
}

impl LogContents {
    /// Appends (or overwrites from) an entry, dropping anything at or after its index first.
    pub fn insert(&mut self, entry: Entry<TypeConfig>) {
        let index = entry.log_id.index;
        let _ = self.entries.split_off(&index);
        self.entries.insert(index, entry);
    }

    /// Removes entries with index >= `index`.
    pub fn truncate(&mut self, index: u64) {
        let _ = self.entries.split_off(&index);
    }

    /// Removes entries up to and including `log_id.index`.
    pub fn purge(&mut self, log_id: LogId<u64>) {
        self.entries = self.entries.split_off(&(log_id.index + 1));
        if self.last_purged.is_none_or(|p| p.index < log_id.index) {
            self.last_purged = Some(log_id);
        }
    }
}

/// A record decoded from the file.
#[derive(Debug)]
pub enum Record {
    /// An appended entry.
    Entry(Box<Entry<TypeConfig>>),
    /// Entries at or after this index were removed.
    Truncate(u64),
    /// Entries up to this id were removed.
    Purge(LogId<u64>),
    /// Ends a group that starts at byte offset `start`, whose bytes up to here have CRC `crc`.
    Seal {
        /// Byte offset of the group's first record.
        start: u64,
        /// CRC-32 of the group's bytes (before the seal).
        crc: u32,
    },
}

impl LogContents {
    /// Applies one replayed record (a seal changes nothing).
    pub fn apply(&mut self, record: Record) {
        match record {
            Record::Entry(entry) => self.insert(*entry),
            Record::Truncate(index) => self.truncate(index),
            Record::Purge(log_id) => self.purge(log_id),
            Record::Seal { .. } => {}
        }
    }
}

/// Why a log file cannot be read.
#[derive(Debug, Error)]
pub enum LogFileError {
    /// A record in the middle of the file fails its checksum, or does not decode.
    #[error("raft log is corrupt at byte offset {offset}: {reason}")]
    Corrupt {
        /// Byte offset of the bad record.
        offset: usize,
        /// What was wrong.
        reason: String,
    },
    /// A record could not be encoded.
    #[error("cannot encode raft log record: {0}")]
    Encode(String),
}

/// Encodes an entry record and appends it to `out`.
pub fn encode_entry(entry: &Entry<TypeConfig>, out: &mut Vec<u8>) -> Result<(), LogFileError> {
    let payload = serde_json::to_vec(entry).map_err(|e| LogFileError::Encode(e.to_string()))?;
    frame(KIND_ENTRY, &payload, out);
    Ok(())
}

/// Encodes a truncate marker.
pub fn encode_truncate(index: u64, out: &mut Vec<u8>) {
    frame(KIND_TRUNCATE, &index.to_le_bytes(), out);
}

/// Encodes a purge marker.
pub fn encode_purge(log_id: &LogId<u64>, out: &mut Vec<u8>) -> Result<(), LogFileError> {
    let payload = serde_json::to_vec(log_id).map_err(|e| LogFileError::Encode(e.to_string()))?;
    frame(KIND_PURGE, &payload, out);
    Ok(())
}

/// Appends the seal of `group`, which starts at byte offset `start` of the file.
pub fn encode_seal(start: u64, group: &[u8], out: &mut Vec<u8>) {
    let mut payload = [0u8; SEAL_LEN - 1];
    payload[..8].copy_from_slice(&start.to_le_bytes());
    payload[8..].copy_from_slice(&crc32fast::hash(group).to_le_bytes());
    frame(KIND_SEAL, &payload, out);
}

fn frame(kind: u8, payload: &[u8], out: &mut Vec<u8>) {
    let len = (payload.len() + 1) as u32;
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&[kind]);
    hasher.update(payload);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(&hasher.finalize().to_le_bytes());
    out.push(kind);
    out.extend_from_slice(payload);
}

/// Serialises the whole of `contents` as one sealed group (for compaction).
pub fn encode_all(contents: &LogContents) -> Result<Vec<u8>, LogFileError> {
    let mut out = Vec::new();
    if let Some(p) = &contents.last_purged {
        encode_purge(p, &mut out)?;
    }
    for entry in contents.entries.values() {
        encode_entry(entry, &mut out)?;
    }
    let mut seal = Vec::with_capacity(HEADER + SEAL_LEN);
    encode_seal(0, &out, &mut seal);
    out.extend_from_slice(&seal);
    Ok(out)
}

/// Decodes a record body (`kind + payload`).
pub(super) fn decode(body: &[u8]) -> Result<Record, String> {
    let (kind, payload) = body.split_first().ok_or("empty record")?;
    match *kind {
        KIND_ENTRY => serde_json::from_slice(payload)
            .map(|e| Record::Entry(Box::new(e)))
            .map_err(|e| format!("entry does not decode: {e}")),
        KIND_TRUNCATE => {
            let raw: [u8; 8] = payload.try_into().map_err(|_| "bad truncate record".to_string())?;
            Ok(Record::Truncate(u64::from_le_bytes(raw)))
        }
        KIND_PURGE => serde_json::from_slice(payload)
            .map(Record::Purge)
            .map_err(|e| format!("purge record does not decode: {e}")),
        KIND_SEAL => {
            let raw: [u8; SEAL_LEN - 1] =
                payload.try_into().map_err(|_| "bad seal record".to_string())?;
            let (start, crc) = raw.split_at(8);
            Ok(Record::Seal {
                start: u64::from_le_bytes(start.try_into().map_err(|_| "bad seal start")?),
                crc: u32::from_le_bytes(crc.try_into().map_err(|_| "bad seal crc")?),
            })
        }
        other => Err(format!("unknown record kind {other}")),
    }
}
