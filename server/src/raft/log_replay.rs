//! Replay of the raft log file at open: sealed groups kept, an unsynced last group cut, any
//! other damage refused with its offset (the format is in `log_file`).

use super::log_file::{
    decode, LogContents, LogFileError, Record, HEADER, KIND_ENTRY, KIND_PURGE, KIND_SEAL,
    KIND_TRUNCATE, SEAL_LEN,
};

/// Result of replaying a file image.
#[derive(Debug)]
pub struct Replay {
    /// The log as the records describe it.
    pub contents: LogContents,
    /// Length of the valid prefix; anything after it is a torn tail to cut off.
    pub valid_len: usize,
    /// Whether the valid prefix ends with a seal (false: an empty file, or one written before
    /// seals existed, which the opener seals before appending).
    pub sealed: bool,
}

/// Replays a whole file image: by sealed groups, or by the older rule when the file has no seal.
pub fn replay(bytes: &[u8]) -> Result<Replay, LogFileError> {
    match replay_sealed(bytes)? {
        Some(replay) => Ok(replay),
        None => replay_unsealed(bytes),
    }
}

/// Replays a file of sealed groups: every record up to the last intact seal counts; what
/// follows it is the last group, written but never synced whole (a crash), and is cut. `None`
/// when no seal comes before the end or the first damage: the file predates seals.
///
/// Damage (a bad frame, or a seal that does not match its group) with an intact seal anywhere
/// after it is corruption: a later group was synced, so this one had been too.
fn replay_sealed(bytes: &[u8]) -> Result<Option<Replay>, LogFileError> {
    let mut contents = LogContents::default();
    let mut group = Vec::new();
    let mut sealed_end: Option<usize> = None;
    let mut damage = None;
    let mut pos = 0usize;
    while pos < bytes.len() {
        let body = match frame_at(bytes, pos) {
            Ok(body) => body,
            Err(Damage::Incomplete(reason) | Damage::Bad(reason)) => {
                damage = Some((pos, reason));
                break;
            }
        };
        let next = pos + HEADER + body.len();
        match decode(body) {
            Ok(Record::Seal { start, crc }) => {
                let from = sealed_end.unwrap_or(0);
                if !seals(bytes, from, pos, start, crc) {
                    damage = Some((pos, "a seal that does not match its group"));
                    break;
                }
                for record in group.drain(..) {
                    contents.apply(record);
                }
                sealed_end = Some(next);
            }
            Ok(record) => group.push(record),
            // A record whose checksum holds but which does not decode is never a crash's doing.
            Err(reason) => return Err(LogFileError::Corrupt { offset: pos, reason }),
        }
        pos = next;
    }
    let Some(valid_len) = sealed_end else { return Ok(None) };
    if let Some((offset, reason)) = damage {
        if let Some(next) = next_seal(bytes, offset + 1, valid_len) {
            return Err(LogFileError::Corrupt {
                offset,
                reason: format!("{reason}, but a sealed group follows at byte offset {next}"),
            });
        }
    }
    Ok(Some(Replay { contents, valid_len, sealed: true }))
}

/// Whether a seal at `at` (claiming a group at `start` with CRC `crc`) seals `bytes[from..at]`.
fn seals(bytes: &[u8], from: usize, at: usize, start: u64, crc: u32) -> bool {
    start == from as u64 && from <= at && crc32fast::hash(&bytes[from..at]) == crc
}

/// Offset of the first intact seal at or after `from` whose group starts at or after
/// `sealed_end` (a group synced after the damage), if any.
fn next_seal(bytes: &[u8], from: usize, sealed_end: usize) -> Option<usize> {
    let last = bytes.len().checked_sub(HEADER + SEAL_LEN)?;
    (from..=last).find(|&p| {
        let len = u32::from_le_bytes([bytes[p], bytes[p + 1], bytes[p + 2], bytes[p + 3]]);
        if len as usize != SEAL_LEN || bytes[p + HEADER] != KIND_SEAL {
            return false;
        }
        let Ok(body) = frame_at(bytes, p) else { return false };
        match decode(body) {
            Ok(Record::Seal { start, crc }) => usize::try_from(start)
                .is_ok_and(|s| s >= sealed_end && seals(bytes, s, p, start, crc)),
            _ => false,
        }
    })
}

/// Largest record this build writes or accepts (an entry is a batch of at most a few hundred
/// commands; anything bigger is a damaged length field).
pub const MAX_RECORD: usize = 64 * 1024 * 1024;

