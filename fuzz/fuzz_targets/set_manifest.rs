//! Index set manifests (format-spec/SETS.md) from arbitrary bytes:
//! `Manifest::decode` never panics, and what it accepts encodes to a
//! manifest that decodes to the same thing, with every shard's routing in
//! range.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zidx_format::manifest::Manifest;

fuzz_target!(|data: &[u8]| {
    let Ok(manifest) = Manifest::decode(data) else {
        return;
    };
    let again = Manifest::decode(&manifest.encode()).expect("an accepted manifest re-encodes");
    assert_eq!(again, manifest);
    assert_eq!(
        manifest.record_count(),
        manifest.shards().iter().map(|s| s.record_count).sum::<u64>()
    );
    for key in [&b""[..], b"a", data] {
        assert!(manifest.shard_of(key) < manifest.shard_count());
    }
});
