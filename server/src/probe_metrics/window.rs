//! A time-windowed collection (orchestrator's `collection.Collection`): records stamped with
//! their unix-ms time, in arrival order, older than the retention dropped as new ones arrive.

use std::collections::VecDeque;

/// Records of the last `retention_ms`.
#[derive(Debug)]
pub struct Window<T> {
    retention_ms: i64,
    records: VecDeque<(i64, T)>,
}

impl<T: Clone> Window<T> {
    /// An empty window keeping `retention_ms` of records.
    pub fn new(retention_ms: i64) -> Self {
        Window { retention_ms, records: VecDeque::new() }
    }

    /// Appends `record` taken at `at_ms`, dropping what fell out of the window by then.
    pub fn push(&mut self, at_ms: i64, record: T) {
        self.expire(at_ms);
        self.records.push_back((at_ms, record));
    }

    /// Drops records older than the retention at `now_ms`.
    pub fn expire(&mut self, now_ms: i64) {
        let oldest = now_ms - self.retention_ms;
        while self.records.front().is_some_and(|(at, _)| *at < oldest) {
            self.records.pop_front();
        }
    }

    /// The records taken at or after `since_ms`, oldest first.
    pub fn since(&self, since_ms: i64) -> Vec<T> {
        self.records.iter().filter(|(at, _)| *at >= since_ms).map(|(_, r)| r.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_retention_and_answers_since() {
        let mut w = Window::new(1_000);
        w.push(0, "a");
        w.push(600, "b");
        w.push(1_200, "c");
        assert_eq!(w.since(0), ["b", "c"], "a fell out of the 1 s window");
        assert_eq!(w.since(601), ["c"]);
        w.expire(5_000);
        assert!(w.since(0).is_empty());
    }
}
