//! Cold lookups: the system's files are evicted from the page cache
//! (fsync, then posix_fadvise(POSIX_FADV_DONTNEED)), the system is opened,
//! N keys are looked up, and the pages of its files now resident are
//! counted with util-linux's `fincore`.

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
