"""Tests of the zidx Python module: reading, writing, sets and errors."""

import gc
import os
import threading

import pytest

import zidx

FRUIT = [("apple", b"red"), ("banana", b"yellow"), ("cherry", b"dark red"), (b"\xff\x00", b"binary")]


@pytest.fixture
def fruit(tmp_path):
    path = tmp_path / "fruit.zidx"
    summary = zidx.build(path, FRUIT, ordered=True)
    assert summary["records"] == 4
    assert summary["inserted"] == 4
    assert summary["file_len"] == os.path.getsize(path)
    return path


@pytest.mark.parametrize("mmap", [True, False])
def test_read(fruit, mmap):
    idx = zidx.Index(fruit, mmap=mmap)
    assert idx.mapped is mmap
    assert len(idx) == 4
    assert idx["apple"] == b"red"
    assert idx[b"apple"] == b"red"
    assert idx[b"\xff\x00"] == b"binary"
    assert idx.get("cherry") == b"dark red"
    assert idx.get("kiwi") is None
    assert idx.get("kiwi", b"none") == b"none"
    assert "banana" in idx and b"banana" in idx
    assert "kiwi" not in idx
    with pytest.raises(KeyError) as e:
        idx["kiwi"]
    assert e.value.args == ("kiwi",)
    assert str(fruit) in repr(idx)
    idx.verify()


def test_str_keys_are_utf8(tmp_path):
    path = tmp_path / "u.zidx"
    zidx.build(path, [("café", "naïve")])
    idx = zidx.Index(path)
    assert idx["café"] == "naïve".encode()
    assert idx["café".encode()] == "naïve".encode()
    assert list(idx) == ["café".encode()]


def test_iteration(fruit):
    idx = zidx.Index(fruit)
    assert sorted(idx) == sorted(k.encode() if isinstance(k, str) else k for k, _ in FRUIT)
    items = dict(idx.items())
    assert items == {(k.encode() if isinstance(k, str) else k): v for k, v in FRUIT}
    assert sorted(idx.values()) == sorted(v for _, v in FRUIT)
    assert list(idx.keys()) == list(idx)
    # An iterator keeps the index open after the last reference goes.
    it = iter(zidx.Index(fruit).items())
    gc.collect()
    assert len(list(it)) == 4


def test_get_many(fruit):
    idx = zidx.Index(fruit)
    keys = ["apple", b"kiwi", "cherry", b"\xff\x00"]
    assert idx.get_many(keys) == [b"red", None, b"dark red", b"binary"]
    assert idx.get_many(iter(keys), default=b"-") == [b"red", b"-", b"dark red", b"binary"]
    assert idx.get_many([]) == []
    with pytest.raises(TypeError):
        idx.get_many(["apple", 3])
    with pytest.raises(TypeError):
        idx.get_many(5)


def test_get_many_releases_the_gil(tmp_path):
    path = tmp_path / "big.zidx"
    n = 200_000
    zidx.build(path, ((b"k%d" % i, b"v%d" % i) for i in range(n)))
    idx = zidx.Index(path)
    keys = [b"k%d" % i for i in range(n)]
    results = {}

    def worker(t):
        results[t] = idx.get_many(keys)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for t in range(4):
        assert results[t][0] == b"v0" and results[t][-1] == b"v%d" % (n - 1)


@pytest.mark.parametrize("mmap", [True, False])
def test_view_is_zero_copy_and_keeps_the_index(fruit, mmap):
    view = zidx.Index(fruit, mmap=mmap).view("cherry")
    gc.collect()
    assert isinstance(view, memoryview)
    assert view.readonly
    assert bytes(view) == b"dark red"
    assert view[:4].tobytes() == b"dark"
    with pytest.raises(TypeError):
        view[0] = 1
    with pytest.raises(KeyError):
        zidx.Index(fruit).view("kiwi")
    # Two views of one value share the file's bytes (no copy each).
    idx = zidx.Index(fruit)
    a, b = idx.view("apple"), idx.view("apple")
    assert a.obj is not b.obj and bytes(a) == bytes(b) == b"red"
    assert len(a.obj) == 3 and bytes(a.obj) == b"red"


