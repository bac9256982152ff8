//! Sorting records by key in bounded memory, for ordered builds (SPEC.md
//! §12.1): records collect in a buffer of about `budget` bytes; a full
//! buffer is sorted and written to a temporary file as a sorted run; at the
//! end the runs are merged. At most [`MAX_FAN_IN`] runs exist at once (when
//! there would be more, they are merged into one first), so memory is the
//! buffer, 8 bytes per buffered record, and per open run 64 KiB of read
//! buffer plus its current record; and at most `MAX_FAN_IN` temporary files
//! are open, whatever the input's size.
//!
//! Equal keys come out in insertion order (the sort is stable and the merge
//! breaks ties by insertion index), which is what `--on-duplicate first`,
//! `last` and `keep` rely on.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::fs::File;
use std::io::{self, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::PathBuf;

/// Bytes before each entry's key: key length (u16), value length (u32),
/// insertion index (u64).
const ENTRY_HEAD: usize = 14;
/// Read buffer of each run during the merge.
const RUN_BUFFER: usize = 64 << 10;
/// Most runs merged at once, and so most temporary files open: far below
/// the usual limit of 1,024 open files, and 8 MiB of read buffers.
pub(crate) const MAX_FAN_IN: usize = 128;

/// Records sorted by key, spilling sorted runs to temporary files.
pub(crate) struct Sorter {
    /// Entries of the current buffer, back to back.
    buf: Vec<u8>,
    /// Start of each entry in `buf`.
    starts: Vec<usize>,
    budget: usize,
    runs: Vec<File>,
    /// Sorted runs written so far (merged ones included).
    spills: usize,
    /// Where runs go: beside the output.
    dir: PathBuf,
}

fn entry_key(buf: &[u8], start: usize) -> &[u8] {
    let key_len = usize::from(u16::from_le_bytes([buf[start], buf[start + 1]]));
    &buf[start + ENTRY_HEAD..start + ENTRY_HEAD + key_len]
}

fn entry_len(buf: &[u8], start: usize) -> usize {
    let key_len = usize::from(u16::from_le_bytes([buf[start], buf[start + 1]]));
    let mut v = [0u8; 4];
    v.copy_from_slice(&buf[start + 2..start + 6]);
    ENTRY_HEAD + key_len + u32::from_le_bytes(v) as usize
}

impl Sorter {
    /// A sorter that holds at most about `budget` bytes of records in memory.
    /// Runs are unnamed temporary files in `dir`.
    pub(crate) fn new(budget: usize, dir: PathBuf) -> Sorter {
        Sorter {
            buf: Vec::new(),
            starts: Vec::new(),
            budget: budget.max(1),
            runs: Vec::new(),
            spills: 0,
            dir,
        }
    }

    /// Adds a record; `key` is at most 65,535 bytes and `value` at most
    /// 4 GiB - 1 (the caller checked both).
    pub(crate) fn push(&mut self, key: &[u8], value: &[u8], ordinal: u64) -> io::Result<()> {
        let len = ENTRY_HEAD + key.len() + value.len();
        if !self.starts.is_empty() && self.buf.len() + len > self.budget {
            self.spill()?;
        }
        self.starts.push(self.buf.len());
        let key_len = u16::try_from(key.len()).unwrap_or(u16::MAX);
        let value_len = u32::try_from(value.len()).unwrap_or(u32::MAX);
        self.buf.extend_from_slice(&key_len.to_le_bytes());
        self.buf.extend_from_slice(&value_len.to_le_bytes());
        self.buf.extend_from_slice(&ordinal.to_le_bytes());
        self.buf.extend_from_slice(key);
        self.buf.extend_from_slice(value);
        Ok(())
    }

    /// Sorts the buffer by key; insertion order breaks ties, because the
    /// sort is stable and the buffer is in insertion order.
    fn sort_buffer(&mut self) {
        let buf = &self.buf;
        self.starts
            .sort_by(|&a, &b| entry_key(buf, a).cmp(entry_key(buf, b)));
    }

    /// Writes the sorted buffer as a run to a new temporary file; when that
    /// makes [`MAX_FAN_IN`] runs, merges them into one.
    fn spill(&mut self) -> io::Result<()> {
        self.sort_buffer();
        let mut out = BufWriter::with_capacity(RUN_BUFFER, tempfile::tempfile_in(&self.dir)?);
        for &s in &self.starts {
            out.write_all(&self.buf[s..s + entry_len(&self.buf, s)])?;
        }
        self.runs.push(rewind(out)?);
        self.spills += 1;
        self.buf.clear();
        self.starts.clear();
        if self.runs.len() >= MAX_FAN_IN {
            // The runs hold consecutive records in insertion order, so the
            // merged run's ties still break by insertion index.
            let mut out = BufWriter::with_capacity(RUN_BUFFER, tempfile::tempfile_in(&self.dir)?);
            let runs = std::mem::take(&mut self.runs);
            merge(
                runs,
                |e| e,
                |key, value, ordinal| write_entry(&mut out, key, value, ordinal),
            )?;
            self.runs.push(rewind(out)?);
        }
        Ok(())
    }

    /// Number of sorted runs written to temporary files so far (not
    /// counting the runs that merging them wrote).
    pub(crate) fn spilled_runs(&self) -> usize {
        self.spills
    }

    /// Calls `f(key, value, ordinal)` for every record, in key order (ties
    /// in insertion order). Stops at the first error `f` returns.
    /// `io_error` turns a failure to read or write a temporary run into `E`.
    pub(crate) fn drain<E>(
        mut self,
        io_error: impl Fn(io::Error) -> E,
        mut f: impl FnMut(&[u8], &[u8], u64) -> Result<(), E>,
    ) -> Result<(), E> {
        if self.runs.is_empty() {
            self.sort_buffer();
            for &s in &self.starts {
                let key = entry_key(&self.buf, s);
                let mut o = [0u8; 8];
                o.copy_from_slice(&self.buf[s + 6..s + 14]);
                let value_start = s + ENTRY_HEAD + key.len();
                let value = &self.buf[value_start..s + entry_len(&self.buf, s)];
                f(key, value, u64::from_le_bytes(o))?;
            }
            return Ok(());
        }
        if !self.starts.is_empty() {
            self.spill().map_err(&io_error)?;
        }
        self.buf = Vec::new();
        self.starts = Vec::new();
        merge(std::mem::take(&mut self.runs), io_error, f)
    }
}

/// The file `out` wrote, flushed and rewound for reading.
fn rewind(out: BufWriter<File>) -> io::Result<File> {
    let mut file = out.into_inner().map_err(io::IntoInnerError::into_error)?;
    file.seek(SeekFrom::Start(0))?;
    Ok(file)
}

/// Writes one entry of a run.
fn write_entry(out: &mut impl Write, key: &[u8], value: &[u8], ordinal: u64) -> io::Result<()> {
    let key_len = u16::try_from(key.len()).unwrap_or(u16::MAX);
    let value_len = u32::try_from(value.len()).unwrap_or(u32::MAX);
    out.write_all(&key_len.to_le_bytes())?;
    out.write_all(&value_len.to_le_bytes())?;
    out.write_all(&ordinal.to_le_bytes())?;
    out.write_all(key)?;
    out.write_all(value)
}

/// Merges sorted `runs` (at most [`MAX_FAN_IN`]), calling `f` for every
/// record in key order, ties in insertion order.
fn merge<E>(
    runs: Vec<File>,
    io_error: impl Fn(io::Error) -> E,
    mut f: impl FnMut(&[u8], &[u8], u64) -> Result<(), E>,
) -> Result<(), E> {
    {
        let mut readers: Vec<BufReader<File>> = runs
            .into_iter()
            .map(|f| BufReader::with_capacity(RUN_BUFFER, f))
            .collect();
        let mut values: Vec<Vec<u8>> = vec![Vec::new(); readers.len()];
        // (key, ordinal, run): the smallest key first, then the earliest
        // record, which is insertion order across runs.
        let mut heap: BinaryHeap<Reverse<(Vec<u8>, u64, usize)>> = BinaryHeap::new();
        for (run, reader) in readers.iter_mut().enumerate() {
            let mut key = Vec::new();
            if let Some(ordinal) =
                read_entry(reader, &mut key, &mut values[run]).map_err(&io_error)?
            {
                heap.push(Reverse((key, ordinal, run)));
            }
        }
        while let Some(Reverse((mut key, ordinal, run))) = heap.pop() {
            f(&key, &values[run], ordinal)?;
            let next =
                read_entry(&mut readers[run], &mut key, &mut values[run]).map_err(&io_error)?;
            if let Some(next) = next {
                heap.push(Reverse((key, next, run)));
            }
        }
        Ok(())
    }
}

/// Reads the next entry of a run into `key` and `value`; `None` at the end.
fn read_entry(
    reader: &mut BufReader<File>,
    key: &mut Vec<u8>,
    value: &mut Vec<u8>,
) -> io::Result<Option<u64>> {
    let mut head = [0u8; ENTRY_HEAD];
    match reader.read_exact(&mut head[..1]) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    reader.read_exact(&mut head[1..])?;
    let key_len = usize::from(u16::from_le_bytes([head[0], head[1]]));
    let mut v = [0u8; 4];
    v.copy_from_slice(&head[2..6]);
    let mut o = [0u8; 8];
    o.copy_from_slice(&head[6..14]);
    // The run was written by `spill` from checked records: the lengths are
    // those of a key and a value that were in memory.
    key.resize(key_len, 0);
    reader.read_exact(key)?;
    value.resize(u32::from_le_bytes(v) as usize, 0);
    reader.read_exact(value)?;
    Ok(Some(u64::from_le_bytes(o)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A record as the sorter yields it: key, value, insertion index.
    type Sorted = (Vec<u8>, Vec<u8>, u64);

    fn sorted(budget: usize, records: &[(&[u8], &[u8])]) -> (Vec<Sorted>, usize) {
        let mut s = Sorter::new(budget, std::env::temp_dir());
        for (i, (k, v)) in records.iter().enumerate() {
            s.push(k, v, i as u64).unwrap();
        }
        let runs = s.spilled_runs();
        let mut out = Vec::new();
        s.drain(
            |e| e,
            |k, v, o| {
                out.push((k.to_vec(), v.to_vec(), o));
                Ok::<(), io::Error>(())
            },
        )
        .unwrap();
        (out, runs)
    }

    proptest::proptest! {
        /// Whatever the budget (so with many runs or none), the output is
        /// the input stably sorted by key.
        #[test]
        fn sorts_stably_in_any_budget(
            records in proptest::collection::vec(
                (proptest::collection::vec(0u8..4, 0..4), proptest::collection::vec(0u8..255, 0..20)),
                0..200,
            ),
            budget in 1usize..600,
        ) {
            let input: Vec<(&[u8], &[u8])> =
                records.iter().map(|(k, v)| (&k[..], &v[..])).collect();
            let mut expected: Vec<Sorted> = records
                .iter()
                .enumerate()
                .map(|(i, (k, v))| (k.clone(), v.clone(), i as u64))
                .collect();
            expected.sort_by(|a, b| a.0.cmp(&b.0));
            let (out, _) = sorted(budget, &input);
            proptest::prop_assert_eq!(out, expected);
        }
    }

    #[test]
    fn more_runs_than_the_fan_in_are_merged_first() {
        let records: Vec<(Vec<u8>, Vec<u8>)> = (0..1000u32)
            .map(|i| {
                (
                    (i * 7919 % 1000).to_be_bytes().to_vec(),
                    i.to_le_bytes().to_vec(),
                )
            })
            .collect();
        let input: Vec<(&[u8], &[u8])> = records.iter().map(|(k, v)| (&k[..], &v[..])).collect();
        let (out, runs) = sorted(1, &input);
        assert_eq!(runs, 999);
        assert_eq!(out.len(), 1000);
        assert!(out.windows(2).all(|w| w[0].0 < w[1].0));
    }

    #[test]
    fn a_small_budget_spills_runs() {
        let records: Vec<(Vec<u8>, Vec<u8>)> = (0..100u32)
            .map(|i| ((100 - i).to_be_bytes().to_vec(), vec![1; 10]))
            .collect();
        let input: Vec<(&[u8], &[u8])> = records.iter().map(|(k, v)| (&k[..], &v[..])).collect();
        let (out, runs) = sorted(100, &input);
        assert!(runs >= 20);
        assert_eq!(out.len(), 100);
        assert!(out.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
