//! On-disk format of the raft log: length- and CRC-framed records, and their replay.
//!
//! A record is `len: u32 LE | crc32: u32 LE | kind: u8 | payload` where `len` counts
//! `kind + payload`. The file is only ever appended to (and rewritten whole by compaction), so
//! after a crash the only damage possible is a torn final record, which replay cuts off: it was
//! never acknowledged, because acknowledgement waits for fdatasync. Any other damage is corruption
//! and stops the node, naming the offset.

use std::collections::BTreeMap;

use openraft::{Entry, LogId};
use thiserror::Error;

use super::TypeConfig;

const HEADER: usize = 8;
const KIND_ENTRY: u8 = 1;
const KIND_TRUNCATE: u8 = 2;
const KIND_PURGE: u8 = 3;

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

/// Result of replaying a file image.
#[derive(Debug)]
pub struct Replay {
    /// The log as the records describe it.
    pub contents: LogContents,
    /// Length of the valid prefix; anything after it is a torn tail to cut off.
    pub valid_len: usize,
}

/// Largest record this build writes or accepts (an entry is a batch of at most a few hundred
/// commands; anything bigger is a damaged length field).
pub const MAX_RECORD: usize = 64 * 1024 * 1024;

/// Replays a whole file image.
///
/// Only an *incomplete final* record is a torn tail: a crash can cut the last write short (its
/// header, or its body running past the end of the file, or a zero-filled tail), and that write
/// was never acknowledged because acknowledgement waits for fdatasync. Anything else — a complete
/// record whose checksum, kind or length is wrong, or an "incomplete" record with a valid record
/// after it (a damaged length field) — is corruption of acknowledged data and an error naming the
/// offset.
pub fn replay(bytes: &[u8]) -> Result<Replay, LogFileError> {
    let mut contents = LogContents::default();
    let mut pos = 0usize;
    while pos < bytes.len() {
        let body = match frame_at(bytes, pos) {
            Ok(body) => body,
            Err(Damage::Incomplete(reason)) => {
                if let Some(next) = next_valid_record(bytes, pos + 1) {
                    return Err(LogFileError::Corrupt {
                        offset: pos,
                        reason: format!(
                            "{reason}, but a valid record follows at byte offset {next}"
                        ),
                    });
                }
                break; // the torn final record of a crash
            }
            // A crash can also leave the final record's tail unwritten (zeros) on file systems
            // that extend the file before its data reaches the disk.
            Err(Damage::Bad(_))
                if ends_in_zeros(&bytes[pos..]) && next_valid_record(bytes, pos + 1).is_none() =>
            {
                break;
            }
            Err(Damage::Bad(reason)) => {
                return Err(LogFileError::Corrupt { offset: pos, reason: reason.into() })
            }
        };
        match decode(body) {
            Ok(Record::Entry(entry)) => contents.insert(*entry),
            Ok(Record::Truncate(index)) => contents.truncate(index),
            Ok(Record::Purge(log_id)) => contents.purge(log_id),
            Err(reason) => return Err(LogFileError::Corrupt { offset: pos, reason }),
        }
        pos += HEADER + body.len();
    }
    Ok(Replay { contents, valid_len: pos })
}

