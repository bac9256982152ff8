//! `zidx bench`: how fast is this index on this machine?
//!
//! Warm: median ns per lookup over several passes in random order, hits and
//! misses separately, one by one and batched. Cold (Linux, mapped): evict
//! the file from the page cache, look up keys, and count the pages of the
//! file the lookups brought into the mapping (the mapping's Rss in
//! /proc/self/smaps; with MADV_RANDOM each fault maps exactly the page it
//! needs, so this counts pages read).

use std::io::{self, BufReader, Write};
use std::process::ExitCode;
use std::time::Instant;

use crate::cli::BenchArgs;
use crate::commands::lines::{Form, KeyLines};
use crate::commands::open_index;
use crate::failure::{printable, Failure, Outcome};
use zidx::Index;

/// xorshift64*: a fixed-seed generator, so runs pick the same keys.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number below `n`: the high half of `next() * n`, which is below
    /// `n` and so fits in a usize.
    fn below(&mut self, n: usize) -> usize {
        let wide = (u128::from(self.next()) * n as u128) >> 64;
        usize::try_from(wide).unwrap_or(0)
    }

    fn shuffle<T>(&mut self, v: &mut [T]) {
        for i in (1..v.len()).rev() {
            v.swap(i, self.below(i + 1));
        }
    }
}

