//! Warm lookups (one and two threads), open time, zidx's batch lookups and
//! zidx's `verify`, all with the files already in the page cache.

use std::path::Path;
use std::sync::Barrier;
use std::time::{Duration, Instant};

use super::{median, Effort};
use crate::datagen::{digest, Probe};
use zidx::Index;

use crate::systems::{Access, Opened, Reader, Result, System};

/// One warm figure: median time per lookup and the throughput it gives.
#[derive(Debug, Clone, Copy)]
pub struct Warm {
    /// Median over passes of the time per lookup, in ns (for two threads:
    /// the mean of the threads' times per lookup).
    pub ns: f64,
    /// Lookups per second (for two threads: both together, over wall time).
    pub per_sec: f64,
}

/// Warm lookup figures of one system.
#[derive(Debug, Clone)]
pub struct WarmFigures {
    /// One thread, keys present.
    pub hit: Warm,
    /// One thread, keys absent.
    pub miss: Warm,
    /// Two threads, keys present.
    pub hit2: Warm,
    /// Two threads, keys absent.
    pub miss2: Warm,
    /// Answers that differed from the data set (must be 0).
    pub wrong: u64,
}

/// One pass over `probes` starting at `start`; returns the time taken and
/// the number of wrong answers.
fn pass(reader: &mut dyn Reader, probes: &[Probe], start: usize) -> (Duration, u64) {
    let (tail, head) = probes.split_at(start);
    let mut wrong = 0;
    let t = Instant::now();
    for p in head.iter().chain(tail) {
        if reader.get(&p.key) != p.expect {
            wrong += 1;
        }
    }
    (t.elapsed(), wrong)
}

/// Median time per lookup over `passes` passes on `threads` threads (each
/// thread goes over every probe, starting at a different point).
fn timed(
    opened: &dyn Opened,
    probes: &[Probe],
    passes: usize,
    threads: usize,
) -> Result<(Warm, u64)> {
    let n = probes.len().max(1) as f64;
    let barrier = Barrier::new(threads);
    let results: Vec<Result<Vec<(Duration, u64)>>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let barrier = &barrier;
                s.spawn(move || -> Result<Vec<(Duration, u64)>> {
                    let mut reader = opened.reader();
                    let start = probes.len() * t / threads;
                    let mut times = Vec::with_capacity(passes);
                    for _ in 0..passes {
                        // Every thread takes part in every pass, even one
                        // whose reader failed, so that none waits forever.
                        barrier.wait();
                        if let Ok(r) = &mut reader {
                            times.push(pass(r.as_mut(), probes, start));
                        }
                    }
                    reader.map(|_| times)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| Err("lookup thread panicked".into()))
            })
            .collect()
    });
    let per_thread = results.into_iter().collect::<Result<Vec<_>>>()?;
    let mut ns = Vec::new();
    let mut per_sec = Vec::new();
    let mut wrong = 0;
    for p in 0..passes {
        let times: Vec<f64> = per_thread.iter().map(|t| t[p].0.as_secs_f64()).collect();
        wrong += per_thread.iter().map(|t| t[p].1).sum::<u64>();
        let mean = times.iter().sum::<f64>() / times.len() as f64;
        let wall = times.iter().copied().fold(0.0, f64::max);
        ns.push(mean / n * 1e9);
        per_sec.push(n * threads as f64 / wall);
    }
    Ok((
        Warm {
            ns: median(ns),
            per_sec: median(per_sec),
        },
        wrong,
    ))
}

/// Warm lookups: one untimed pass of each kind first (it also loads the
/// pages), then `effort.passes` timed passes of hits and of misses, on one
/// thread and on two.
pub fn warm(
    opened: &dyn Opened,
    hits: &[Probe],
    misses: &[Probe],
    effort: &Effort,
) -> Result<WarmFigures> {
    let mut wrong = timed(opened, hits, 1, 1)?.1 + timed(opened, misses, 1, 1)?.1;
    let (hit, w1) = timed(opened, hits, effort.passes, 1)?;
    let (miss, w2) = timed(opened, misses, effort.passes, 1)?;
    let (hit2, w3) = timed(opened, hits, effort.passes, 2)?;
    let (miss2, w4) = timed(opened, misses, effort.passes, 2)?;
    wrong += w1 + w2 + w3 + w4;
    Ok(WarmFigures {
        hit,
        miss,
        hit2,
        miss2,
        wrong,
    })
}

