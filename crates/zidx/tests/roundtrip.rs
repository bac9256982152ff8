//! Property test: whatever records go in come back out, from a buffer at any
//! alignment.

use std::collections::HashSet;

use proptest::prelude::*;
use zidx::Index;
use zidx_writer::{Options, Writer};

fn build(records: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.zidx");
    let mut w = Writer::create(&path, Options::default()).unwrap();
    for (k, v) in records {
        w.insert(k, v).unwrap();
    }
    w.finish().unwrap();
    std::fs::read(&path).unwrap()
}

/// Keys: mostly short, some empty, some long, arbitrary bytes (not UTF-8).
fn key() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => proptest::collection::vec(any::<u8>(), 0..12),
        2 => proptest::collection::vec(any::<u8>(), 12..80),
        1 => proptest::collection::vec(any::<u8>(), 300..3000),
    ]
}

/// Values: mostly short, some empty, a few large.
fn value() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        8 => proptest::collection::vec(any::<u8>(), 0..40),
        1 => Just(Vec::new()),
        1 => proptest::collection::vec(any::<u8>(), 1000..70_000),
    ]
}

fn records() -> impl Strategy<Value = Vec<(Vec<u8>, Vec<u8>)>> {
    proptest::collection::vec((key(), value()), 0..120).prop_map(|mut v| {
        let mut seen = HashSet::new();
        v.retain(|(k, _)| seen.insert(k.clone()));
        v
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn every_record_round_trips(records in records(), absent in proptest::collection::vec(key(), 0..40)) {
        let bytes = build(&records);
        let present: HashSet<&[u8]> = records.iter().map(|(k, _)| k.as_slice()).collect();
        for align in 0..8 {
            let mut buf = vec![0u8; align];
            buf.extend_from_slice(&bytes);
            let index = Index::from_bytes(&buf[align..]).unwrap();
            prop_assert_eq!(index.len(), records.len() as u64);
            for (k, v) in &records {
                prop_assert_eq!(index.get(k).unwrap(), Some(v.as_slice()));
            }
            for k in absent.iter().filter(|k| !present.contains(k.as_slice())) {
                prop_assert_eq!(index.get(k).unwrap(), None);
            }
            // Iteration: every record once, in insertion order.
            let listed: Vec<(&[u8], &[u8])> = index.iter().map(|r| r.unwrap()).collect();
            let expected: Vec<(&[u8], &[u8])> = records.iter().map(|(k, v)| (k.as_slice(), v.as_slice())).collect();
            prop_assert_eq!(listed, expected);
            // Batch lookups agree with single lookups.
            let keys: Vec<&[u8]> = records.iter().map(|(k, _)| k.as_slice()).chain(absent.iter().map(|k| k.as_slice())).collect();
            let mut out = Vec::new();
            index.get_many(&keys, &mut out);
            let out: Vec<Option<&[u8]>> = out.into_iter().map(|r| r.unwrap()).collect();
            let single: Vec<Option<&[u8]>> = keys.iter().map(|k| index.get(k).unwrap()).collect();
            prop_assert_eq!(out, single);
            index.verify().unwrap();
        }
    }
}
