//! A reader looks keys up continuously while `zidx build -o` replaces the
//! same index 20 times: every answer comes from one complete generation,
//! with no error and no crash.

use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

const KEYS: u32 = 2000;
const GENERATIONS: u32 = 20;

fn write_generation(path: &Path, generation: u32) {
    let mut tsv = String::new();
    for k in 0..KEYS {
        // Values differ in length between generations so that records move.
        tsv.push_str(&format!(
            "key{k}\tgen{generation}-{k}-{}\n",
            "x".repeat((generation as usize * 7 + k as usize) % 50)
        ));
    }
    std::fs::write(path, tsv).unwrap();
}

/// The generation a value belongs to, checking it is the value of `key`.
fn generation_of(key: u32, value: &[u8]) -> u32 {
    let text = std::str::from_utf8(value).unwrap();
    let rest = text
        .strip_prefix("gen")
        .unwrap_or_else(|| panic!("bad value {text:?}"));
    let (generation, rest) = rest.split_once('-').unwrap();
    let generation: u32 = generation.parse().unwrap();
    let expected = format!(
        "{key}-{}",
        "x".repeat((generation as usize * 7 + key as usize) % 50)
    );
    assert_eq!(
        rest, expected,
        "value of key{key} is not generation {generation}'s"
    );
    generation
}

#[test]
fn readers_see_whole_generations_while_the_index_is_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let index = dir.path().join("live.zidx");
    let tsv = dir.path().join("input.tsv");
    let zidx = env!("CARGO_BIN_EXE_zidx");
    let build = |generation: u32| {
        write_generation(&tsv, generation);
        let status = Command::new(zidx)
            .arg("build")
            .arg(&tsv)
            .arg("-o")
            .arg(&index)
            .status()
            .unwrap();
        assert!(status.success());
    };
    build(0);

    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (stop, index) = (Arc::clone(&stop), index.clone());
        std::thread::spawn(move || {
            let (mut lookups, mut opens) = (0u64, 0u64);
            let mut seen = std::collections::BTreeSet::new();
            while !stop.load(Ordering::Relaxed) {
                // Open afresh, as a server reloading its index would; keep
                // each mapping for a while so renames happen under it.
                let idx = zidx::Index::open(&index).expect("open failed");
                opens += 1;
                let mut generation = None;
                for round in 0..5u32 {
                    for k in (round..KEYS).step_by(97) {
                        let value = idx
                            .get(format!("key{k}").as_bytes())
                            .expect("lookup error")
                            .expect("key missing");
                        let g = generation_of(k, value);
                        // All answers from one mapping come from one generation.
                        assert_eq!(
                            *generation.get_or_insert(g),
                            g,
                            "mixed generations in one mapping"
                        );
                        lookups += 1;
                    }
                }
                seen.insert(generation.unwrap());
            }
            (lookups, opens, seen)
        })
    };
    for generation in 1..=GENERATIONS {
        build(generation);
    }
    stop.store(true, Ordering::Relaxed);
    let (lookups, opens, seen) = reader.join().expect("the reader panicked");
    assert!(
        lookups > 1000 && opens > 20,
        "{lookups} lookups in {opens} opens"
    );
    assert!(seen.len() >= 2, "the reader saw only generations {seen:?}");
    assert!(seen.iter().all(|&g| g <= GENERATIONS));
    // The last generation is in place and whole.
    let idx = zidx::Index::open(&index).unwrap();
    idx.verify().unwrap();
    assert_eq!(
        generation_of(5, idx.get(b"key5").unwrap().unwrap()),
        GENERATIONS
    );
}
