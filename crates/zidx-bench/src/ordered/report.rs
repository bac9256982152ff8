//! ORDERED.md: the `ordered` command's report.

use std::fmt::Write;
use std::time::Duration;

use super::{OrderedRun, SetResult, SystemFigures};
use crate::measure::median;
use crate::report::{header, machine_section, num, row};

const MIB: f64 = 1024.0 * 1024.0;

/// Seek pages beyond the record returned: the target for zidx.
const COLD_PAGES_TARGET: f64 = 3.0;
/// Bytes per record `--ordered` may add.
const BYTES_TARGET: f64 = 6.0;

/// `x` and its ratio to `base`: "812 (2.3×)".
fn rel(x: f64, base: f64) -> String {
    if base > 0.0 && x.is_finite() {
        format!("{} ({:.2}×)", num(x), x / base)
    } else {
        num(x)
    }
}

fn min_max(xs: &[f64]) -> String {
    let min = xs.iter().copied().fold(f64::INFINITY, f64::min);
    let max = xs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("{}–{}", num(min), num(max))
}

/// Whether the ranges (fastest to slowest pass) of two systems overlap.
fn overlap(a: &[f64], b: &[f64]) -> bool {
    let range = |xs: &[f64]| {
        (
            xs.iter().copied().fold(f64::INFINITY, f64::min),
            xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        )
    };
    let ((a0, a1), (b0, b1)) = (range(a), range(b));
    a0 <= b1 && b0 <= a1
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Median build time in s, over every build of `s`.
fn build_s(s: &SystemFigures) -> f64 {
    median(s.builds.iter().map(|b| secs(b.time)).collect())
}

/// Median peak memory of the builds, bytes.
fn build_peak(s: &SystemFigures) -> Option<f64> {
    let peaks: Vec<f64> = s
        .builds
        .iter()
        .filter_map(|b| b.peak_bytes.map(|p| p as f64))
        .collect();
    (!peaks.is_empty()).then(|| median(peaks))
}

/// Size on disk of the last build.
fn size(s: &SystemFigures) -> Option<f64> {
    s.builds.last().and_then(|b| b.size_bytes).map(|b| b as f64)
}

fn seek(s: &SystemFigures) -> f64 {
    median(s.seek_ns.clone())
}

fn scan(s: &SystemFigures) -> f64 {
    median(s.scan_ns.clone())
}

/// Bytes per record `--ordered` adds to the file.
fn ordered_bytes(d: &SetResult) -> Option<f64> {
    let n = d.data.header.records.max(1) as f64;
    Some((size(&d.systems[0])? - size(&d.plain)?) / n)
}

/// Renders the report.
pub fn render(run: &OrderedRun) -> String {
    let mut out = String::new();
    let o = &run.options;
    let _ = writeln!(
        out,
        "# Ordered queries: zidx `--ordered` against fst and LMDB\n\n\
         Command: `{}`  \nDate: {}  \nTotal wall time: {:.0} s\n",
        o.command,
        run.machine.date,
        secs(run.elapsed)
    );
    out.push_str(&machine_section(&run.machine, &run.load_end));
    out.push('\n');
    if let Some(d) = run.sets.iter().max_by_key(|d| d.data.header.records) {
        targets(&mut out, d);
    }
    for d in &run.sets {
        set(&mut out, d, run);
    }
    default_question(&mut out, run);
    method(&mut out, run);
    out
}

fn targets(out: &mut String, d: &SetResult) {
    let [z, f, l] = [&d.systems[0], &d.systems[1], &d.systems[2]];
    let _ = writeln!(
        out,
        "## Targets ({} records)\n\nComputed from this run's medians; \"met\" compares the \
         figures as measured, noise included (the spread over passes is in the tables below).\n",
        num(d.data.header.records as f64)
    );
    out.push_str(&header(&["target", "measured", "met?"]));
    let mut line = |target: &str, measured: String, met: Option<bool>| {
        let met = match met {
            Some(true) => "**met**",
            Some(false) => "**not met**",
            None => "n/a",
        };
        out.push_str(&row(&[target.into(), measured, met.into()]));
    };
    let faster =
        |get: fn(&SystemFigures) -> f64, passes: fn(&SystemFigures) -> &[f64], unit: &str| {
            let (zv, fv, lv) = (get(z), get(f), get(l));
            let mut text = format!(
                "zidx {} {unit}; fst {} {unit} ({:.2}× zidx's); LMDB {} {unit} ({:.2}× zidx's)",
                num(zv),
                num(fv),
                fv / zv,
                num(lv),
                lv / zv
            );
            for peer in [f, l] {
                if overlap(passes(z), passes(peer)) {
                    let _ = write!(
                        text,
                        ". zidx's and {}'s passes overlap (zidx {}, {} {}): the difference is \
                     within this machine's noise",
                        peer.name,
                        min_max(passes(z)),
                        peer.name,
                        min_max(passes(peer))
                    );
                }
            }
            (text, zv < fv && zv < lv)
        };
    let (m, met) = faster(seek, |s| &s.seek_ns, "ns");
    line("warm seek faster than fst and LMDB", m, Some(met));
    let (m, met) = faster(scan, |s| &s.scan_ns, "ns/record");
    line(
        "warm scan (100 records) faster per record than fst and LMDB",
        m,
        Some(met),
    );
    let cold = z.cold.first();
    let beyond = cold.and_then(|c| c.beyond());
    line(
        &format!("cold: at most {COLD_PAGES_TARGET} pages per seek beyond the record returned"),
        match (cold, beyond) {
            (Some(c), Some(b)) => {
                format!(
                    "{} pages per seek over a batch of {} seeks after one open ({}): {} in all, \
                 of which {} hold the record returned. One seek alone after an open: {} pages \
                 (median of {} trials)",
                    num(b),
                    num(d.cold as f64),
                    c.label,
                    num(c.pages.unwrap_or(f64::NAN)),
                    num(c.record_pages),
                    c.first.map_or("n/a".into(), |f| num(f.0)),
                    crate::measure::cold::FIRST
                ) + &d.fence_top_bytes.map_or(String::new(), |b| {
                    format!(
                        ", of which the top level of the fences and their trailer, read whole by \
                     the first ordered query after an open, are {} bytes (at least {} pages)",
                        num(b as f64),
                        num((b as f64 / 4096.0).ceil())
                    )
                })
            }
            _ => "not counted (no `fincore`)".into(),
        },
        beyond.map(|b| b <= COLD_PAGES_TARGET),
    );
    let bytes = ordered_bytes(d);
    line(
        &format!("`--ordered` adds at most {BYTES_TARGET} B/record on disk"),
        bytes.map_or("n/a".into(), |b| {
            format!(
                "{} B/record ({} bytes with, {} without)",
                num(b),
                num(size(z).unwrap_or(f64::NAN)),
                num(size(&d.plain).unwrap_or(f64::NAN))
            )
        }),
        bytes.map(|b| b <= BYTES_TARGET),
    );
    out.push('\n');
}

fn set(out: &mut String, d: &SetResult, run: &OrderedRun) {
    let h = d.data.header;
    let n = h.records.max(1) as f64;
    let o = &run.options;
    let _ = writeln!(
        out,
        "## {} records\n\n{} (mean key {} B, mean value {} B; data file ready in {:.1} s). \
         Wall time for this data set: {:.0} s.\n",
        num(h.records as f64),
        d.data.spec.describe(),
        num(h.key_bytes as f64 / n),
        num(h.value_bytes as f64 / n),
        secs(d.generate_time),
        secs(d.elapsed)
    );
    let z = &d.systems[0];
    let _ = writeln!(
        out,
        "### Warm seeks and scans\n\n{} seek keys per pass (half stored keys, half random \
         other keys, in random order): find the first record at or after the key and read \
         its key and value. Scans: {} of those keys, the {} records from each ({} records \
         per pass in all), every key and value read; ns per record returned. Median of {} \
         timed passes (the systems take turns within each pass), after one untimed pass \
         that checked every answer; the spread is the fastest and slowest pass. Other \
         processes kept {} CPUs busy on average during these passes.\n",
        num(d.seeks as f64),
        num(d.scans.0 as f64),
        o.scan_len,
        num(d.scans.1 as f64),
        o.passes,
        d.others_cpu.map_or("an unknown number of".into(), num)
    );
    out.push_str(&header(&[
        "system",
        "seek ns (× zidx)",
        "seek spread",
        "scan ns/record (× zidx)",
        "scan spread",
        "µs per scan",
    ]));
    for s in &d.systems {
        out.push_str(&row(&[
            s.name.into(),
            rel(seek(s), seek(z)),
            min_max(&s.seek_ns),
            rel(scan(s), scan(z)),
            min_max(&s.scan_ns),
            num(scan(s) * d.scans.1 as f64 / d.scans.0.max(1) as f64 / 1000.0),
        ]));
    }
    out.push('\n');

    let _ = writeln!(
        out,
        "### Cold seeks\n\nThe system's files evicted from the page cache (fsync, then \
         POSIX_FADV_DONTNEED), the system opened, {} seeks (the first keys of the warm \
         list), then the resident pages of its files counted{}. \"Record pages\" are the \
         distinct pages holding the bytes returned (zidx, LMDB: the key and the value; fst: \
         the value's entry in the values file, its keys being spelled by the FST itself); \
         \"beyond\" is the rest: the index's own pages, and readahead. Pages that several \
         seeks of the batch share (the file's header, zidx's top level of fences, the upper \
         levels of a tree) are read once and so shared out among them. µs include the open. \
         \"One seek alone\": the median of {} trials of evict, open, one seek (the first \
         keys of the list), which pays for all of those by itself. This machine's read-ahead \
         window: {}.\n",
        num(d.cold as f64),
        if run.fincore {
            " (util-linux `fincore`)"
        } else {
            ": not counted, `fincore` missing"
        },
        crate::measure::cold::FIRST,
        run.machine.readahead
    );
    out.push_str(&header(&[
        "system",
        "opened as",
        "µs/seek",
        "pages/seek",
        "record pages/seek",
        "beyond/seek",
        "file pages",
        "one seek alone: pages",
        "µs",
    ]));
    for s in &d.systems {
        for c in &s.cold {
            let opt = |x: Option<f64>| x.map_or("n/a".into(), num);
            out.push_str(&row(&[
                s.name.into(),
                c.label.into(),
                num(c.us),
                opt(c.pages),
                num(c.record_pages),
                opt(c.beyond()),
                num(c.file_pages as f64),
                opt(c.first.map(|f| f.0)),
                opt(c.first.map(|f| f.1)),
            ]));
        }
    }
    out.push('\n');

    let _ = writeln!(
        out,
        "### Builds and sizes\n\nEach build in a child process reading the data file; \
         zidx with and without `--ordered` built {} times each, alternating (median time, \
         every time listed), the peers once. Peak memory: the build process's VmHWM. \
         Overhead: bytes on disk beyond the {} bytes of keys and values, per record.\n",
        o.build_repeats.max(1),
        num(h.payload() as f64)
    );
    out.push_str(&header(&[
        "system",
        "build s",
        "every build, s",
        "peak MiB",
        "size MiB",
        "overhead B/record",
        "sort runs",
    ]));
    for s in std::iter::once(&d.plain).chain(&d.systems) {
        let every: Vec<String> = s
            .builds
            .iter()
            .map(|b| format!("{:.2}", secs(b.time)))
            .collect();
        let runs: Vec<String> = s
            .builds
            .iter()
            .filter_map(|b| b.sort_runs.map(|r| r.to_string()))
            .collect();
        out.push_str(&row(&[
            s.name.into(),
            format!("{:.2}", build_s(s)),
            every.join(", "),
            build_peak(s).map_or("n/a".into(), |p| num(p / MIB)),
            size(s).map_or("n/a".into(), |b| num(b / MIB)),
            size(s).map_or("n/a".into(), |b| num((b - h.payload() as f64) / n)),
            if runs.is_empty() {
                "–".into()
            } else {
                runs.join(", ")
            },
        ]));
    }
    out.push('\n');
    if let Some(b) = ordered_bytes(d) {
        let _ = writeln!(
            out,
            "`--ordered` adds {} B/record on disk; its builds took {:.2}× the time of the \
             unordered ones (medians: {:.2} s against {:.2} s).\n",
            num(b),
            build_s(z) / build_s(&d.plain),
            build_s(z),
            build_s(&d.plain)
        );
    }
}

fn default_question(out: &mut String, run: &OrderedRun) {
    out.push_str(
        "## Should `--ordered` be the default?\n\nThe cost side, per data set, from the \
         builds above (same data, same run, alternating builds):\n\n",
    );
    out.push_str(&header(&[
        "records",
        "build s without",
        "build s with",
        "ratio",
        "peak MiB without",
        "peak MiB with",
        "B/record added",
    ]));
    for d in &run.sets {
        let (p, z) = (&d.plain, &d.systems[0]);
        let peak = |s: &SystemFigures| build_peak(s).map_or("n/a".into(), |b| num(b / MIB));
        out.push_str(&row(&[
            num(d.data.header.records as f64),
            format!("{:.2}", build_s(p)),
            format!("{:.2}", build_s(z)),
            format!("{:.2}×", build_s(z) / build_s(p)),
            peak(p),
            peak(z),
            ordered_bytes(d).map_or("n/a".into(), num),
        ]));
    }
    out.push('\n');
}

fn method(out: &mut String, run: &OrderedRun) {
    out.push_str("## Systems and method\n\n");
    if let Some(d) = run.sets.first() {
        for s in std::iter::once(&d.plain).chain(&d.systems) {
            let _ = writeln!(out, "- **{}**: {}", s.name, s.setup);
        }
    }
    out.push_str(
        "\nEvery figure comes from this run: the same data file for every system, the \
         three systems open at once for the warm passes. Each seek and scan is one call \
         through the harness's `OrderedReader` trait (src/systems/mod.rs), which reads the \
         length, first and last byte of every key and value returned and checks the \
         answers against the sorted keys of the data set; no figure is asserted on by the \
         tests. The unordered zidx build is only built and measured for size.\n",
    );
}
