//! The end of a log file, for error messages.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// The last `lines` lines of the file at `path` ("" when it cannot be read).
pub fn tail(path: &Path, lines: usize) -> String {
    tail_from(path, 0, lines)
}

/// The last `lines` lines written to `path` after byte `offset`.
pub fn tail_from(path: &Path, offset: u64, lines: usize) -> String {
    let mut text = String::new();
    if let Ok(mut f) = std::fs::File::open(path) {
        let mut bytes = Vec::new();
        let _ = f.seek(SeekFrom::Start(offset)).and_then(|_| f.read_to_end(&mut bytes));
        text = String::from_utf8_lossy(&bytes).into_owned();
    }
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}
