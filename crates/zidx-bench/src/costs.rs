//! `zidx-bench costs`: what a warm lookup's time is made of, measured apart
//! from any index, so that each lever of the speed issue can be judged by
//! itself.
//!
//! Every experiment runs the same loop: for each of `lookups` random keys
//! (8-40 bytes, allocated one by one like a caller's keys), hash it, find
//! its home in a table of `8 * ceil(8N/7)` bytes of anonymous memory (the
//! size of zidx's slot table for N records) and do some work there. The
//! lookups are independent, so the CPU may overlap their cache misses; how
//! much it can is what the figures show.

use std::fmt::Write as _;
use std::time::Instant;

use zidx_format::{home_slot, KeyHasher};

use crate::measure::median;

/// One experiment: a name, what it shows, and the work per lookup.
type Work<'a> = (&'a str, &'a str, Box<dyn Fn(&[u8]) -> u64 + 'a>);

fn xorshift(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

/// Median ns per lookup of `work` over `keys`, of 5 passes after one
/// untimed pass.
fn time(keys: &[Box<[u8]>], work: &dyn Fn(&[u8]) -> u64) -> f64 {
    let mut sink = 0u64;
    let mut passes = Vec::new();
    for pass in 0..6 {
        let t = Instant::now();
        for k in keys {
            sink = sink.wrapping_add(work(k));
        }
        if pass > 0 {
            passes.push(t.elapsed().as_secs_f64() * 1e9 / keys.len().max(1) as f64);
        }
    }
    std::hint::black_box(sink);
    median(passes)
}

/// Runs the experiments for a table sized for `records` records, with
/// `lookups` keys, and returns the markdown report.
pub fn costs(records: u64, lookups: usize, command: &str) -> Result<String, String> {
    let slots = zidx_format::placement::home_slots_for(records);
    let len = usize::try_from(slots * 8).map_err(|e| e.to_string())?;
    let slot_total = len / 8;
    let mut table = memmap2::MmapMut::map_anon(len).map_err(|e| e.to_string())?;
    // Every slot gets a displacement of 1-3 (so a probe walks a few slots)
    // and the bytes are written, so that the pages exist before timing.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    for slot in table.chunks_exact_mut(8) {
        let r = xorshift(&mut state);
        slot.copy_from_slice(&((r & !(0xFF << 56)) | ((1 + r % 3) << 56)).to_le_bytes());
    }
    let table: &[u8] = &table;
    // A 2-byte word per slot (fingerprint and displacement), as a compact
    // array beside the offsets would hold.
    let mut words = memmap2::MmapMut::map_anon(len / 4).map_err(|e| e.to_string())?;
    for (i, w) in words.iter_mut().enumerate() {
        *w = i.to_le_bytes()[0];
    }
    let words: &[u8] = &words;
    let keys: Vec<Box<[u8]>> = (0..lookups)
        .map(|_| {
            let n = 8 + (xorshift(&mut state) % 33) as usize;
            (0..n)
                .map(|_| xorshift(&mut state).to_le_bytes()[0])
                .collect()
        })
        .collect();
    let sip = KeyHasher::siphash13(0x1234_5678);
    let xxh = KeyHasher::xxh3(0x1234_5678);
    let home = move |hash: u64| -> usize {
        // home < slots, and slots * 8 fits in usize (checked above).
        #[allow(clippy::cast_possible_truncation)]
        let h = home_slot(hash, slots) as usize;
        h
    };
    let slot = move |i: usize| -> u64 {
        table
            .get(i * 8..i * 8 + 8)
            .and_then(|b| b.try_into().ok())
            .map_or(0, u64::from_le_bytes)
    };
    let mut work: Vec<Work<'_>> = Vec::new();
    for (name, hasher) in [
        ("SipHash-1-3 (format 1.1)", sip),
        ("XXH3 (format 1.0)", xxh),
    ] {
        work.push((name, "hash only", Box::new(move |k: &[u8]| hasher.hash(k))));
        work.push((
            name,
            "hash, then load the home slot (the floor of a miss)",
            Box::new(move |k: &[u8]| slot(home(hasher.hash(k)))),
        ));
        work.push((
            name,
            "hash, then load the home slot's 2-byte word from a compact array (a quarter of \
             the table's size)",
            Box::new(move |k: &[u8]| {
                let at = home(hasher.hash(k)) * 2;
                words
                    .get(at..at + 2)
                    .map_or(0, |w| u64::from(w[0]) + u64::from(w[1]))
            }),
        ));
        work.push((
            name,
            "hash, then walk slots until displacement < distance (the probe of §6.4, \
             whose exit branch depends on the loaded slots)",
            Box::new(move |k: &[u8]| {
                let h = home(hasher.hash(k));
                let mut d = 0usize;
                while h + d < slot_total {
                    let s = slot(h + d);
                    if (s >> 56) < d as u64 {
                        break;
                    }
                    d += 1;
                }
                d as u64
            }),
        ));
        work.push((
            name,
            "hash, then 8 slots summed (8 loads, about 20 instructions waiting on them)",
            Box::new(move |k: &[u8]| {
                let h = home(hasher.hash(k));
                (0..8).map(|j| slot(h + j) >> 56).sum()
            }),
        ));
        work.push((
            name,
            "hash, then a branch-free candidate mask over 8 slots (8 loads, about 80 \
             instructions waiting on them)",
            Box::new(move |k: &[u8]| {
                let hash = hasher.hash(k);
                let h = home(hash);
                let fp = hash & 0xFF;
                let mut mask = 0u64;
                for (j, at) in (0..8u64).zip(h..) {
                    let s = slot(at);
                    let disp = s >> 56;
                    let candidate = (disp == j) & (((s >> 48) & 0xFF) == fp);
                    let end = (disp == 0xFF) | (disp < j);
                    mask |= (u64::from(candidate) << j) | (u64::from(end) << (8 + j));
                }
                mask
            }),
        ));
    }
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# What a warm lookup's time is made of\n\nCommand: `{command}`  \n\
         {lookups} random keys (8-40 bytes) against a table of {} slots ({:.0} MB, the slot \
         table of {records} records), anonymous memory, one thread; median of 5 passes. \
         See crates/zidx-bench/src/costs.rs.\n",
        slots,
        len as f64 / 1e6,
    );
    out.push_str("| hash | work per lookup | ns per lookup |\n|---|---|---|\n");
    for (hash, what, f) in &work {
        let ns = time(&keys, f.as_ref());
        let _ = writeln!(out, "| {hash} | {what} | {ns:.1} |");
    }
    Ok(out)
}
