//! Each build runs in a child process (this binary, re-run with the hidden
//! `build-one` subcommand), so its peak memory (VmHWM at its end) is its own.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use super::peak_bytes;
use crate::systems::{self, Result};

/// What a build cost and produced.
#[derive(Debug, Clone)]
pub struct BuildFigures {
    /// Wall time of the build itself (not process start-up).
    pub time: Duration,
    /// Peak resident memory of the building process.
    pub peak_bytes: Option<u64>,
    /// Bytes on disk (or in RAM for the in-memory system).
    pub size_bytes: Option<u64>,
    /// Whether `size_bytes` is RAM rather than files.
    pub in_memory: bool,
    /// zidx ordered builds: sorted runs spilled to temporary files.
    pub sort_runs: Option<u64>,
}

/// Runs `system`'s build of `data` into `dir` in a child process.
pub fn build_in_child(
    system: &dyn systems::System,
    data: &Path,
    dir: &Path,
) -> Result<BuildFigures> {
    let exe = std::env::current_exe()?;
    let out = Command::new(exe)
        .arg("build-one")
        .arg("--system")
        .arg(system.id())
        .arg("--data")
        .arg(data)
        .arg("--dir")
        .arg(dir)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()?;
    if !out.status.success() {
        return Err(format!("build of {} failed ({})", system.id(), out.status).into());
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let field = |name: &str| -> Option<u64> {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix('='))
            .and_then(|v| v.trim().parse().ok())
    };
    let time = Duration::from_nanos(field("time_ns").ok_or("build child printed no time")?);
    let in_memory = field("in_memory_bytes");
    let size_bytes = match in_memory {
        Some(b) => Some(b),
        None => {
            let mut total = 0;
            for f in system.files(dir) {
                total += std::fs::metadata(&f)?.len();
            }
            Some(total)
        }
    };
    Ok(BuildFigures {
        time,
        peak_bytes: field("peak_bytes"),
        size_bytes,
        in_memory: in_memory.is_some(),
        sort_runs: field("sort_runs"),
    })
}

/// The child's side: build, then print `name=value` lines for the parent.
pub fn child_main(system_id: &str, data: &Path, dir: &Path) -> Result<()> {
    let system = systems::by_id(system_id).ok_or_else(|| format!("unknown system {system_id}"))?;
    let start = Instant::now();
    let outcome = system.build(data, dir)?;
    let elapsed = start.elapsed();
    let peak = outcome.peak_bytes.or_else(peak_bytes);
    println!("time_ns={}", outcome.time.unwrap_or(elapsed).as_nanos());
    if let Some(p) = peak {
        println!("peak_bytes={p}");
    }
    if let Some(m) = outcome.in_memory_bytes {
        println!("in_memory_bytes={m}");
    }
    if let Some(r) = outcome.sort_runs {
        println!("sort_runs={r}");
    }
    Ok(())
}
