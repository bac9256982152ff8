//! Index sets from the command line: `build --shards N`, `build --shard
//! I/N` and `manifest`, and `get`, `dump`, `keys`, `count`, `inspect` and
//! `verify` on a set. The library's bad-set cases are in
//! crates/zidx/tests/sets.rs; here, what the commands say about them.

mod common;

use std::path::{Path, PathBuf};

use common::*;

fn unicode() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../testdata/unicode-data.tsv")
}

fn text(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// `zidx inspect --json` of a set.
fn set_json(manifest: &Path) -> serde_json::Value {
    let out = zidx(args([&"inspect", &"--json", &manifest]));
    serde_json::from_slice(&out.ok().stdout).unwrap()
}

fn shard_paths(manifest: &Path) -> Vec<PathBuf> {
    let json = set_json(manifest);
    json["set"]["shards"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| manifest.parent().unwrap().join(s["name"].as_str().unwrap()))
        .collect()
}

#[test]
fn a_set_of_four_answers_as_the_single_index() {
    let dir = tempdir();
    let set = dir.path().join("uni.zidxset");
    let one = dir.path().join("uni.zidx");
    zidx(args([&"build", &unicode(), &"--shards", &"4", &"-o", &set])).ok();
    zidx(args([&"build", &unicode(), &"-o", &one])).ok();
    // Every key, and some absent ones, through `get -`.
    let mut keys = std::fs::read_to_string(unicode())
        .unwrap()
        .lines()
        .map(|l| l.split('\t').next().unwrap().to_string() + "\n")
        .collect::<String>();
    keys.push_str("U+XXXX\nnope\n");
    let from_set = zidx_stdin(args([&"get", &set, &"-"]), &keys);
    let from_one = zidx_stdin(args([&"get", &one, &"-"]), &keys);
    from_set.code(1);
    assert_eq!(from_set.stdout, from_one.stdout);
    assert_eq!(from_set.stderr, from_one.stderr);
    assert_eq!(from_set.stderr, "zidx: 2 of 34926 keys not found\n");
    // dump and keys hold the same records (shard by shard: compare sorted).
    let sorted = |out: &Output| {
        let mut lines: Vec<String> = text(out).lines().map(str::to_string).collect();
        lines.sort();
        lines
    };
    let dump_set = zidx(args([&"dump", &set]));
    assert_eq!(
        sorted(dump_set.ok()),
        sorted(zidx(args([&"dump", &one])).ok())
    );
    assert_eq!(
        sorted(zidx(args([&"keys", &set])).ok()),
        sorted(zidx(args([&"keys", &one])).ok())
    );
    zidx(args([&"count", &set])).ok().stdout_is("34924\n");
    zidx(args([&"verify", &set])).ok().stdout_is("ok\n");
    zidx(args([&"get", &set, &"U+0041"]))
        .ok()
        .stdout_is("LATIN CAPITAL LETTER A;Lu;0;L;;;;;N;;;;0061;\n");
    // The same build twice gives the same set.
    let json = set_json(&set);
    zidx(args([&"build", &unicode(), &"--shards", &"4", &"-o", &set])).ok();
    assert_eq!(set_json(&set), json);
    let shards = json["set"]["shards"].as_array().unwrap();
    let total: u64 = shards.iter().map(|s| s["records"].as_u64().unwrap()).sum();
    assert_eq!(total, 34924);
    assert_eq!(json["set"]["records"], 34924);
}

/// Shards built one by one (as separate machines would) and assembled by
/// `zidx manifest` are the shards `--shards` builds, byte for byte, and
/// the set has the same generation.
#[test]
fn shards_built_apart_make_the_same_set() {
    let dir = tempdir();
    let set = dir.path().join("uni.zidxset");
    zidx(args([
        &"build",
        &unicode(),
        &"--shards",
        &"3",
        &"--route-seed",
        &"42",
        &"-o",
        &set,
    ]))
    .ok();
    let mut parts = Vec::new();
    for i in 0..3 {
        let part = dir.path().join(format!("part-{i}.zidx"));
        zidx(args([
            &"build",
            &unicode(),
            &"--shard",
            &format!("{i}/3"),
            &"--route-seed",
            &"42",
            &"-o",
            &part,
        ]))
        .ok();
        parts.push(part);
    }
    let assembled = dir.path().join("parts.zidxset");
    let mut argv = args([&"manifest", &"--route-seed", &"42", &"-o", &assembled]);
    argv.extend(parts.iter().map(|p| p.clone().into_os_string()));
    zidx(&argv).ok();
    for (built, part) in shard_paths(&set).iter().zip(&parts) {
        assert!(std::fs::read(built).unwrap() == std::fs::read(part).unwrap());
    }
    assert_eq!(
        set_json(&set)["set"]["generation"],
        set_json(&assembled)["set"]["generation"]
    );
    zidx(args([&"verify", &assembled])).ok().stdout_is("ok\n");
}

#[test]
fn manifest_refuses_shards_that_disagree() {
    let dir = tempdir();
    let build = |i: u32, n: u32, extra: &[&str]| {
        let part = dir.path().join(format!("p{i}of{n}{}.zidx", extra.join("")));
        let mut argv = args([
            &"build",
            &unicode(),
            &"--shard",
            &format!("{i}/{n}"),
            &"-o",
            &part,
        ]);
        argv.extend(extra.iter().map(Into::into));
        zidx(&argv).ok();
        part
    };
    let (a, b) = (build(0, 2, &[]), build(1, 2, &[]));
    let out = dir.path().join("s.zidxset");
    let manifest = |shards: &[&PathBuf], extra: &[&str]| {
        let mut argv = args([&"manifest", &"-o", &out]);
        argv.extend(shards.iter().map(|p| p.as_os_str().to_owned()));
        argv.extend(extra.iter().map(Into::into));
        let got = zidx(&argv);
        got.code(2);
        assert!(!out.exists());
        got.stderr
    };
    let e = manifest(&[&b, &a], &[]);
    assert!(
        e.contains("shard 0 (") && e.contains("which routes to shard 1 of 2"),
        "{e}"
    );
    let e = manifest(&[&a, &b], &["--route-seed", "7"]);
    assert!(e.contains("routing seed 7"), "{e}");
    let e = manifest(&[&a], &[]);
    assert!(e.contains("at least 2 shards"), "{e}");
    // One shard missing of three: the routing differs, and a key says so.
    let (c0, c1) = (build(0, 3, &[]), build(1, 3, &[]));
    let e = manifest(&[&c0, &c1], &[]);
    assert!(e.contains("which routes to shard"), "{e}");
    let ordered = build(1, 2, &["--ordered"]);
    let e = manifest(&[&a, &ordered], &[]);
    assert!(e.contains("shard 1 (") && e.contains("features"), "{e}");
    // A shard elsewhere than the manifest's directory.
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let moved = sub.join("b.zidx");
    std::fs::copy(&b, &moved).unwrap();
    let e = manifest(&[&a, &moved], &[]);
    assert!(e.contains("not in the manifest's directory"), "{e}");
    // OUT is not a manifest: kept without --force.
    std::fs::write(&out, b"notes").unwrap();
    let got = zidx(args([&"manifest", &a, &b, &"-o", &out]));
    got.code(2);
    assert!(
        got.stderr.contains("not a zidx set manifest"),
        "{}",
        got.stderr
    );
    assert_eq!(std::fs::read(&out).unwrap(), b"notes");
    zidx(args([&"manifest", &a, &b, &"-o", &out, &"--force"])).ok();
    zidx(args([&"verify", &out])).ok();
}

#[test]
fn bad_sets_fail_with_the_shard_named() {
    let dir = tempdir();
    let set = dir.path().join("s.zidxset");
    zidx(args([&"build", &unicode(), &"--shards", &"2", &"-o", &set])).ok();
    let shards = shard_paths(&set);
    let saved = std::fs::read(&shards[1]).unwrap();
    std::fs::remove_file(&shards[1]).unwrap();
    for cmd in ["get", "dump", "count", "verify", "inspect", "keys"] {
        let mut argv = args([&cmd, &set]);
        if cmd == "get" {
            argv.push("U+0041".into());
        }
        let got = zidx(&argv);
        got.code(2);
        assert!(
            got.stderr.contains("shard 1 (") && got.stderr.contains("missing"),
            "{cmd}: {}",
            got.stderr
        );
    }
    // A shard of another build in its place.
    let other_dir = dir.path().join("other");
    std::fs::create_dir(&other_dir).unwrap();
    let other = other_dir.join("s.zidxset");
    zidx_stdin(
        args([&"build", &"-", &"--shards", &"2", &"-o", &other]),
        "a\t1\nb\t2\n",
    )
    .ok();
    std::fs::copy(&shard_paths(&other)[1], &shards[1]).unwrap();
    let got = zidx(args([&"get", &set, &"U+0041"]));
    got.code(2);
    assert!(
        got.stderr.contains("shard 1 (")
            && got.stderr.contains("not the shard this manifest names"),
        "{}",
        got.stderr
    );
    // A damaged byte inside a shard's sections: found by verify, which
    // names the shard.
    let mut damaged = saved.clone();
    let last = damaged.len() - 1;
    damaged[last] ^= 1;
    std::fs::write(&shards[1], &damaged).unwrap();
    let got = zidx(args([&"verify", &set]));
    got.code(2);
    assert!(got.stderr.contains("shard 1 ("), "{}", got.stderr);
    // Commands that read one index at a time say what to do.
    std::fs::write(&shards[1], &saved).unwrap();
    let got = zidx(args([&"scan", &set, &"--prefix", &"U"]));
    got.code(2);
    assert!(
        got.stderr.contains("an index set's manifest"),
        "{}",
        got.stderr
    );
}

#[test]
fn shard_options_are_checked() {
    let dir = tempdir();
    let out = dir.path().join("x.zidx");
    for (argv, says) in [
        (vec!["--shard", "4/4"], "numbered from 0 to 3"),
        (vec!["--shard", "1/0"], "1 to 65536 shards"),
        (vec!["--shard", "x"], "is not I/N"),
        (vec!["--shards", "0"], "0"),
        (vec!["--route-seed", "3"], "applies to sets"),
        (
            vec!["--shards", "2", "--shard", "0/2"],
            "cannot be used with",
        ),
    ] {
        let mut a = args([&"build", &unicode(), &"-o", &out]);
        a.extend(argv.iter().map(Into::into));
        let got = zidx(&a);
        got.code(2);
        assert!(got.stderr.contains(says), "{argv:?}: {}", got.stderr);
        assert!(!out.exists());
    }
}
