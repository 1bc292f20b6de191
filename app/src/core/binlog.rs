//! Binary log vocabulary: coordinates (file, position) with a total order, and binlog formats
//! with orchestrator's "smaller format" order. Values only; nothing reads a server.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};

/// `binlog_format`, ordered as orchestrator orders it: `STATEMENT < MIXED < ROW`
/// (binlogs flow from a smaller format to a larger one, never the other way).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(rename_all = "UPPERCASE")]
pub enum BinlogFormat {
    /// Statement-based.
    Statement,
    /// Mixed.
    Mixed,
    /// Row-based (MariaDB and MySQL default).
    #[default]
    Row,
}

impl BinlogFormat {
    /// The server's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            BinlogFormat::Statement => "STATEMENT",
            BinlogFormat::Mixed => "MIXED",
            BinlogFormat::Row => "ROW",
        }
    }
}

/// A position in a binary log: file name and byte offset.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub struct BinlogCoordinates {
    /// Binary log file name, e.g. `mysql-bin.000042`.
    pub file: String,
    /// Byte offset in that file.
    pub pos: u64,
}

impl BinlogCoordinates {
    /// Builds coordinates.
    pub fn new(file: &str, pos: u64) -> Self {
        BinlogCoordinates { file: file.to_string(), pos }
    }

    /// The numeric suffix of the file name (`mysql-bin.000042` → 42), if it has one.
    pub fn file_number(&self) -> Option<u64> {
        self.file.rsplit('.').next().and_then(|suffix| suffix.parse().ok())
    }
}

impl Ord for BinlogCoordinates {
    /// Total order: file number (so `.999999` < `.1000000`, which orchestrator's plain string
    /// comparison gets wrong), then file name, then position.
    fn cmp(&self, other: &Self) -> Ordering {
        self.file_number()
            .cmp(&other.file_number())
            .then_with(|| self.file.cmp(&other.file))
            .then_with(|| self.pos.cmp(&other.pos))
    }
}

impl PartialOrd for BinlogCoordinates {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coordinates_order_by_file_number_then_pos() {
        let cases = [
            (("mysql-bin.000001", 900), ("mysql-bin.000002", 4), Ordering::Less),
            (("mysql-bin.000002", 100), ("mysql-bin.000002", 100), Ordering::Equal),
            (("mysql-bin.000002", 101), ("mysql-bin.000002", 100), Ordering::Greater),
            (("mysql-bin.999999", 5), ("mysql-bin.1000000", 4), Ordering::Less),
        ];
        for ((fa, pa), (fb, pb), expected) in cases {
            let a = BinlogCoordinates::new(fa, pa);
            let b = BinlogCoordinates::new(fb, pb);
            assert_eq!(a.cmp(&b), expected, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn binlog_formats_order_statement_mixed_row() {
        assert!(BinlogFormat::Statement < BinlogFormat::Mixed);
        assert!(BinlogFormat::Mixed < BinlogFormat::Row);
        assert_eq!(serde_json::to_string(&BinlogFormat::Row).unwrap(), "\"ROW\"");
    }
}
