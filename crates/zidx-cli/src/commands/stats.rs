//! `zidx stats`: the record count and the distributions of key and value
//! lengths (cdb's `-s`): total, min, max, mean, nearest-rank median, p90
//! and p99, and a histogram by powers of two.
//!
//! Percentiles are exact. Lengths below 64 KiB (every key, nearly every
//! value) are counted in a fixed table; longer values in a map whose size
//! is bounded by the number of such values, so at most one entry per 64 KiB
//! of the file.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::process::ExitCode;

use serde_json::{json, Value};

use crate::cli::StatsArgs;
use crate::commands::open_index;
use crate::failure::{Failure, Outcome};

/// Lengths below this are counted in [`Lengths::small`].
const SMALL: usize = 1 << 16;

/// Runs `zidx stats`.
pub fn run(args: StatsArgs) -> Outcome {
    let index = open_index(&args.index, args.read.no_mmap)?;
    let path = args.index.display().to_string();
    let mut keys = Lengths::default();
    let mut values = Lengths::default();
    for record in index.iter() {
        let (key, value) = record.map_err(|e| Failure::error(format!("{path}: {e}")))?;
        keys.add(key.len());
        values.add(value.len());
    }
    let text = if args.json {
        json_report(index.len(), &keys, &values)
    } else {
        text_report(index.len(), &keys, &values)
    };
    let mut out = io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(Failure::stdout)?;
    Ok(ExitCode::SUCCESS)
}

/// How many records have each length.
#[derive(Debug)]
struct Lengths {
    /// `small[n]`: records of length `n`, for `n` below [`SMALL`].
    small: Vec<u64>,
    /// Records of each length of [`SMALL`] or more.
    large: BTreeMap<usize, u64>,
    count: u64,
    /// Sum of the lengths; at most the file's size, so it fits.
    total: u64,
}

impl Default for Lengths {
    fn default() -> Lengths {
        Lengths {
            small: vec![0; SMALL],
            large: BTreeMap::new(),
            count: 0,
            total: 0,
        }
    }
}

/// The summary of one distribution (of a non-empty set of records).
#[derive(Debug, PartialEq)]
struct Summary {
    total: u64,
    min: usize,
    max: usize,
    mean: f64,
    median: usize,
    p90: usize,
    p99: usize,
}

impl Lengths {
    fn add(&mut self, len: usize) {
        match self.small.get_mut(len) {
            Some(n) => *n += 1,
            None => *self.large.entry(len).or_default() += 1,
        }
        self.count += 1;
        self.total = self
            .total
            .saturating_add(u64::try_from(len).unwrap_or(u64::MAX));
    }

    /// Every `(length, records)` with at least one record, shortest first.
    fn counts(&self) -> impl Iterator<Item = (usize, u64)> + '_ {
        let small = self
            .small
            .iter()
            .enumerate()
            .filter(|&(_, &n)| n > 0)
            .map(|(len, &n)| (len, n));
        small.chain(self.large.iter().map(|(&len, &n)| (len, n)))
    }

    /// The nearest-rank percentile `p` (0 < p <= 100): the smallest length
    /// that at least `p`% of the records do not exceed.
    fn percentile(&self, p: u64) -> usize {
        // rank = ceil(count * p / 100), at least 1; u128 cannot overflow.
        let rank = (u128::from(self.count) * u128::from(p))
            .div_ceil(100)
            .max(1);
        let mut seen = 0u128;
        for (len, n) in self.counts() {
            seen += u128::from(n);
            if seen >= rank {
                return len;
            }
        }
        0
    }

    fn summary(&self) -> Option<Summary> {
        let mut lengths = self.counts();
        let (min, _) = lengths.next()?;
        let max = self.counts().last().map_or(min, |(len, _)| len);
        Some(Summary {
            total: self.total,
            min,
            max,
            mean: self.total as f64 / self.count as f64,
            median: self.percentile(50),
            p90: self.percentile(90),
            p99: self.percentile(99),
        })
    }

    /// `(from, to, records)` per power-of-two range (0, 1, 2-3, 4-7, ...),
    /// from the first range with records to the last, empty ones between
    /// included so that the shape shows.
    fn histogram(&self) -> Vec<(u64, u64, u64)> {
        // Range b holds lengths whose highest set bit is bit b-1 (b = 0: length 0).
        let mut ranges = [0u64; 65];
        for (len, n) in self.counts() {
            let len = u64::try_from(len).unwrap_or(u64::MAX);
            ranges[(u64::BITS - len.leading_zeros()) as usize] += n;
        }
        let Some(first) = ranges.iter().position(|&n| n > 0) else {
            return Vec::new();
        };
        let last = ranges.iter().rposition(|&n| n > 0).unwrap_or(first);
        (first..=last)
            .map(|b| {
                let (from, to) = match b {
                    0 => (0, 0),
                    64 => (1 << 63, u64::MAX),
                    _ => (1u64 << (b - 1), (1u64 << b) - 1),
                };
                (from, to, ranges[b])
            })
            .collect()
    }
}

