//! Cold lookups: the system's files are evicted from the page cache
//! (fsync, then posix_fadvise(POSIX_FADV_DONTNEED)), the system is opened,
//! N keys are looked up, and the pages of its files now resident are
//! counted with util-linux's `fincore`. The same for ordered seeks, where
//! the pages of the records returned are told apart from the others.

use std::collections::HashSet;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use rustix::fs::{fadvise, Advice};

use crate::datagen::Probe;
use crate::systems::{Result, System};

/// The page size `fincore` counts in (x86-64, aarch64 with 4 KiB pages).
const PAGE: u64 = 4096;

/// Cold figures for one way of opening a system.
#[derive(Debug, Clone)]
pub struct Cold {
    /// How it was opened.
    pub label: &'static str,
    /// µs per present key, including the open.
    pub hit_us: f64,
    /// Pages read into the page cache per present key.
    pub hit_pages: Option<f64>,
    /// µs per absent key, including the open.
    pub miss_us: f64,
    /// Pages read into the page cache per absent key.
    pub miss_pages: Option<f64>,
    /// Pages of all the system's files: the most any count can reach.
    pub file_pages: u64,
}

/// Drops `files` from the page cache.
pub fn evict(files: &[PathBuf]) -> Result<()> {
    for f in files {
        let file = File::open(f)?;
        // Dirty pages cannot be dropped: write them first.
        file.sync_all()?;
        fadvise(&file, 0, None, Advice::DontNeed)?;
    }
    Ok(())
}

/// Pages of `files` in the page cache, or `None` without `fincore`.
pub fn resident_pages(files: &[PathBuf]) -> Option<u64> {
    let out = Command::new("fincore")
        .args(["--noheadings", "--raw", "--bytes", "--output", "PAGES"])
        .args(files)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().parse::<u64>().ok())
        .sum()
}

/// Whether `fincore` can be used.
pub fn have_fincore() -> bool {
    Command::new("fincore")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn one(
    system: &dyn System,
    data: &Path,
    dir: &Path,
    access: crate::systems::Access,
    probes: &[Probe],
) -> Result<(f64, Option<f64>)> {
    let files = system.files(dir);
    evict(&files)?;
    let before = resident_pages(&files);
    let t = Instant::now();
    let opened = system.open(data, dir, access)?;
    let mut reader = opened.reader()?;
    let mut wrong = 0;
    for p in probes {
        wrong += u64::from(reader.get(&p.key) != p.expect);
    }
    let us = t.elapsed().as_secs_f64() * 1e6 / probes.len().max(1) as f64;
    let after = resident_pages(&files);
    drop(reader);
    drop(opened);
    if wrong != 0 {
        return Err(format!("{}: {wrong} wrong answers in cold lookups", system.id()).into());
    }
    let pages = after
        .zip(before)
        .map(|(a, b)| a.saturating_sub(b) as f64 / probes.len().max(1) as f64);
    Ok((us, pages))
}

/// Cold hits, then cold misses, for every cold mode of `system`.
pub fn cold_lookups(
    system: &dyn System,
    data: &Path,
    dir: &Path,
    hits: &[Probe],
    misses: &[Probe],
) -> Result<Vec<Cold>> {
    let mut out = Vec::new();
    let mut file_pages = 0;
    for f in system.files(dir) {
        file_pages += std::fs::metadata(f)?.len().div_ceil(PAGE);
    }
    for &(access, label) in system.cold_modes() {
        let (hit_us, hit_pages) = one(system, data, dir, access, hits)?;
        let (miss_us, miss_pages) = one(system, data, dir, access, misses)?;
        out.push(Cold {
            label,
            hit_us,
            hit_pages,
            miss_us,
            miss_pages,
            file_pages,
        });
    }
    Ok(out)
}

/// Cold seeks for one way of opening an ordered system.
#[derive(Debug, Clone)]
pub struct ColdSeeks {
    /// How it was opened.
    pub label: &'static str,
    /// µs per seek, including the open.
    pub us: f64,
    /// Pages of the system's files read into the page cache, per seek.
    pub pages: Option<f64>,
    /// Of those, the distinct pages holding the records returned, per seek.
    pub record_pages: f64,
    /// Pages of all the system's files: the most any count can reach.
    pub file_pages: u64,
    /// One seek alone right after the open, from an evicted cache: the
    /// median over trials of the pages read (open included), and of the µs.
    pub first: Option<(f64, f64)>,
}

impl ColdSeeks {
    /// Pages read per seek beyond those of the records returned.
    pub fn beyond(&self) -> Option<f64> {
        self.pages.map(|p| p - self.record_pages)
    }
}

/// Trials of one seek alone after an open, per cold mode.
pub const FIRST: usize = 15;

/// For each key: evict, open, seek that one key, count the pages read.
/// The medians of the page counts and times, or `None` without `fincore`.
fn first_seeks(
    system: &dyn System,
    data: &Path,
    dir: &Path,
    access: crate::systems::Access,
    keys: &[&[u8]],
) -> Result<Option<(f64, f64)>> {
    let files = system.files(dir);
    let mut pages = Vec::new();
    let mut times = Vec::new();
    for key in keys {
        evict(&files)?;
        let before = resident_pages(&files);
        let t = Instant::now();
        let opened = system.open(data, dir, access)?;
        std::hint::black_box(opened.ordered()?.seek(key));
        times.push(t.elapsed().as_secs_f64() * 1e6);
        drop(opened);
        match resident_pages(&files).zip(before) {
            Some((a, b)) => pages.push(a.saturating_sub(b) as f64),
            None => return Ok(None),
        }
    }
    Ok(Some((super::median(pages), super::median(times))))
}

/// Cold seeks for every cold mode of `system`: the files are evicted, the
/// system opened, and each key of `keys` sought (the first record at or
/// after it, checked against `expect`); then the resident pages of its
/// files are counted, and the distinct pages of the records returned.
/// Then [`FIRST`] times: evict, open, one seek, count.
pub fn cold_seeks(
    system: &dyn System,
    data: &Path,
    dir: &Path,
    keys: &[&[u8]],
    expect: &[Option<u64>],
) -> Result<Vec<ColdSeeks>> {
    let files = system.files(dir);
    let mut file_pages = 0;
    for f in &files {
        file_pages += std::fs::metadata(f)?.len().div_ceil(PAGE);
    }
    let n = keys.len().max(1) as f64;
    let mut out = Vec::new();
    for &(access, label) in system.cold_modes() {
        evict(&files)?;
        let before = resident_pages(&files);
        let mut record_pages = Vec::new();
        let t = Instant::now();
        let opened = system.open(data, dir, access)?;
        let mut reader = opened.ordered()?;
        let mut wrong = 0;
        for (key, expect) in keys.iter().zip(expect) {
            wrong += u64::from(reader.seek_pages(key, &mut record_pages) != *expect);
        }
        let us = t.elapsed().as_secs_f64() * 1e6 / n;
        let after = resident_pages(&files);
        drop(reader);
        drop(opened);
        if wrong != 0 {
            return Err(format!("{}: {wrong} wrong answers in cold seeks", system.id()).into());
        }
        let distinct: HashSet<usize> = record_pages.into_iter().collect();
        let first = first_seeks(system, data, dir, access, &keys[..keys.len().min(FIRST)])?;
        out.push(ColdSeeks {
            label,
            us,
            pages: after
                .zip(before)
                .map(|(a, b)| a.saturating_sub(b) as f64 / n),
            record_pages: distinct.len() as f64 / n,
            file_pages,
            first,
        });
    }
    Ok(out)
}