/// Median time, in µs, from calling `open` to the answer of the first
/// lookup (warm page cache): what a process pays before it can serve.
pub fn open_time(
    system: &dyn System,
    data: &Path,
    dir: &Path,
    key: &[u8],
    effort: &Effort,
) -> Result<f64> {
    let mut times = Vec::new();
    let budget = Instant::now();
    while times.len() < effort.opens && (times.len() < 10 || budget.elapsed() < effort.open_budget)
    {
        let t = Instant::now();
        let opened = system.open(data, dir, Access::Default)?;
        let found = opened.reader()?.get(key);
        times.push(t.elapsed().as_secs_f64() * 1e6);
        if found.is_none() {
            return Err(format!("{}: the first lookup after open missed", system.id()).into());
        }
    }
    Ok(median(times))
}

/// zidx `get_many` against `get` on the same keys.
#[derive(Debug, Clone, Copy)]
pub struct Batch {
    /// Keys per `get_many` call.
    pub batch: usize,
    /// ns per key with `get`, keys present.
    pub hit_get: f64,
    /// ns per key with `get_many`, keys present.
    pub hit_many: f64,
    /// ns per key with `get`, keys absent.
    pub miss_get: f64,
    /// ns per key with `get_many`, keys absent.
    pub miss_many: f64,
}

fn batch_ns(index: &Index, probes: &[Probe], size: usize, passes: usize) -> Result<(f64, f64)> {
    let keys: Vec<&[u8]> = probes.iter().map(|p| &*p.key).collect();
    let n = keys.len().max(1) as f64;
    let mut one = Vec::new();
    let mut many = Vec::new();
    let mut out = Vec::with_capacity(size);
    // The first round of each only warms up.
    for round in 0..=passes {
        let mut wrong = 0;
        let t = Instant::now();
        for (key, p) in keys.iter().zip(probes) {
            wrong += u64::from(index.get(key)?.map(digest) != p.expect);
        }
        let get_time = t.elapsed();
        let t = Instant::now();
        for (chunk, ps) in keys.chunks(size).zip(probes.chunks(size)) {
            index.get_many(chunk, &mut out);
            for (found, p) in out.iter().zip(ps) {
                let found = found.as_ref().map_err(|e| e.to_string())?;
                wrong += u64::from(found.map(digest) != p.expect);
            }
        }
        let many_time = t.elapsed();
        if wrong != 0 {
            return Err(format!("zidx batch: {wrong} wrong answers").into());
        }
        if round > 0 {
            one.push(get_time.as_secs_f64() * 1e9 / n);
            many.push(many_time.as_secs_f64() * 1e9 / n);
        }
    }
    Ok((median(one), median(many)))
}

/// Batch lookups: `get_many` in calls of `effort.batch` keys against `get`
/// one key at a time, same keys, same order, single thread.
pub fn batch(index: &Index, hits: &[Probe], misses: &[Probe], effort: &Effort) -> Result<Batch> {
    let (hit_get, hit_many) = batch_ns(index, hits, effort.batch, effort.passes)?;
    let (miss_get, miss_many) = batch_ns(index, misses, effort.batch, effort.passes)?;
    Ok(Batch {
        batch: effort.batch,
        hit_get,
        hit_many,
        miss_get,
        miss_many,
    })
}

/// `verify` throughput in GB/s (10^9 bytes), warm: median of 3 runs, or
/// one run when a run takes over 10 s.
pub fn verify(index: &Index) -> Result<f64> {
    let mut rates = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        index.verify()?;
        let secs = t.elapsed().as_secs_f64();
        rates.push(index.as_bytes().len() as f64 / secs / 1e9);
        if secs > 10.0 {
            break;
        }
    }
    Ok(median(rates))
}