/// Replays a file written before seals existed.
///
/// Only an *incomplete final* record is a torn tail: a crash can cut the last write short (its
/// header, or its body running past the end of the file, or a zero-filled tail), and that write
/// was never acknowledged because acknowledgement waits for fdatasync. Anything else — a complete
/// record whose checksum, kind or length is wrong, or an "incomplete" record with a valid record
/// after it (a damaged length field) — is corruption of acknowledged data and an error naming the
/// offset.
fn replay_unsealed(bytes: &[u8]) -> Result<Replay, LogFileError> {
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
            Ok(record) => contents.apply(record),
            Err(reason) => return Err(LogFileError::Corrupt { offset: pos, reason }),
        }
        pos += HEADER + body.len();
    }
    Ok(Replay { contents, valid_len: pos, sealed: false })
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
    if !matches!(body[0], KIND_ENTRY | KIND_TRUNCATE | KIND_PURGE | KIND_SEAL) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::log_file::{
        encode_all, encode_entry, encode_purge, encode_seal, encode_truncate,
    };
    use crate::raft::TypeConfig;
    use openraft::{CommittedLeaderId, Entry, EntryPayload, LogId};

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
                Record::Seal { .. } => unreachable!("seals come from `sealed`"),
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

    /// The file the writer makes: a seal at open, then groups of entries `groups[i]`, each sealed.
    fn sealed(groups: &[std::ops::RangeInclusive<u64>]) -> Vec<u8> {
        let mut out = Vec::new();
        encode_seal(0, &[], &mut out);
        for g in groups {
            let start = out.len();
            let bytes =
                image(&g.clone().map(|i| Record::Entry(Box::new(entry(1, i)))).collect::<Vec<_>>());
            out.extend_from_slice(&bytes);
            let mut seal = Vec::new();
            encode_seal(start as u64, &bytes, &mut seal);
            out.extend_from_slice(&seal);
        }
        out
    }

    fn indexes(r: &Replay) -> Vec<u64> {
        r.contents.entries.keys().copied().collect()
    }

    #[test]
    fn sealed_groups_replay_whole_and_an_unsealed_last_group_is_cut() {
        let bytes = sealed(&[1..=3, 4..=6]);
        let r = replay(&bytes).unwrap();
        assert!(r.sealed);
        assert_eq!((indexes(&r), r.valid_len), ((1..=6).collect(), bytes.len()));
        // The next group was written whole, but its seal did not make it: never synced.
        let mut unsealed = bytes.clone();
        unsealed.extend_from_slice(&image(&[Record::Entry(Box::new(entry(1, 7)))]));
        let r = replay(&unsealed).unwrap();
        assert_eq!((indexes(&r), r.valid_len), ((1..=6).collect(), bytes.len()));
    }

    #[test]
    fn any_damage_in_the_last_group_is_a_crash_and_is_cut() {
        let synced = sealed(&[1..=3]);
        let full = sealed(&[1..=3, 4..=9]);
        // An earlier block of the last group lost while later ones (and its seal) arrived.
        let mut hole = full.clone();
        hole[synced.len() + 5..synced.len() + 40].fill(0);
        // Cut short, then garbage.
        let mut garbage = full[..synced.len() + 50].to_vec();
        garbage.extend_from_slice(&[0xa5; 30]);
        // A complete record with a flipped byte, its seal intact.
        let mut flipped = full.clone();
        flipped[synced.len() + HEADER + 3] ^= 0x10;
        for (name, bytes) in [("hole", hole), ("garbage", garbage), ("flipped", flipped)] {
            let r = replay(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!((indexes(&r), r.valid_len), ((1..=3).collect(), synced.len()), "{name}");
        }
    }

    #[test]
    fn damage_before_a_sealed_group_is_corruption_at_its_offset() {
        let first = sealed(&[1..=3]);
        let bytes = sealed(&[1..=3, 4..=6, 7..=9]);
        // A lost block in the middle group: the last group's seal proves it had been synced.
        let mut hole = bytes.clone();
        hole[first.len()..first.len() + 12].fill(0);
        // A damaged length field in the middle group.
        let mut length = bytes.clone();
        length[first.len()..first.len() + 4].copy_from_slice(&0x00ff_ffffu32.to_le_bytes());
        for (name, bytes) in [("hole", hole), ("length", length)] {
            match replay(&bytes) {
                Err(LogFileError::Corrupt { offset, reason }) => {
                    assert_eq!(offset, first.len(), "{name}");
                    assert!(reason.contains("sealed group follows"), "{name}: {reason}");
                }
                other => panic!("{name}: expected corruption, got {other:?}"),
            }
        }
    }

    #[test]
    fn an_undecodable_record_is_corruption_even_after_the_last_seal() {
        let mut bytes = sealed(&[1..=2]);
        let body = [KIND_ENTRY, b'{', b'}'];
        bytes.extend_from_slice(&(body.len() as u32).to_le_bytes());
        bytes.extend_from_slice(&crc32fast::hash(&body).to_le_bytes());
        bytes.extend_from_slice(&body);
        assert!(matches!(replay(&bytes), Err(LogFileError::Corrupt { .. })));
    }

    #[test]
    fn a_file_from_before_seals_replays_by_the_older_rule_and_can_be_sealed_after() {
        let legacy = ten_entries();
        let r = replay(&legacy).unwrap();
        assert!(!r.sealed);
        assert_eq!(r.contents.entries.len(), 10);
        // What the opener appends: a seal over the whole old content; groups follow.
        let mut upgraded = legacy.clone();
        encode_seal(0, &legacy, &mut upgraded);
        let start = upgraded.len();
        let group = image(&[Record::Entry(Box::new(entry(1, 11)))]);
        upgraded.extend_from_slice(&group);
        encode_seal(start as u64, &group, &mut upgraded);
        let r = replay(&upgraded).unwrap();
        assert!(r.sealed);
        assert_eq!((r.contents.entries.len(), r.valid_len), (11, upgraded.len()));
        // An old record damaged before the first seal is still corruption.
        let mut damaged = upgraded.clone();
        damaged[HEADER + 2] ^= 0xff;
        assert!(matches!(replay(&damaged), Err(LogFileError::Corrupt { offset: 0, .. })));
    }

    #[test]
    fn compaction_image_is_one_sealed_group() {
        let mut c = LogContents::default();
        for i in 1..=3 {
            c.insert(entry(1, i));
        }
        let image = encode_all(&c).unwrap();
        let r = replay(&image).unwrap();
        assert!(r.sealed);
        assert_eq!(r.valid_len, image.len());
    }
}
