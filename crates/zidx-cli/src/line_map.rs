//! Maps a record's index to the input line it started on, for messages that
//! name both records of a duplicate key. Stores a checkpoint only where the
//! line stops advancing one per record (skipped blank lines, multi-line CSV
//! fields), so a plain TSV file costs no memory at all.

#[derive(Debug, Default)]
pub struct LineMap {
    checkpoints: Vec<(u64, u64)>,
}

impl LineMap {
    fn expected(&self, record: u64) -> u64 {
        let i = self.checkpoints.partition_point(|&(r, _)| r <= record);
        match i.checked_sub(1).and_then(|i| self.checkpoints.get(i)) {
            Some(&(r, line)) => line + (record - r),
            None => record + 1,
        }
    }

    /// Notes that record `record` (0-based, in order) starts on `line`.
    pub fn record(&mut self, record: u64, line: u64) {
        if self.expected(record) != line {
            self.checkpoints.push((record, line));
        }
    }

    /// The line record `record` started on.
    pub fn line(&self, record: u64) -> u64 {
        self.expected(record)
    }
}

#[cfg(test)]
mod tests {
    use super::LineMap;

    #[test]
    fn maps_with_and_without_gaps() {
        let mut m = LineMap::default();
        for (r, l) in [(0, 2), (1, 3), (2, 7), (3, 8)] {
            m.record(r, l);
        }
        assert_eq!([m.line(0), m.line(1), m.line(2), m.line(3)], [2, 3, 7, 8]);
        assert_eq!(m.checkpoints.len(), 2);
    }
}
