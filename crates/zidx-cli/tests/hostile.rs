//! What a new user and an attacker found (issue "Hostile keys, lost rows,
//! clobbered files"): each test here failed on zidx 1.0.

mod common;

use common::*;

/// `zidx bench` made up absent keys with the lengths of sampled keys and
/// looped forever when the index held every key of such a length.
#[test]
fn bench_ends_on_an_index_of_every_one_byte_key() {
    let dir = tempdir();
    let mut tsv = Vec::new();
    for b in 0..=255u8 {
        tsv.extend_from_slice(format!("\\x{b:02x}\tv\n").as_bytes());
    }
    let index = build_tsv(dir.path(), "all.zidx", &tsv);
    let out = zidx(args([&"bench", &index, &"--passes", &"1", &"--cold", &"0"]));
    out.code(0);
    let text = out.text();
    assert!(text.contains("256 present"), "{text}");
    assert!(text.contains("miss"), "{text}");
}