def test_ordered_scan_prefix(tmp_path):
    path = tmp_path / "o.zidx"
    words = ["pear", "apple", "apricot", "fig", "banana", "plum"]
    zidx.build(path, [(w, w.upper()) for w in words], ordered=True)
    idx = zidx.Index(path)
    assert idx.ordered
    assert [k for k, _ in idx.scan()] == sorted(w.encode() for w in words)
    assert [k for k, _ in idx.scan("b", "p")] == [b"banana", b"fig"]
    assert [k for k, _ in idx.scan(start="pe")] == [b"pear", b"plum"]
    assert [k for k, _ in idx.scan(end="apricot")] == [b"apple"]
    assert list(idx.prefix("ap")) == [(b"apple", b"APPLE"), (b"apricot", b"APRICOT")]
    assert list(idx.prefix("zz")) == []


def test_scan_needs_ordered(tmp_path):
    path = tmp_path / "u.zidx"
    zidx.build(path, [("a", "1")])
    idx = zidx.Index(path)
    assert not idx.ordered
    with pytest.raises(zidx.ZidxError, match="order"):
        idx.scan()
    with pytest.raises(zidx.ZidxError):
        idx.prefix("a")


def test_get_all_and_duplicates(tmp_path):
    path = tmp_path / "m.zidx"
    pairs = [("word", "doc1"), ("other", "doc9"), ("word", "doc7")]
    zidx.build(path, pairs, on_duplicate="keep")
    idx = zidx.Index(path)
    assert idx.get_all("word") == [b"doc1", b"doc7"]
    assert idx.get_all("nope") == []
    assert idx["word"] == b"doc1"
    zidx.build(path, pairs, on_duplicate="first")
    assert zidx.Index(path)["word"] == b"doc1"
    zidx.build(path, pairs, on_duplicate="last")
    assert zidx.Index(path)["word"] == b"doc7"
    with pytest.raises(zidx.DuplicateKeyError, match="word"):
        zidx.build(tmp_path / "e.zidx", pairs)
    assert not (tmp_path / "e.zidx").exists()
    assert issubclass(zidx.DuplicateKeyError, zidx.ZidxError)
    with pytest.raises(ValueError, match="on_duplicate"):
        zidx.Writer(tmp_path / "x.zidx", on_duplicate="sometimes")


def test_writer_context_publishes(tmp_path):
    path = tmp_path / "w.zidx"
    with zidx.Writer(path) as w:
        assert w.insert("a", b"1") is True
        assert w.insert_many([("b", b"2"), (b"c", "3")]) == 2
        assert w.inserted == 3
        assert not path.exists()
    assert dict(zidx.Index(path).items()) == {b"a": b"1", b"b": b"2", b"c": b"3"}
    with pytest.raises(zidx.ZidxError, match="finished"):
        w.insert("d", b"4")
    assert os.listdir(tmp_path) == ["w.zidx"]


def test_writer_exception_leaves_no_file(tmp_path):
    path = tmp_path / "w.zidx"
    with pytest.raises(RuntimeError):
        with zidx.Writer(path) as w:
            w.insert("a", b"1")
            raise RuntimeError("task failed")
    assert os.listdir(tmp_path) == []


def test_writer_exception_leaves_existing_index(tmp_path):
    path = tmp_path / "w.zidx"
    zidx.build(path, [("old", b"1")])
    before = path.read_bytes()
    with pytest.raises(RuntimeError):
        with zidx.Writer(path) as w:
            w.insert("new", b"2")
            raise RuntimeError("task failed")
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["w.zidx"]
    # A failed finish (duplicate key) leaves it too.
    with pytest.raises(zidx.DuplicateKeyError):
        with zidx.Writer(path) as w:
            w.insert("k", b"1")
            w.insert("k", b"2")
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["w.zidx"]
    # And an abort.
    w = zidx.Writer(path)
    w.insert("x", b"y")
    w.abort()
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["w.zidx"]


