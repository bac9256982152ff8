//! The writer's peak memory follows `Options::memory`, not the input's
//! size. One test in its own binary, so that no other test's allocations
//! share the process's high-water mark (VmHWM, Linux).

#![cfg(target_os = "linux")]

use zidx_writer::{Options, Writer, MEMORY_RESERVE};

/// The process's peak resident memory, in bytes.
fn peak_rss() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

#[test]
fn peak_memory_stays_within_the_budget() {
    const RECORDS: u32 = 7_000_000;
    const BUDGET: usize = 48 << 20;
    // Unbounded, the hash entries alone would take 16 bytes a record:
    // twice the budget.
    assert!(16 * RECORDS as usize >= 2 * BUDGET);

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.zidx");
    let before = peak_rss();
    let mut w = Writer::create(&path, Options::default().with_memory(BUDGET)).unwrap();
    let mut key = Vec::with_capacity(16);
    for i in 0..RECORDS {
        key.clear();
        key.extend_from_slice(&i.wrapping_mul(2_654_435_761).to_le_bytes());
        key.extend_from_slice(&i.to_le_bytes());
        w.insert(&key, b"v").unwrap();
    }
    let summary = w.finish().unwrap();
    let grown = peak_rss().saturating_sub(before);

    assert_eq!(summary.records, u64::from(RECORDS));
    assert!(summary.hash_runs >= 2, "{summary:?}");
    // The budget covers the entries; MEMORY_RESERVE the buffers beside them.
    assert!(
        grown <= (BUDGET + MEMORY_RESERVE) as u64,
        "peak grew by {} MiB under a budget of {} MiB",
        grown >> 20,
        BUDGET >> 20
    );
    let index = zidx::Index::open(&path).unwrap();
    assert_eq!(index.len(), u64::from(RECORDS));
    assert_eq!(
        index.get(&[0, 0, 0, 0, 0, 0, 0, 0]).unwrap(),
        Some(&b"v"[..])
    );
}
