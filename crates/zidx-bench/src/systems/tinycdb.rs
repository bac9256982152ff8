//! Build time only: Debian's tinycdb tool, `cdb -c`, on an input file in
//! cdbmake format (`+klen,dlen:key->data` lines) written beforehand and not
//! timed. Its file format is the one the `cdb` crate reads, so lookups are
//! measured once, under "CDB (cdb crate)".

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use super::{cdb, Access, BuildOutcome, Opened, Result, System};
use crate::datagen::for_each;

pub struct TinyCdb;

const TOOL: &str = "cdb";
/// GNU time, for the tool's peak memory.
const TIME: &str = "/usr/bin/time";

fn tool_present() -> bool {
    Command::new(TOOL)
        .arg("-h")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("create:"))
        .unwrap_or(false)
}

impl System for TinyCdb {
    fn id(&self) -> &'static str {
        "tinycdb"
    }
    fn name(&self) -> &'static str {
        "CDB (tinycdb `cdb -c`)"
    }
    fn setup(&self) -> &'static str {
        "Debian's `tinycdb` tool: `cdb -c out.cdb input` on cdbmake-format input written \
         beforehand (untimed); peak memory from GNU time's maximum RSS. Build figures only: \
         the file is the format the `cdb` crate reads."
    }
    fn limits(&self) -> &'static str {
        cdb::LIMITS
    }
    fn available(&self, payload_bytes: u64, records: u64) -> std::result::Result<(), String> {
        if !tool_present() {
            return Err(
                "tinycdb's `cdb` command is not installed (apt-get install tinycdb)".into(),
            );
        }
        cdb::fits(payload_bytes, records)
    }
    fn lookups(&self) -> bool {
        false
    }
    fn build(&self, data: &Path, dir: &Path) -> Result<BuildOutcome> {
        let input = dir.join("input.cdbmake");
        {
            let mut out = BufWriter::with_capacity(1 << 20, File::create(&input)?);
            for_each(data, |_, k, v| {
                write!(out, "+{},{}:", k.len(), v.len())?;
                out.write_all(k)?;
                out.write_all(b"->")?;
                out.write_all(v)?;
                out.write_all(b"\n")
            })?;
            out.write_all(b"\n")?;
            out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        }
        let target = dir.join(cdb::FILE);
        let rss = dir.join("time.out");
        let have_time = Path::new(TIME).exists();
        let mut cmd = if have_time {
            let mut c = Command::new(TIME);
            c.arg("-f").arg("%M").arg("-o").arg(&rss).arg(TOOL);
            c
        } else {
            Command::new(TOOL)
        };
        cmd.arg("-c").arg(&target).arg(&input);
        let start = Instant::now();
        let status = cmd.status()?;
        let time = start.elapsed();
        std::fs::remove_file(&input)?;
        if !status.success() {
            return Err(format!("`cdb -c` failed: {status}").into());
        }
        let peak_bytes = if have_time {
            let text = std::fs::read_to_string(&rss)?;
            let kib: u64 = text.trim().lines().last().unwrap_or("").trim().parse()?;
            Some(kib * 1024)
        } else {
            None
        };
        Ok(BuildOutcome {
            time: Some(time),
            peak_bytes,
            in_memory_bytes: None,
            sort_runs: None,
        })
    }
    fn files(&self, dir: &Path) -> Vec<PathBuf> {
        vec![dir.join(cdb::FILE)]
    }
    fn open(&self, _data: &Path, _dir: &Path, _access: Access) -> Result<Box<dyn Opened + '_>> {
        Err("tinycdb is measured for its build only".into())
    }
}
