//! `zidx-bench count-lookups`: lookups in one function that a profiler can
//! single out, for per-lookup instruction and cache-miss counts where the
//! CPU's own counters are not available (as in this project's virtual
//! machine): scripts/counters.sh runs it under valgrind's cachegrind.

use std::path::Path;

use zidx::Index;

use crate::systems::Result;

/// The lookups themselves; never inlined, so that it has a symbol for
/// `--toggle-collect`.
#[inline(never)]
pub fn run_lookups(index: &Index, keys: &[Vec<u8>]) -> u64 {
    lookup_all(index, keys)
}

#[inline(always)]
fn lookup_all(index: &Index, keys: &[Vec<u8>]) -> u64 {
    let mut found = 0u64;
    for key in keys {
        if let Ok(Some(value)) = index.get(key) {
            found += u64::from(value.first().copied().unwrap_or(0))
                + u64::from(value.last().copied().unwrap_or(0));
        }
    }
    found
}

/// The same lookups, not counted: they warm the caches.
#[inline(never)]
fn warm_up(index: &Index, keys: &[Vec<u8>]) -> u64 {
    // Its own loop, not a call of run_lookups' body: identical functions
    // may be merged into one symbol, which would be counted twice.
    keys.iter()
        .rev()
        .filter_map(|key| index.get(key).ok().flatten())
        .map(|value| value.len() as u64)
        .sum()
}

/// Opens `path`, picks `count` keys of `kind` and looks them up.
pub fn count_lookups(path: &Path, kind: &str, count: usize, load: bool) -> Result<()> {
    let index = if load {
        Index::load(path)?
    } else {
        Index::open(path)?
    };
    let keys: Vec<Vec<u8>> = match kind {
        "hit" => {
            let step = usize::try_from(index.len()).unwrap_or(usize::MAX) / (2 * count).max(1);
            index
                .iter()
                .step_by(step.max(1))
                .take(2 * count)
                .map(|r| r.map(|(k, _)| k.to_vec()))
                .collect::<std::result::Result<_, _>>()?
        }
        "miss" => {
            let mut state = 0x5DEE_CE66_D1CE_4E5Bu64;
            (0..2 * count)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    // 8-40 bytes, as the data set's keys; random, so absent
                    // but for a 2^-64 chance.
                    let len = 8 + (state % 33) as u32;
                    (0..len)
                        .map(|i| state.rotate_left(i).to_le_bytes()[0] ^ i.to_le_bytes()[0])
                        .collect()
                })
                .collect()
        }
        other => return Err(format!("--kind {other}: expected hit or miss").into()),
    };
    // A pass over other keys of the same kind first, outside the counted
    // function: the counted lookups then find the code and the index's
    // first pages in the caches, as warm lookups do, but not their own
    // slots and records (which a repeat of the same keys would).
    let (warm_keys, keys) = keys.split_at(keys.len() / 2);
    let warm = std::hint::black_box(warm_up(&index, warm_keys));
    let found = run_lookups(&index, keys);
    std::hint::black_box(warm);
    println!("{} lookups, checksum {found}", keys.len());
    Ok(())
}
