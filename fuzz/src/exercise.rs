//! Shared by the fuzz targets and replayed by `cargo test` on the committed
//! regression inputs (crates/zidx/tests/fuzz_regressions.rs includes it).

/// Runs every read operation on `data`. Returns the records of the index
/// when it opens and verifies. Panics only on a reader bug: a verified index
/// must answer every lookup from its own records.
#[allow(dead_code)]
pub fn exercise(data: &[u8]) -> Option<Vec<(Vec<u8>, Vec<u8>)>> {
    let index = zidx::Index::from_bytes(data).ok()?;
    let _ = index.hash_stats();
    let listed: Vec<_> = index.iter().collect();
    // Probe keys: the records' own keys (when readable) and bytes of the input.
    let mut probes: Vec<&[u8]> = listed
        .iter()
        .filter_map(|r| r.as_ref().ok().map(|(k, _)| *k))
        .take(64)
        .collect();
    probes.extend(data.chunks(7).take(16));
    probes.push(b"");
    let single: Vec<_> = probes.iter().map(|k| index.get(k).ok()).collect();
    let mut batch = Vec::new();
    index.get_many(&probes, &mut batch);
    assert_eq!(batch.len(), probes.len(), "get_many gave a result per key");
    // Per key, get_many gives exactly get's answer, or an error where get
    // gives one.
    for (b, s) in batch.iter().zip(&single) {
        assert_eq!(b.as_ref().ok(), s.as_ref(), "get_many disagrees with get");
    }
    index.verify().ok()?;
    let mut records = Vec::with_capacity(listed.len());
    assert_eq!(
        listed.len() as u64,
        index.len(),
        "iteration length differs from len()"
    );
    for r in listed {
        let (k, v) = r.expect("a verified index failed to iterate");
        assert_eq!(
            index.get(k).expect("a verified index failed a lookup"),
            Some(v),
            "lookup disagrees with iteration"
        );
        records.push((k.to_vec(), v.to_vec()));
    }
    Some(records)
}