/// What is wrong with the bytes at a record position.
enum Damage {
    /// Cut short: what a crash during the last write leaves (a torn tail, if nothing follows).
    Incomplete(&'static str),
    /// Complete but wrong: never the result of a crash.
    Bad(&'static str),
}

/// The body (`kind + payload`) of a well-framed record at `pos`, or what is wrong there.
fn frame_at(bytes: &[u8], pos: usize) -> Result<&[u8], Damage> {
    let rest = &bytes[pos..];
    if rest.iter().all(|b| *b == 0) {
        return Err(Damage::Incomplete("zero-filled tail"));
    }
    let header = rest.get(..HEADER).ok_or(Damage::Incomplete("incomplete record header"))?;
    let len = u32::from_le_bytes([header[0], header[1], header[2], header[3]]) as usize;
    let crc = u32::from_le_bytes([header[4], header[5], header[6], header[7]]);
    if len == 0 {
        return Err(Damage::Bad("zero-length record"));
    }
    if len > MAX_RECORD {
        return Err(Damage::Incomplete("record length runs past the end of the file"));
    }
    let body = rest
        .get(HEADER..HEADER + len)
        .ok_or(Damage::Incomplete("record runs past the end of the file"))?;
    if !matches!(body[0], KIND_ENTRY | KIND_TRUNCATE | KIND_PURGE) {
        return Err(Damage::Bad("unknown record kind"));
    }
    if crc32fast::hash(body) != crc {
        return Err(Damage::Bad("checksum mismatch"));
    }
    Ok(body)
}

/// Whether `rest` ends in a run of zero bytes as an unwritten page tail does (at least 16, or
/// all of it).
fn ends_in_zeros(rest: &[u8]) -> bool {
    let zeros = rest.iter().rev().take_while(|b| **b == 0).count();
    zeros >= 16 || (zeros > 0 && zeros == rest.len())
}

/// Offset of the first well-framed record at or after `from`, if any.
fn next_valid_record(bytes: &[u8], from: usize) -> Option<usize> {
    (from..bytes.len().saturating_sub(HEADER)).find(|&p| frame_at(bytes, p).is_ok())
}

fn decode(body: &[u8]) -> Result<Record, String> {
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
        other => Err(format!("unknown record kind {other}")),
    }
}

/// Serialises the whole of `contents` (for compaction).
pub fn encode_all(contents: &LogContents) -> Result<Vec<u8>, LogFileError> {
    let mut out = Vec::new();
    if let Some(p) = &contents.last_purged {
        encode_purge(p, &mut out)?;
    }
    for entry in contents.entries.values() {
        encode_entry(entry, &mut out)?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use openraft::{CommittedLeaderId, EntryPayload};

    fn entry(term: u64, index: u64) -> Entry<TypeConfig> {
        Entry {
            log_id: LogId::new(CommittedLeaderId::new(term, 1), index),
            payload: EntryPayload::Blank,
        }
    }

    fn image(ops: &[Record]) -> Vec<u8> {
        let mut out = Vec::new();
        for op in ops {
            match op {
                Record::Entry(e) => encode_entry(e, &mut out).unwrap(),
                Record::Truncate(i) => encode_truncate(*i, &mut out),
                Record::Purge(id) => encode_purge(id, &mut out).unwrap(),
            }
        }
        out
    }

    #[test]
    fn replays_appends_truncates_and_purges() {
        let bytes = image(&[
            Record::Entry(Box::new(entry(1, 1))),
            Record::Entry(Box::new(entry(1, 2))),
            Record::Entry(Box::new(entry(1, 3))),
            Record::Truncate(3),
            Record::Entry(Box::new(entry(2, 3))),
            Record::Purge(entry(1, 1).log_id),
        ]);
        let r = replay(&bytes).unwrap();
        assert_eq!(r.valid_len, bytes.len());
        let indexes: Vec<u64> = r.contents.entries.keys().copied().collect();
        assert_eq!(indexes, vec![2, 3]);
        assert_eq!(r.contents.entries[&3].log_id.leader_id.term, 2);
        assert_eq!(r.contents.last_purged.unwrap().index, 1);
    }

    #[test]
    fn cuts_a_torn_tail() {
        let mut bytes =
            image(&[Record::Entry(Box::new(entry(1, 1))), Record::Entry(Box::new(entry(1, 2)))]);
        let full = bytes.len();
        bytes.truncate(full - 3);
        let r = replay(&bytes).unwrap();
        assert_eq!(r.contents.entries.len(), 1);
        assert!(r.valid_len < bytes.len());
        // A complete last record with a flipped byte is not what a crash leaves: corruption.
        let mut flipped =
            image(&[Record::Entry(Box::new(entry(1, 1))), Record::Entry(Box::new(entry(1, 2)))]);
        let last = flipped.len() - 1;
        flipped[last] ^= 0xff;
        assert!(matches!(replay(&flipped), Err(LogFileError::Corrupt { .. })));
    }

    #[test]
    fn refuses_corruption_in_the_middle() {
        let mut bytes =
            image(&[Record::Entry(Box::new(entry(1, 1))), Record::Entry(Box::new(entry(1, 2)))]);
        bytes[HEADER + 2] ^= 0xff;
        assert!(matches!(replay(&bytes), Err(LogFileError::Corrupt { offset: 0, .. })));
    }

    fn ten_entries() -> Vec<u8> {
        image(&(1..=10).map(|i| Record::Entry(Box::new(entry(1, i)))).collect::<Vec<_>>())
    }

    #[test]
    fn a_damaged_length_field_in_the_middle_is_corruption_not_a_torn_tail() {
        let mut bytes = ten_entries();
        let third = replay(&bytes).unwrap();
        assert_eq!(third.contents.entries.len(), 10);
        // Offset of the fourth record: walk three frames.
        let mut pos = 0;
        for _ in 0..3 {
            let len = u32::from_le_bytes(bytes[pos..pos + 4].try_into().unwrap()) as usize;
            pos += HEADER + len;
        }
        bytes[pos..pos + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        match replay(&bytes) {
            Err(LogFileError::Corrupt { offset, reason }) => {
                assert_eq!(offset, pos);
                assert!(reason.contains("valid record follows"), "{reason}");
            }
            other => panic!("expected corruption at {pos}, got {other:?}"),
        }
        // A length that still fits the file but is wrong is caught the same way.
        let mut bytes = ten_entries();
        bytes[pos..pos + 4].copy_from_slice(&40u32.to_le_bytes());
        assert!(
            matches!(replay(&bytes), Err(LogFileError::Corrupt { offset, .. }) if offset == pos)
        );
    }

    #[test]
    fn an_incomplete_or_zero_filled_final_record_is_a_torn_tail() {
        let full = ten_entries();
        for cut in [1, 5, HEADER, HEADER + 3] {
            let bytes = &full[..full.len() - cut];
            let r = replay(bytes).unwrap();
            assert_eq!(r.contents.entries.len(), 9, "cut {cut}");
            assert!(r.valid_len < bytes.len());
        }
        // A crash after the file grew but before the data reached it leaves zeros.
        let mut zeros = full.clone();
        zeros.extend_from_slice(&[0u8; 4096]);
        let r = replay(&zeros).unwrap();
        assert_eq!((r.contents.entries.len(), r.valid_len), (10, full.len()));
        // ... also inside the final record: its header arrived, the rest of its page did not.
        let mut partial = full.clone();
        let n = partial.len();
        partial[n - 20..].fill(0);
        let r = replay(&partial).unwrap();
        assert_eq!(r.contents.entries.len(), 9);
    }

    #[test]
    fn compaction_image_replays_to_the_same_contents() {
        let mut c = LogContents::default();
        for i in 1..=5 {
            c.insert(entry(1, i));
        }
        c.purge(entry(1, 2).log_id);
        let r = replay(&encode_all(&c).unwrap()).unwrap();
        assert_eq!(r.contents.entries.keys().copied().collect::<Vec<_>>(), vec![3, 4, 5]);
        assert_eq!(r.contents.last_purged, c.last_purged);
    }
}