/// Width of the longest histogram bar, in characters.
const BAR: u64 = 40;

fn text_report(records: u64, keys: &Lengths, values: &Lengths) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(s, "records      {records}");
    for (name, lengths) in [("key bytes", keys), ("value bytes", values)] {
        let Some(sum) = lengths.summary() else {
            let _ = writeln!(s, "{name:<12} (no records)");
            continue;
        };
        let _ = writeln!(
            s,
            "{name:<12} total {}, min {}, max {}, mean {:.2}, median {}, p90 {}, p99 {}",
            sum.total, sum.min, sum.max, sum.mean, sum.median, sum.p90, sum.p99
        );
        let histogram = lengths.histogram();
        let most = histogram.iter().map(|&(_, _, n)| n).max().unwrap_or(1);
        let _ = writeln!(s, "  {:<23} {:>12}", "length", "records");
        for (from, to, n) in histogram {
            let range = if from == to {
                from.to_string()
            } else {
                format!("{from}-{to}")
            };
            // At least one mark for a non-empty range, however small.
            let width = if n == 0 {
                0
            } else {
                (u128::from(n) * u128::from(BAR))
                    .div_ceil(u128::from(most))
                    .max(1)
            };
            let bar = "#".repeat(usize::try_from(width).unwrap_or(0));
            let _ = writeln!(s, "  {range:<23} {n:>12}  {bar}");
        }
    }
    s
}

fn json_distribution(lengths: &Lengths) -> Value {
    let histogram: Vec<Value> = lengths
        .histogram()
        .into_iter()
        .map(|(from, to, n)| json!({ "from": from, "to": to, "records": n }))
        .collect();
    match lengths.summary() {
        Some(sum) => json!({
            "total": sum.total,
            "min": sum.min,
            "max": sum.max,
            "mean": sum.mean,
            "median": sum.median,
            "p90": sum.p90,
            "p99": sum.p99,
            "histogram": histogram,
        }),
        None => json!({
            "total": 0,
            "min": null,
            "max": null,
            "mean": null,
            "median": null,
            "p90": null,
            "p99": null,
            "histogram": histogram,
        }),
    }
}

fn json_report(records: u64, keys: &Lengths, values: &Lengths) -> String {
    let report = json!({
        "records": records,
        "key_length": json_distribution(keys),
        "value_length": json_distribution(values),
    });
    let mut s = serde_json::to_string_pretty(&report).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lengths(of: &[usize]) -> Lengths {
        let mut l = Lengths::default();
        for &n in of {
            l.add(n);
        }
        l
    }

    #[test]
    fn nearest_rank_percentiles() {
        let l = lengths(&[3, 1, 2]);
        let s = l.summary().unwrap();
        assert_eq!((s.min, s.max, s.median, s.p90, s.p99), (1, 3, 2, 3, 3));
        assert_eq!(s.total, 6);
        assert!((s.mean - 2.0).abs() < 1e-12);
        // 1..=100: the p-th percentile is p itself.
        let l = lengths(&(1..=100).collect::<Vec<_>>());
        assert_eq!(
            (l.percentile(50), l.percentile(90), l.percentile(99)),
            (50, 90, 99)
        );
        // Even count: the lower middle.
        assert_eq!(lengths(&[1, 2, 3, 4]).percentile(50), 2);
        assert_eq!(lengths(&[]).summary(), None);
    }

    #[test]
    fn large_lengths_are_exact_too() {
        let l = lengths(&[5, SMALL, SMALL + 7, 1 << 30]);
        let s = l.summary().unwrap();
        assert_eq!(
            (s.min, s.max, s.median, s.p99),
            (5, 1 << 30, SMALL, 1 << 30)
        );
        assert_eq!(l.large.len(), 3);
    }

    #[test]
    fn histogram_by_powers_of_two() {
        let l = lengths(&[0, 1, 2, 3, 3, 9, 1 << 20]);
        let h = l.histogram();
        assert_eq!(h[0], (0, 0, 1));
        assert_eq!(h[1], (1, 1, 1));
        assert_eq!(h[2], (2, 3, 3));
        assert_eq!(h[3], (4, 7, 0));
        assert_eq!(h[4], (8, 15, 1));
        assert_eq!(h.last(), Some(&(1 << 20, (1 << 21) - 1, 1)));
        assert_eq!(h.iter().map(|r| r.2).sum::<u64>(), 7);
        assert_eq!(lengths(&[6, 7]).histogram(), [(4, 7, 2)]);
        assert!(lengths(&[]).histogram().is_empty());
    }
}
