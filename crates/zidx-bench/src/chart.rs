//! A hand-written SVG chart: warm ns per lookup, hits and misses, per
//! system, one panel per data set, on a log scale.

use std::fmt::Write;

use crate::run::RunResult;

const WIDTH: f64 = 960.0;
const PANEL: f64 = 300.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 50.0;
const BOTTOM: f64 = 60.0;
const HIT: &str = "#3b6fb6";
const MISS: &str = "#e08a2c";

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn label(ns: f64) -> String {
    if ns >= 1000.0 {
        format!("{:.1}k", ns / 1000.0)
    } else {
        format!("{ns:.0}")
    }
}

/// The chart as an SVG document.
pub fn render(run: &RunResult) -> String {
    let panels: Vec<_> = run
        .datasets
        .iter()
        .map(|d| {
            let bars: Vec<(&str, f64, f64)> = d
                .systems
                .iter()
                .filter_map(|s| s.warm.as_ref().map(|w| (s.name, w.hit.ns, w.miss.ns)))
                .collect();
            (d, bars)
        })
        .filter(|(_, bars)| !bars.is_empty())
        .collect();
    let height = TOP + panels.len() as f64 * (PANEL + BOTTOM + TOP) + 10.0;
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" viewBox="0 0 {WIDTH} {height}" font-family="sans-serif" font-size="12">"##
    );
    let _ = writeln!(svg, r##"<rect width="100%" height="100%" fill="white"/>"##);
    let _ = writeln!(
        svg,
        r##"<text x="{}" y="24" font-size="16" font-weight="bold" text-anchor="middle">Warm lookups: ns per lookup, single thread, median (log scale; lower is better)</text>"##,
        WIDTH / 2.0
    );
    let x = WIDTH - 150.0;
    let _ = writeln!(
        svg,
        r##"<rect x="{x}" y="32" width="12" height="12" fill="{HIT}"/><text x="{}" y="42">hit</text><rect x="{}" y="32" width="12" height="12" fill="{MISS}"/><text x="{}" y="42">miss</text>"##,
        x + 16.0,
        x + 60.0,
        x + 76.0,
    );
    for (i, (d, bars)) in panels.iter().enumerate() {
        let y0 = TOP + i as f64 * (PANEL + BOTTOM + TOP) + TOP;
        let max = bars.iter().map(|b| b.1.max(b.2)).fold(1.0, f64::max);
        let min = bars
            .iter()
            .map(|b| b.1.min(b.2))
            .fold(f64::INFINITY, f64::min)
            .max(1.0);
        let lo = 10f64.powf(min.log10().floor());
        // The smallest 1, 2 or 5 times a power of ten at or above the maximum.
        let hi = [1.0, 2.0, 5.0, 10.0]
            .iter()
            .map(|m| m * 10f64.powf(max.log10().floor()))
            .find(|&v| v >= max)
            .unwrap_or(max)
            .max(lo * 10.0);
        let y = |v: f64| {
            y0 + PANEL - (v.max(lo).log10() - lo.log10()) / (hi.log10() - lo.log10()) * PANEL
        };
        let _ = writeln!(
            svg,
            r##"<text x="{LEFT}" y="{}" font-size="14" font-weight="bold">{} ({} records)</text>"##,
            y0 - 12.0,
            esc(&d.data.spec.name),
            crate::report::num(d.data.header.records as f64)
        );
        // Grid lines at 1, 2 and 5 times each power of ten.
        let mut decade = lo;
        while decade <= hi * 1.001 {
            for m in [1.0, 2.0, 5.0] {
                let v = decade * m;
                if v > hi * 1.001 {
                    break;
                }
                let gy = y(v);
                let (stroke, w) = if m == 1.0 {
                    ("#999", 1.0)
                } else {
                    ("#ddd", 0.7)
                };
                let _ = writeln!(
                    svg,
                    r##"<line x1="{LEFT}" y1="{gy:.1}" x2="{}" y2="{gy:.1}" stroke="{stroke}" stroke-width="{w}"/><text x="{}" y="{:.1}" text-anchor="end" fill="#555">{}</text>"##,
                    WIDTH - RIGHT,
                    LEFT - 6.0,
                    gy + 4.0,
                    label(v)
                );
            }
            decade *= 10.0;
        }
        let _ = writeln!(
            svg,
            r##"<text transform="translate(18 {:.1}) rotate(-90)" text-anchor="middle">ns per lookup</text>"##,
            y0 + PANEL / 2.0
        );
        let group = (WIDTH - LEFT - RIGHT) / bars.len() as f64;
        let bar = (group * 0.32).min(40.0);
        for (j, (name, hit, miss)) in bars.iter().enumerate() {
            let cx = LEFT + group * (j as f64 + 0.5);
            for (k, (v, color)) in [(*hit, HIT), (*miss, MISS)].into_iter().enumerate() {
                let x = cx - bar - 2.0 + k as f64 * (bar + 4.0);
                let top = y(v);
                let _ = writeln!(
                    svg,
                    r##"<rect x="{x:.1}" y="{top:.1}" width="{bar:.1}" height="{:.1}" fill="{color}"><title>{}: {} {v:.0} ns</title></rect><text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="10">{}</text>"##,
                    y0 + PANEL - top,
                    esc(name),
                    if k == 0 { "hit" } else { "miss" },
                    x + bar / 2.0,
                    top - 3.0,
                    label(v)
                );
            }
            let (first, second) = name.split_once(" (").map_or((*name, ""), |(a, b)| (a, b));
            let _ = writeln!(
                svg,
                r##"<text x="{cx:.1}" y="{:.1}" text-anchor="middle">{}</text>"##,
                y0 + PANEL + 18.0,
                esc(first)
            );
            if !second.is_empty() {
                let _ = writeln!(
                    svg,
                    r##"<text x="{cx:.1}" y="{:.1}" text-anchor="middle" fill="#555">({}</text>"##,
                    y0 + PANEL + 33.0,
                    esc(second)
                );
            }
        }
        let _ = writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{:.1}" x2="{}" y2="{:.1}" stroke="#333"/>"##,
            y0 + PANEL,
            WIDTH - RIGHT,
            y0 + PANEL
        );
    }
    svg.push_str("</svg>\n");
    svg
}