/// Runs `zidx bench`.
pub fn run(args: BenchArgs) -> Outcome {
    let no_mmap = args.read.no_mmap;
    let path = args.index.display().to_string();
    let corrupt = |e: zidx::Error| Failure::error(format!("{path}: {e}"));
    let index = open_index(&args.index, no_mmap)?;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);

    // Keys: from a file, or a uniform sample of the index (reservoir).
    let mut hits: Vec<Vec<u8>> = Vec::new();
    let mut misses: Vec<Vec<u8>> = Vec::new();
    // Absent keys that could not be made up in a bounded number of tries.
    let mut unmade = 0usize;
    if let Some(file) = &args.keys {
        let reader = BufReader::new(
            std::fs::File::open(file)
                .map_err(|e| Failure::error(format!("{}: {e}", file.display())))?,
        );
        // Lines are capped (KeyLines), so one huge line cannot take memory.
        let mut keys = KeyLines::new(reader, file.display().to_string(), Form::new(args.escaped));
        while let Some(key) = keys.next_key()? {
            match index.get(key).map_err(corrupt)? {
                Some(_) => hits.push(key.to_vec()),
                None => misses.push(key.to_vec()),
            }
        }
    } else {
        for (seen, record) in index.iter().enumerate() {
            let (key, _) = record.map_err(corrupt)?;
            if hits.len() < args.samples {
                hits.push(key.to_vec());
            } else {
                let slot = rng.below(seen + 1);
                if slot < args.samples {
                    hits[slot] = key.to_vec();
                }
            }
        }
        // Misses: random keys with the lengths of the sampled ones. An index
        // can hold every key of a short length (all 256 one-byte keys), so
        // each miss gets a bounded number of tries at that length, then at
        // 16 bytes or more, where no index can hold a noticeable share.
        const TRIES_PER_LENGTH: usize = 64;
        let sampled_lengths: Vec<usize> = hits.iter().map(|k| k.len().max(1)).collect();
        for sampled in sampled_lengths {
            for attempt in 0..2 * TRIES_PER_LENGTH {
                let len = if attempt < TRIES_PER_LENGTH {
                    sampled
                } else {
                    sampled.max(16)
                };
                let key: Vec<u8> = (0..len).map(|_| rng.next().to_le_bytes()[0]).collect();
                if index.get(&key).map_err(corrupt)?.is_none() {
                    misses.push(key);
                    break;
                }
            }
        }
        unmade = hits.len() - misses.len();
    }
    // Line-buffered: each result shows as soon as it is measured.
    let mut out = io::stdout().lock();
    writeln!(
        out,
        "index      {} ({} records, {} bytes, {})",
        printable(&path),
        index.len(),
        index.as_bytes().len(),
        if no_mmap {
            "read into memory"
        } else {
            "memory-mapped"
        }
    )
    .map_err(Failure::stdout)?;
    writeln!(
        out,
        "keys       {} present, {} absent{}",
        hits.len(),
        misses.len(),
        if args.keys.is_some() {
            ""
        } else {
            " (sampled / random)"
        }
    )
    .map_err(Failure::stdout)?;
    if unmade > 0 {
        writeln!(
            out,
            "note       {unmade} absent keys could not be made up: the index holds nearly \
             every key of those lengths; misses are measured on the rest"
        )
        .map_err(Failure::stdout)?;
    }

    writeln!(
        out,
        "warm       median of {} passes, random order, one thread",
        args.passes
    )
    .map_err(Failure::stdout)?;
    for (label, keys) in [("hit", &mut hits), ("miss", &mut misses)] {
        if keys.is_empty() {
            continue;
        }
        rng.shuffle(keys);
        let one = median_ns(args.passes, keys.len(), || {
            for k in keys.iter() {
                std::hint::black_box(index.get(k).ok());
            }
        });
        let mut values = Vec::with_capacity(keys.len());
        let batch = median_ns(args.passes, keys.len(), || {
            index.get_many(keys, &mut values);
            std::hint::black_box(&values);
        });
        writeln!(
            out,
            "  {label:<5} get {one:>8.1} ns ({:>10.0}/s)   get_many {batch:>8.1} ns ({:>10.0}/s, {:.2}x)",
            1e9 / one,
            1e9 / batch,
            one / batch
        )
        .map_err(Failure::stdout)?;
    }
    if !no_mmap && args.cold > 0 {
        // The warm mapping pins the file's pages: unmap it so they can be evicted.
        drop(index);
        cold(&args, &hits, &misses, &mut out)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Runs `pass` once to warm up, then `passes` times; the median ns per key.
fn median_ns(passes: usize, keys: usize, mut pass: impl FnMut()) -> f64 {
    pass();
    let mut times: Vec<f64> = (0..passes.max(1))
        .map(|_| {
            let start = Instant::now();
            pass();
            start.elapsed().as_nanos() as f64 / keys.max(1) as f64
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

#[cfg(target_os = "linux")]
fn cold(
    args: &BenchArgs,
    hits: &[Vec<u8>],
    misses: &[Vec<u8>],
    out: &mut impl Write,
) -> Result<(), Failure> {
    let path = &args.index;
    writeln!(
        out,
        "cold       after evicting the file from the page cache (MADV_RANDOM)"
    )
    .map_err(Failure::stdout)?;
    for (label, keys) in [("hit", hits), ("miss", misses)] {
        let keys = &keys[..keys.len().min(args.cold)];
        if keys.is_empty() {
            continue;
        }
        evict(path)?;
        let index = Index::open(path).map_err(Failure::error)?;
        let before = mapped_pages(&index);
        let start = Instant::now();
        for k in keys {
            std::hint::black_box(index.get(k).ok());
        }
        let elapsed = start.elapsed().as_nanos() as f64 / keys.len() as f64;
        let written = match (before, mapped_pages(&index)) {
            (Some(before), Some(after)) => writeln!(
                out,
                "  {label:<5} {:>8.1} us per lookup, {:.2} pages per lookup ({} lookups, {} pages after open)",
                elapsed / 1000.0,
                (after - before) as f64 / keys.len() as f64,
                keys.len(),
                before
            ),
            _ => writeln!(
                out,
                "  {label:<5} {:>8.1} us per lookup (page counts unavailable)",
                elapsed / 1000.0
            ),
        };
        written.map_err(Failure::stdout)?;
    }
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn cold(_: &BenchArgs, _: &[Vec<u8>], _: &[Vec<u8>], out: &mut impl Write) -> Result<(), Failure> {
    writeln!(out, "cold       not measured: needs Linux").map_err(Failure::stdout)
}

#[cfg(target_os = "linux")]
fn evict(path: &std::path::Path) -> Result<(), Failure> {
    let file = std::fs::File::open(path)
        .map_err(|e| Failure::error(format!("{}: {e}", path.display())))?;
    rustix::fs::fadvise(&file, 0, None, rustix::fs::Advice::DontNeed)
        .map_err(|e| Failure::error(format!("{}: posix_fadvise: {e}", path.display())))
}

/// Pages of the index's mapping resident in this process, from
/// /proc/self/smaps.
#[cfg(target_os = "linux")]
fn mapped_pages(index: &Index) -> Option<u64> {
    let addr = index.as_bytes().as_ptr() as u64;
    let smaps = std::fs::read_to_string("/proc/self/smaps").ok()?;
    let mut inside = false;
    for line in smaps.lines() {
        if let Some((range, _)) = line.split_once(' ') {
            if let Some((start, end)) = range.split_once('-') {
                if let (Ok(start), Ok(end)) =
                    (u64::from_str_radix(start, 16), u64::from_str_radix(end, 16))
                {
                    inside = (start..end).contains(&addr);
                    continue;
                }
            }
        }
        if inside {
            if let Some(kb) = line.strip_prefix("Rss:") {
                return kb
                    .trim()
                    .trim_end_matches("kB")
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .map(|kb| kb / 4);
            }
        }
    }
    None
}
