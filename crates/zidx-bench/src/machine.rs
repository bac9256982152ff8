//! What the report says about where it ran: CPU, cores, RAM, kernel,
//! toolchain, git commit, load.

use std::path::Path;
use std::process::Command;

/// The machine and the source tree.
#[derive(Debug, Clone)]
pub struct Machine {
    /// CPU model name from /proc/cpuinfo.
    pub cpu: String,
    /// Logical CPUs.
    pub cores: usize,
    /// MemTotal, bytes.
    pub ram_bytes: u64,
    /// Kernel release.
    pub kernel: String,
    /// `rustc -V`.
    pub rustc: String,
    /// `git rev-parse HEAD`, with a note when the tree has changes.
    pub commit: String,
    /// Load averages (1, 5, 15 min) when the run started.
    pub load_start: String,
    /// UTC start time.
    pub date: String,
    /// Read-ahead window of the block device holding the data directory.
    pub readahead: String,
}

fn command(cmd: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(cmd).args(args).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The first three fields of /proc/loadavg.
pub fn load() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// The block device read-ahead (`read_ahead_kb`) for files under `dir`.
fn readahead(dir: &Path) -> Option<String> {
    let dev = rustix::fs::stat(dir).ok()?.st_dev;
    let base = format!(
        "/sys/dev/block/{}:{}",
        rustix::fs::major(dev),
        rustix::fs::minor(dev)
    );
    // A partition has no queue/ of its own; its parent disk has.
    let kb = std::fs::read_to_string(format!("{base}/queue/read_ahead_kb"))
        .or_else(|_| std::fs::read_to_string(format!("{base}/../queue/read_ahead_kb")))
        .ok()?;
    Some(format!("{} KiB", kb.trim()))
}

impl Machine {
    /// Reads it all now; `data_dir` is where the files under test live.
    pub fn probe(data_dir: &Path) -> Machine {
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
        let cpu = cpuinfo
            .lines()
            .find_map(|l| {
                l.strip_prefix("model name")?
                    .split_once(':')
                    .map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_else(|| "unknown".into());
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        let ram_bytes = std::fs::read_to_string("/proc/meminfo")
            .ok()
            .and_then(|m| {
                let line = m.lines().find(|l| l.starts_with("MemTotal:"))?.to_string();
                line.split_whitespace().nth(1)?.parse::<u64>().ok()
            })
            .map_or(0, |kib| kib * 1024);
        let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease")
            .map(|s| s.trim().to_string())
            .unwrap_or_else(|_| "unknown".into());
        let commit = match command("git", &["rev-parse", "HEAD"]) {
            Some(head) => {
                let dirty = command("git", &["status", "--porcelain", "--untracked-files=no"])
                    .is_some_and(|s| !s.is_empty());
                if dirty {
                    format!("{head} (with uncommitted changes)")
                } else {
                    head
                }
            }
            None => "unknown (not a git checkout)".into(),
        };
        Machine {
            cpu,
            cores,
            ram_bytes,
            kernel,
            rustc: command("rustc", &["-V"]).unwrap_or_else(|| "unknown".into()),
            commit,
            load_start: load(),
            date: command("date", &["-u", "+%Y-%m-%d %H:%M UTC"]).unwrap_or_default(),
            readahead: readahead(data_dir).unwrap_or_else(|| "unknown (not a block device)".into()),
        }
    }
}

/// CPU time spent by the whole machine and by this process, in clock
/// ticks, to tell how busy other processes kept the CPUs during a
/// measurement.
#[derive(Debug, Clone, Copy)]
pub struct CpuSample {
    at: std::time::Instant,
    busy: u64,
    own: u64,
}

impl CpuSample {
    /// Now, or `None` without /proc.
    pub fn now() -> Option<CpuSample> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        let cpu: Vec<u64> = stat
            .lines()
            .next()?
            .split_whitespace()
            .skip(1)
            .map(|f| f.parse().unwrap_or(0))
            .collect();
        // user nice system idle iowait irq softirq steal: all but idle and
        // iowait are busy.
        let busy = cpu.iter().take(8).sum::<u64>() - cpu.get(3)? - cpu.get(4)?;
        let own = std::fs::read_to_string("/proc/self/stat").ok()?;
        // The fields after the command name, which is in parentheses.
        let fields: Vec<&str> = own.rsplit_once(')')?.1.split_whitespace().collect();
        // utime and stime are fields 14 and 15 of the line: 12 and 13 here.
        let own = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        Some(CpuSample {
            at: std::time::Instant::now(),
            busy,
            own,
        })
    }

    /// CPUs other processes kept busy since `self`, on average (1.0: one
    /// core the whole time). Clock ticks are 1/100 s (Linux's USER_HZ).
    pub fn others_since(&self) -> Option<f64> {
        let now = CpuSample::now()?;
        let secs = now.at.duration_since(self.at).as_secs_f64();
        let others = now
            .busy
            .saturating_sub(self.busy)
            .saturating_sub(now.own.saturating_sub(self.own));
        (secs > 0.0).then(|| others as f64 / 100.0 / secs)
    }
}