def test_writer_refuses_to_overwrite_non_index(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("precious")
    with pytest.raises(zidx.ZidxError, match="notes.txt"):
        zidx.build(path, [("a", "b")])
    assert path.read_text() == "precious"
    zidx.build(path, [("a", "b")], overwrite=True)
    assert zidx.Index(path)["a"] == b"b"


def test_wrong_types(tmp_path, fruit):
    idx = zidx.Index(fruit)
    for bad in (1, None, 1.5, ["a"], bytearray(b"apple")):
        with pytest.raises(TypeError, match="key is str or bytes"):
            idx[bad]
        with pytest.raises(TypeError):
            idx.get(bad)
        with pytest.raises(TypeError):
            bad in idx
    # A str that is not valid Unicode text has no UTF-8 form.
    with pytest.raises(UnicodeEncodeError):
        idx["\ud800"]
    with pytest.raises(TypeError):
        zidx.build(tmp_path / "t.zidx", [("a", 1)])
    with pytest.raises(TypeError, match="pair"):
        zidx.build(tmp_path / "t.zidx", [("a", "b", "c")])
    with pytest.raises(TypeError):
        zidx.build(tmp_path / "t.zidx", 42)
    assert not (tmp_path / "t.zidx").exists()
    with pytest.raises(TypeError):
        zidx.Index(42)


def test_errors_carry_the_rust_message(tmp_path, fruit):
    with pytest.raises(zidx.ZidxError, match="missing.zidx"):
        zidx.Index(tmp_path / "missing.zidx")
    bad = tmp_path / "bad.zidx"
    bad.write_bytes(b"not an index at all, just some text that is long enough" * 4)
    with pytest.raises(zidx.ZidxError):
        zidx.Index(bad)
    with pytest.raises(zidx.ZidxError):
        zidx.Index(bad, mmap=False)
    empty = tmp_path / "empty.zidx"
    empty.write_bytes(b"")
    with pytest.raises(zidx.ZidxError):
        zidx.Index(empty)
    with pytest.raises(zidx.ZidxError, match="directory|regular"):
        zidx.Index(tmp_path)


def test_corrupt_file(tmp_path):
    path = tmp_path / "c.zidx"
    zidx.build(path, [(b"key%d" % i, b"value%d" % i) for i in range(1000)], checked=True)
    data = bytearray(path.read_bytes())
    zidx.Index(path).verify()
    # Flip a byte in the middle of the records: verify finds it, and reads
    # never crash (an error or a value, but no value from a damaged record
    # since every record is checked).
    at = data.index(b"value500")
    data[at] ^= 0x01
    path.write_bytes(bytes(data))
    idx = zidx.Index(path)
    with pytest.raises(zidx.ZidxError):
        idx.verify()
    with pytest.raises(zidx.ZidxError):
        idx[b"key500"]
    with pytest.raises(zidx.ZidxError):
        list(idx.items())
    # Every byte of the header damaged in turn: opening fails cleanly.
    zidx.build(path, [(b"a", b"b")], overwrite=True)
    good = path.read_bytes()
    for i in range(64):
        damaged = bytearray(good)
        damaged[i] ^= 0xFF
        path.write_bytes(bytes(damaged))
        with pytest.raises(zidx.ZidxError):
            zidx.Index(path)


def test_truncated_file(tmp_path):
    path = tmp_path / "t.zidx"
    zidx.build(path, [(b"k%d" % i, b"v") for i in range(100)])
    data = path.read_bytes()
    for cut in (0, 1, 63, 64, len(data) // 2, len(data) - 1):
        path.write_bytes(data[:cut])
        with pytest.raises(zidx.ZidxError):
            zidx.Index(path)


def test_index_set_read(tmp_path):
    manifest = tmp_path / "fruit.zidxset"
    n = 4
    build_id = "b1"
    pairs = [(b"key%d" % i, b"val%d" % i) for i in range(2000)]
    paths = [zidx.shard_path(manifest, i, n, build_id) for i in range(n)]
    for i, p in enumerate(paths):
        with zidx.Writer(p, shard=(i, n), other_shards="skip") as w:
            for k, v in pairs:
                w.insert(k, v)
    summary = zidx.write_manifest(manifest, paths)
    assert summary["shards"] == n and summary["records"] == 2000
    s = zidx.IndexSet(manifest)
    assert len(s) == 2000 and s.shard_count == n and s.routing_seed == 0
    assert [os.fspath(p) for p in s.shard_paths] == [os.fspath(p) for p in paths]
    for k, v in pairs:
        assert s[k] == v
        assert s.shard_of(k) == zidx.shard_of(k, n)
    assert s.get(b"nope") is None and b"nope" not in s
    with pytest.raises(KeyError):
        s[b"nope"]
    assert s.get_many([b"key1", b"nope", "key7"]) == [b"val1", None, b"val7"]
    assert s.get_all(b"key3") == [b"val3"]
    assert bytes(s.view(b"key9")) == b"val9"
    assert sorted(s) == sorted(k for k, _ in pairs)
    assert dict(s.items()) == dict(pairs)
    s.verify()
    assert zidx.IndexSet(manifest, mmap=False)[b"key5"] == b"val5"


def test_shard_of_and_paths(tmp_path):
    assert zidx.shard_of("apple", 1) == 0
    counts = [0] * 8
    for i in range(8000):
        s = zidx.shard_of(b"k%d" % i, 8)
        assert 0 <= s < 8
        counts[s] += 1
    assert min(counts) > 800
    assert zidx.shard_of("apple", 8) == zidx.shard_of(b"apple", 8)
    assert zidx.shard_of("apple", 8, routing_seed=7) == zidx.shard_of("apple", 8, 7)
    for bad in (0, zidx.MAX_SHARDS + 1):
        with pytest.raises(ValueError):
            zidx.shard_of("a", bad)
    with pytest.raises(OverflowError):
        zidx.shard_of("a", -1)
    p = zidx.shard_path(tmp_path / "w.zidxset", 3, 8, "job-7")
    assert os.fspath(p) == os.fspath(tmp_path / "w-job-7-00003-of-00008.zidx")
    for bad_id in ("", "a/b", "x" * 65, "..", "a b"):
        with pytest.raises(ValueError, match="build_id"):
            zidx.shard_path(tmp_path / "w.zidxset", 0, 2, bad_id)
    with pytest.raises(ValueError):
        zidx.shard_path(tmp_path / "w.zidxset", 2, 2, "b")


def test_shard_writer_checks_routing(tmp_path):
    n = 4
    key = b"somekey"
    right = zidx.shard_of(key, n)
    wrong = (right + 1) % n
    p = tmp_path / "x.zidx"
    with pytest.raises(ValueError, match="routes to shard"):
        with zidx.Writer(p, shard=(wrong, n)) as w:
            w.insert(key, b"v")
    assert not p.exists()
    with zidx.Writer(p, shard=(wrong, n), other_shards="skip") as w:
        assert w.insert(key, b"v") is False
    assert len(zidx.Index(p)) == 0
    with pytest.raises(ValueError):
        zidx.Writer(p, shard=(4, 4))
    with pytest.raises(ValueError):
        zidx.Writer(p, routing_seed=3)
    with pytest.raises(ValueError):
        zidx.Writer(p, shard=(0, 2), other_shards="maybe")


def build_set(manifest, pairs, n, build_id, seed=0):
    paths = [zidx.shard_path(manifest, i, n, build_id) for i in range(n)]
    for i, p in enumerate(paths):
        with zidx.Writer(p, shard=(i, n), routing_seed=seed, other_shards="skip") as w:
            w.insert_many(pairs)
    return paths


def test_write_manifest_checks(tmp_path):
    manifest = tmp_path / "s.zidxset"
    pairs = [(b"k%d" % i, b"v") for i in range(500)]
    paths = build_set(manifest, pairs, 3, "a")
    # Out of order: a key is in the wrong place.
    with pytest.raises(zidx.ZidxError, match="routes to shard"):
        zidx.write_manifest(manifest, [paths[1], paths[0], paths[2]])
    # A missing shard changes the routing.
    with pytest.raises(zidx.ZidxError, match="routes to shard"):
        zidx.write_manifest(manifest, paths[:2])
    # The wrong routing seed.
    with pytest.raises(zidx.ZidxError, match="routing seed"):
        zidx.write_manifest(manifest, paths, routing_seed=9)
    with pytest.raises(zidx.ZidxError, match="at least 2"):
        zidx.write_manifest(manifest, paths[:1])
    with pytest.raises(zidx.ZidxError):
        zidx.write_manifest(manifest, paths[:2] + [tmp_path / "missing.zidx"])
    # A shard in another directory.
    other = tmp_path / "sub"
    other.mkdir()
    moved = other / os.path.basename(paths[2])
    os.rename(paths[2], moved)
    with pytest.raises(zidx.ZidxError, match="directory"):
        zidx.write_manifest(manifest, paths[:2] + [moved])
    os.rename(moved, paths[2])
    # Different options (ordered) in one shard.
    zidx.build(paths[1], [(k, v) for k, v in pairs if zidx.shard_of(k, 3) == 1], ordered=True)
    with pytest.raises(zidx.ZidxError, match="features"):
        zidx.write_manifest(manifest, paths)
    assert not manifest.exists()
    # A seeded set.
    seeded = tmp_path / "seeded.zidxset"
    spaths = build_set(seeded, pairs, 3, "z", seed=77)
    zidx.write_manifest(seeded, spaths, routing_seed=77)
    s = zidx.IndexSet(seeded)
    assert s.routing_seed == 77 and all(s[k] == v for k, v in pairs)


def test_write_manifest_replaces_a_set(tmp_path):
    manifest = tmp_path / "s.zidxset"
    old = build_set(manifest, [(b"k%d" % i, b"old") for i in range(100)], 2, "one")
    zidx.write_manifest(manifest, old)
    reader = zidx.IndexSet(manifest)
    new = build_set(manifest, [(b"k%d" % i, b"new") for i in range(100)], 4, "two")
    zidx.write_manifest(manifest, new)
    assert zidx.IndexSet(manifest)[b"k5"] == b"new"
    # The replaced set's shards are removed, but a reader that had them
    # open still reads them.
    assert not any(os.path.exists(p) for p in old)
    assert reader[b"k5"] == b"old"
    assert sorted(os.listdir(tmp_path)) == sorted([os.path.basename(p) for p in new] + ["s.zidxset"])
    # Publishing the same shards again removes none of them.
    zidx.write_manifest(manifest, new)
    assert all(os.path.exists(p) for p in new) and len(zidx.IndexSet(manifest)) == 100
    # Not over a file that is no manifest.
    notes = tmp_path / "notes.zidxset"
    notes.write_text("precious")
    with pytest.raises(zidx.ZidxError, match="manifest"):
        zidx.write_manifest(notes, new)
    assert notes.read_text() == "precious"


def test_write_manifest_removes_only_the_shards_it_replaced(tmp_path):
    manifest = tmp_path / "s.zidxset"
    old = build_set(manifest, [(b"k%d" % i, b"old") for i in range(100)], 2, "one")
    zidx.write_manifest(manifest, old)
    # Another file now has the name of an old shard: the old manifest names
    # it, but it is not that shard, so replacing the set must not delete it.
    with open(old[0], "wb") as f:
        f.write(b"precious, not a shard")
    new = build_set(manifest, [(b"k%d" % i, b"new") for i in range(100)], 2, "two")
    zidx.write_manifest(manifest, new)
    with open(old[0], "rb") as f:
        assert f.read() == b"precious, not a shard"
    assert not os.path.exists(old[1])
    assert zidx.IndexSet(manifest)[b"k5"] == b"new"


def test_index_set_errors(tmp_path):
    with pytest.raises(zidx.ZidxError):
        zidx.IndexSet(tmp_path / "none.zidxset")
    bad = tmp_path / "bad.zidxset"
    bad.write_bytes(b"ZIDX-SET" + b"\x00" * 100)
    with pytest.raises(zidx.ZidxError):
        zidx.IndexSet(bad)
    manifest = tmp_path / "s.zidxset"
    paths = build_set(manifest, [(b"k%d" % i, b"v") for i in range(50)], 2, "x")
    zidx.write_manifest(manifest, paths)
    os.remove(paths[1])
    with pytest.raises(zidx.ZidxError, match="shard 1"):
        zidx.IndexSet(manifest)


def test_module_metadata():
    assert zidx.__version__
    assert zidx.Index.__doc__ and "mmap" in zidx.Index.__doc__
    assert zidx.Index.get_many.__doc__ and "GIL" in zidx.Index.get_many.__doc__
    assert zidx.Writer.__doc__ and "atomic" in zidx.Writer.__doc__


def test_typed_values(tmp_path):
    path = tmp_path / "typed.zidx"
    schema = "sku:u64,price:f64,qty:u16,name:str[10],flags:u8[3]"
    import struct

    def pack(sku, price, qty, name, flags):
        # repr(C): sku@0, price@8, qty@16, name@18, flags@28; size 32.
        return struct.pack("<QdH10s3B", sku, price, qty, name, *flags) + b"\0" * 1

    zidx.build(path, [("a", pack(1, 2.5, 3, b"apple", (1, 2, 3))), ("b", pack(9, 0.5, 7, b"bean", (0, 0, 9)))], schema=schema)
    idx = zidx.Index(path)
    assert idx.value_schema.startswith("sku:u64@0, price:f64@8")
    assert idx.dtype == {
        "names": ["sku", "price", "qty", "name", "flags"],
        "formats": ["<u8", "<f8", "<u2", "S10", "(3,)u1"],
        "offsets": [0, 8, 16, 18, 28],
        "itemsize": 32,
    }
    assert zidx.Index(tmp_path / "typed.zidx").view("a").nbytes == 32
    # A value of the wrong size is refused, and nothing is published.
    with pytest.raises(zidx.ZidxError):
        zidx.build(tmp_path / "bad.zidx", [("a", b"short")], schema=schema)
    assert not (tmp_path / "bad.zidx").exists()
    with pytest.raises(ValueError, match="unknown type"):
        zidx.build(tmp_path / "bad.zidx", [], schema="x:u128")
    untyped = tmp_path / "u.zidx"
    zidx.build(untyped, [("a", "b")])
    assert zidx.Index(untyped).dtype is None and zidx.Index(untyped).value_schema is None


def test_typed_values_numpy(tmp_path):
    np = pytest.importorskip("numpy")
    path = tmp_path / "typed.zidx"
    dt = np.dtype({"names": ["sku", "price", "name"], "formats": ["<u8", "<f8", "S8"], "offsets": [0, 8, 16], "itemsize": 24})
    rows = np.zeros(3, dtype=dt)
    rows["sku"] = [10, 20, 30]
    rows["price"] = [1.5, 2.5, 3.5]
    rows["name"] = [b"ant", b"bee", b"cat"]
    zidx.build(path, [(r["name"], r.tobytes()) for r in rows], schema="sku:u64,price:f64,name:str[8]")
    idx = zidx.Index(path)
    assert np.dtype(idx.dtype) == dt
    view = idx.view("bee")
    rec = np.frombuffer(view, np.dtype(idx.dtype))[0]
    assert rec["sku"] == 20 and rec["price"] == 2.5 and rec["name"] == b"bee"
    # Zero-copy: the array's memory is the mapped file, read-only.
    arr = np.frombuffer(view, np.dtype(idx.dtype))
    assert not arr.flags.writeable and not arr.flags.owndata
    # Stored aligned (SPEC.md §13.2): the value's address is a multiple of 8.
    assert arr.__array_interface__["data"][0] % 8 == 0


def test_write_manifest_reads_a_replaced_file_with_a_bound(tmp_path):
    # A 64 GiB sparse file that starts like a manifest sits at the target:
    # write_manifest reads at most a manifest's maximum length of it (to
    # find the shards it replaces), never the whole file, then replaces it.
    manifest = tmp_path / "s.zidxset"
    with open(manifest, "wb") as f:
        f.write(b"ZIDX-SET")
        f.truncate(64 << 30)
    paths = build_set(manifest, [(b"k%d" % i, b"v") for i in range(50)], 2, "x")
    zidx.write_manifest(manifest, paths)
    assert os.path.getsize(manifest) < 4096
    assert len(zidx.IndexSet(manifest)) == 50
