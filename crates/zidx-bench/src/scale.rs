//! `zidx-bench gen-build`: one large zidx file from random records streamed
//! into the writer (nothing else held in memory), with the build's time,
//! peak resident memory and file size. scripts/scale.sh runs it and then
//! `zidx bench` on the file for the lookup figures.

use std::path::Path;
use std::time::Instant;

use crate::systems::Result;

/// The process's peak resident memory (VmHWM), in bytes.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

/// How `gen-build` builds.
#[derive(Debug, Clone, Copy, Default)]
pub struct GenOptions {
    /// Format 1.0 (XXH3) instead of the default.
    pub v1_0: bool,
    /// Records in key order (`Options::with_ordered`).
    pub ordered: bool,
    /// A check after every record (`Options::with_record_checksums`).
    pub checked: bool,
    /// Sort memory of an ordered build, bytes (default: the writer's).
    pub sort_buffer: Option<usize>,
    /// The writer's memory budget, bytes (default: the writer's).
    pub memory: Option<usize>,
}

/// Bytes in the process's open files that have no name (the writer's
/// spilled runs are unnamed temporary files, invisible in a directory
/// listing): read through `/proc/self/fd`, whose links stat the open file.
fn unnamed_file_bytes() -> u64 {
    let Ok(fds) = std::fs::read_dir("/proc/self/fd") else {
        return 0;
    };
    fds.flatten()
        .filter(|fd| {
            std::fs::read_link(fd.path())
                .is_ok_and(|target| target.to_string_lossy().ends_with(" (deleted)"))
        })
        .filter_map(|fd| std::fs::metadata(fd.path()).ok())
        .filter(|meta| meta.is_file())
        .map(|meta| meta.len())
        .sum()
}

/// Samples [`unnamed_file_bytes`] every 50 ms on a thread until dropped,
/// keeping the largest value: the peak temporary disk of a build.
struct TempDiskSampler {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<u64>>,
}

impl TempDiskSampler {
    fn start() -> TempDiskSampler {
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut peak = 0;
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(unnamed_file_bytes());
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            peak
        });
        TempDiskSampler {
            stop,
            thread: Some(thread),
        }
    }

    fn peak(mut self) -> u64 {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.take().map_or(0, |t| t.join().unwrap_or(0))
    }
}

/// Writes `records` random records (keys 8-40 bytes, values 8-64 bytes,
/// from a fixed-seed generator) to `out` as `gen` says, and prints the
/// figures.
pub fn gen_build(records: u64, out: &Path, gen: &GenOptions) -> Result<()> {
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut fill = |buf: &mut Vec<u8>, len: usize| {
        buf.clear();
        while buf.len() < len {
            buf.extend_from_slice(&next().to_le_bytes());
        }
        buf.truncate(len);
    };
    let before = peak_rss();
    let cpu = crate::machine::CpuSample::now();
    let start = Instant::now();
    let mut options = zidx_writer::Options::default()
        .with_ordered(gen.ordered)
        .with_record_checksums(gen.checked);
    if gen.v1_0 {
        options = options.with_format_version(zidx_writer::FormatVersion::V1_0);
    }
    if let Some(bytes) = gen.sort_buffer {
        options = options.with_sort_buffer(bytes);
    }
    if let Some(bytes) = gen.memory {
        options = options.with_memory(bytes);
    }
    let sampler = TempDiskSampler::start();
    let mut writer = zidx_writer::Writer::create(out, options.clone())?;
    let (mut key, mut value) = (Vec::with_capacity(40), Vec::with_capacity(64));
    for i in 0..records {
        // Lengths from the record number, so that they cost no generator
        // output and the keys stay the generator's alone.
        fill(&mut key, 8 + (i.wrapping_mul(0x9E37_79B9) % 33) as usize);
        fill(&mut value, 8 + (i.wrapping_mul(0x85EB_CA6B) % 57) as usize);
        writer.insert(&key, &value)?;
    }
    let inserted = start.elapsed();
    let summary = writer.finish()?;
    let total = start.elapsed();
    let temp_peak = sampler.peak();
    let others = cpu.and_then(|c| c.others_since());
    let size = std::fs::metadata(out)?.len();
    println!(
        "options        {}{}{}",
        if gen.v1_0 {
            "format 1.0"
        } else {
            "default format"
        },
        if gen.ordered { ", --ordered" } else { "" },
        if gen.checked { ", --checked" } else { "" }
    );
    println!("records        {records}");
    println!("insert         {:.1} s", inserted.as_secs_f64());
    println!(
        "build total    {:.1} s (insert, seed, sort, slots, fsync, rename)",
        total.as_secs_f64()
    );
    println!(
        "memory budget  {} MiB; hash entries spilled in {} runs, {} MiB written to temporary files, at most {} MiB at once",
        options.memory >> 20,
        summary.hash_runs,
        summary.spilled_bytes >> 20,
        temp_peak >> 20
    );
    if gen.ordered {
        println!(
            "sort runs      {} (spilled to temporary files; sort buffer {} MiB)",
            summary.sort_runs,
            options.sort_buffer >> 20
        );
    }
    match (peak_rss(), before) {
        (Some(peak), Some(before)) => println!(
            "peak RSS       {:.0} MiB ({:.1} B per record beyond the {:.0} MiB before the build)",
            peak as f64 / (1 << 20) as f64,
            peak.saturating_sub(before) as f64 / records.max(1) as f64,
            before as f64 / (1 << 20) as f64
        ),
        _ => println!("peak RSS       n/a (no /proc/self/status)"),
    }
    println!(
        "file           {size} bytes ({:.1} B per record)",
        size as f64 / records.max(1) as f64
    );
    if let Some(others) = others {
        println!("other load     {others:.2} CPUs kept busy by other processes meanwhile");
    }
    Ok(())
}
