//! Measurements: builds (in child processes), open time, warm, batch and
//! cold lookups, and zidx's `verify`. Each submodule measures one thing.

use std::time::Duration;

pub mod build;
pub mod cold;
pub mod lookups;

pub use build::{build_in_child, child_main, BuildFigures};
pub use cold::{cold_lookups, cold_seeks, Cold, ColdSeeks};
pub use lookups::{batch, open_time, verify, warm, Batch, WarmFigures};

/// How much work each measurement does.
#[derive(Debug, Clone, Copy)]
pub struct Effort {
    /// Timed passes per warm measurement (the median is reported).
    pub passes: usize,
    /// Probe keys per pass (hits, and as many misses).
    pub probes: usize,
    /// Keys per cold measurement (hits, then separately misses).
    pub cold: usize,
    /// Keys per `get_many` call.
    pub batch: usize,
    /// Most opens for the open time, and the time budget for them.
    pub opens: usize,
    /// Time budget for the opens.
    pub open_budget: Duration,
}

/// A number from /proc/self/status, in bytes (`VmHWM`, `VmRSS`).
fn proc_status_bytes(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: u64 = line[field.len()..]
        .trim_start_matches(':')
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// This process's resident memory now.
pub fn resident_bytes() -> Option<u64> {
    proc_status_bytes("VmRSS")
}

/// This process's peak resident memory so far.
pub fn peak_bytes() -> Option<u64> {
    proc_status_bytes("VmHWM")
}

/// The median of some numbers (the mean of the middle two for an even count).
pub fn median(mut xs: Vec<f64>) -> f64 {
    if xs.is_empty() {
        return f64::NAN;
    }
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    if n % 2 == 1 {
        xs[n / 2]
    } else {
        (xs[n / 2 - 1] + xs[n / 2]) / 2.0
    }
}
