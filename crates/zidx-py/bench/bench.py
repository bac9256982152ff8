"""Lookups per second from Python: zidx against dict, sqlite3, lmdb, a cdb
package (pure-cdb) and dbm, on the same records.

    python bench.py --records 1000000 --lookups 200000 --passes 5 --dir /tmp/zb --out PYTHON.md

Each store is built once in --dir from the same records (key ``user:%09d``
scrambled, 32-byte values). A measurement times --lookups lookups of keys
drawn at random from the records (hits) or of keys absent from them
(misses), one at a time (a Python loop of the store's own get call) and
batched (the store's batch call where it has one: ``zidx.Index.get_many``
and lmdb's ``Cursor.getmulti``, in batches of --batch keys; sqlite3 a
``SELECT ... WHERE k IN (...)`` per batch; the others have no batch call, so
a list comprehension). Every result is checked. The figure is the median
over --passes passes; the passes go round the stores in turn, so that load
from other programs on the machine falls on all of them alike. The quiet protocol of the project holds: while
/tmp/zidx-quiet exists, the script waits before each measurement.
"""

from __future__ import annotations

import argparse
import dbm
import os
import platform
import random
import shutil
import sqlite3
import statistics
import sys
import time

import zidx

QUIET = "/tmp/zidx-quiet"


def wait_quiet() -> None:
    waited = False
    while os.path.exists(QUIET):
        if not waited:
            print("  (waiting for /tmp/zidx-quiet to go)", file=sys.stderr)
            waited = True
        time.sleep(30)


def key(i: int) -> bytes:
    # A multiplicative scramble: keys are not in insertion order.
    return b"user:%09d" % ((i * 2654435761) % 1_000_000_007)


def value(i: int) -> bytes:
    return (b"v%031d" % i)[:32]


class Store:
    name = ""
    batch_kind = "loop"

    def get(self, k: bytes):  # one lookup
        raise NotImplementedError

    def one_at_a_time(self, keys):
        g = self.get
        return [g(k) for k in keys]

    def batched(self, keys, batch):
        return self.one_at_a_time(keys)

    def close(self) -> None:
        pass


class DictStore(Store):
    name = "dict (in memory)"

    def __init__(self, n, d):
        self.d = {key(i): value(i) for i in range(n)}
        self.get = self.d.get


class ZidxStore(Store):
    name = "zidx"
    batch_kind = "get_many"

    def __init__(self, n, d):
        path = self.path = os.path.join(d, "b.zidx")
        if not os.path.exists(path):
            zidx.build(path, ((key(i), value(i)) for i in range(n)))
        self.idx = zidx.Index(path)
        assert len(self.idx) == n
        self.get = self.idx.get

    def batched(self, keys, batch):
        out = []
        gm = self.idx.get_many
        for s in range(0, len(keys), batch):
            out.extend(gm(keys[s : s + batch]))
        return out


class SqliteStore(Store):
    name = "sqlite3"
    batch_kind = "WHERE k IN (...)"

    def __init__(self, n, d):
        path = self.path = os.path.join(d, "b.sqlite")
        fresh = not os.path.exists(path)
        self.db = sqlite3.connect(path)
        if fresh:
            self.db.execute("PRAGMA journal_mode=OFF")
            self.db.execute("CREATE TABLE t (k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID")
            self.db.executemany("INSERT INTO t VALUES (?, ?)", ((key(i), value(i)) for i in range(n)))
            self.db.commit()
        self.cur = self.db.cursor()

    def get(self, k):
        r = self.cur.execute("SELECT v FROM t WHERE k = ?", (k,)).fetchone()
        return r[0] if r else None

    def batched(self, keys, batch):
        out = []
        for s in range(0, len(keys), batch):
            chunk = keys[s : s + batch]
            q = "SELECT k, v FROM t WHERE k IN (%s)" % ",".join("?" * len(chunk))
            found = dict(self.cur.execute(q, chunk).fetchall())
            out.extend(found.get(k) for k in chunk)
        return out

    def close(self):
        self.db.close()


class LmdbStore(Store):
    name = "lmdb"
    batch_kind = "Cursor.getmulti"

    def __init__(self, n, d):
        import lmdb

        path = self.path = os.path.join(d, "b.lmdb")
        fresh = not os.path.exists(path)
        self.env = lmdb.open(path, map_size=1 << 36, subdir=True, readonly=not fresh, lock=fresh)
        if fresh:
            with self.env.begin(write=True) as t:
                for i in range(n):
                    t.put(key(i), value(i))
        self.txn = self.env.begin(buffers=False)
        self.get = self.txn.get

    def batched(self, keys, batch):
        out = []
        cur = self.txn.cursor()
        for s in range(0, len(keys), batch):
            chunk = keys[s : s + batch]
            found = dict(cur.getmulti(chunk))
            out.extend(found.get(k) for k in chunk)
        return out

    def close(self):
        self.txn.abort()
        self.env.close()


class CdbStore(Store):
    name = "cdb (pure-cdb, mmap)"

    def __init__(self, n, d):
        import mmap

        import cdblib

        path = self.path = os.path.join(d, "b.cdb")
        if not os.path.exists(path):
            with open(path, "wb") as f:
                w = cdblib.Writer(f)
                for i in range(n):
                    w.put(key(i), value(i))
                w.finalize()
        self.f = open(path, "rb")
        self.m = mmap.mmap(self.f.fileno(), 0, access=mmap.ACCESS_READ)
        self.r = cdblib.Reader(self.m)
        self.get = self.r.get

    def close(self):
        self.r = None
        self.get = None
        self.m.close()
        self.f.close()


class DbmStore(Store):
    def __init__(self, n, d):
        path = self.path = os.path.join(d, "b.dbm")
        kind = dbm.whichdb(path)
        if kind is None:
            with dbm.open(path, "n") as db:
                for i in range(n):
                    db[key(i)] = value(i)
        self.db = dbm.open(path, "r")
        self.name = "dbm (%s)" % (dbm.whichdb(path) or type(self.db).__module__)
        self.get = self.db.get

    def close(self):
        self.db.close()


STORES = {
    "zidx": ZidxStore,
    "dict": DictStore,
    "sqlite3": SqliteStore,
    "lmdb": LmdbStore,
    "cdb": CdbStore,
    "dbm": DbmStore,
}


def timed(fn, keys, expected) -> float:
    """Seconds for one pass of ``fn`` over ``keys``; checks every answer."""
    wait_quiet()
    t = time.perf_counter()
    got = fn(keys)
    elapsed = time.perf_counter() - t
    if got != expected:
        bad = next(i for i, (a, b) in enumerate(zip(got, expected)) if a != b)
        raise AssertionError(f"wrong answer for {keys[bad]!r}: {got[bad]!r}")
    return elapsed


def disk_size(path) -> int:
    if path is None:
        return 0
    if os.path.isdir(path):
        return sum(os.path.getsize(os.path.join(r, f)) for r, _, fs in os.walk(path) for f in fs)
    # dbm modules add suffixes (.db, .dir/.dat/.bak) to the name.
    base = os.path.dirname(path)
    return sum(
        os.path.getsize(os.path.join(base, f))
        for f in os.listdir(base)
        if f == os.path.basename(path) or f.startswith(os.path.basename(path) + ".")
    )


def machine() -> str:
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(l.split(":", 1)[1].strip() for l in f if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--lookups", type=int, default=200_000)
    ap.add_argument("--passes", type=int, default=5)
    ap.add_argument("--batch", type=int, default=1000)
    ap.add_argument("--dir", default="target/py-bench")
    ap.add_argument("--stores", default=",".join(STORES))
    ap.add_argument("--out", help="append a Markdown table to this file")
    args = ap.parse_args()

    d = os.path.join(args.dir, str(args.records))
    # Every store is built afresh: the build time is part of the row.
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    rng = random.Random(42)
    hit_ids = [rng.randrange(args.records) for _ in range(args.lookups)]
    hits = [key(i) for i in hit_ids]
    hit_values = [value(i) for i in hit_ids]
    # Absent keys that sort among the present ones (a digit string and a
    # letter, which no present key has), so that ordered stores (sqlite3's
    # and lmdb's B-trees) walk a random path for each, as for a hit.
    misses = [b"user:%09dx" % rng.randrange(10**9) for _ in range(args.lookups)]
    nothing = [None] * args.lookups

    load_before = open("/proc/loadavg").read().split()[:3]
    stores = []
    for name in args.stores.split(","):
        wait_quiet()
        t = time.perf_counter()
        try:
            store = STORES[name](args.records, d)
        except ImportError as e:
            print(f"{name}: skipped ({e})", file=sys.stderr)
            continue
        opened = time.perf_counter() - t
        stores.append((store, opened, disk_size(getattr(store, "path", None))))
        print(f"{store.name}: built and opened in {opened:.1f} s", flush=True)

    # The passes go round the stores in turn, so that every store sees the
    # same share of whatever else the machine runs.
    modes = [
        ("hits", lambda s: s.one_at_a_time, hits, hit_values),
        ("hits, batched", lambda s: (lambda k: s.batched(k, args.batch)), hits, hit_values),
        ("misses", lambda s: s.one_at_a_time, misses, nothing),
        ("misses, batched", lambda s: (lambda k: s.batched(k, args.batch)), misses, nothing),
    ]
    times = {(i, m): [] for i in range(len(stores)) for m in range(len(modes))}
    for _ in range(args.passes):
        for i, (store, _, _) in enumerate(stores):
            for m, (_, fn, keys, expected) in enumerate(modes):
                times[i, m].append(timed(fn(store), keys, expected))
    rows = []
    for i, (store, opened, size) in enumerate(stores):
        rates = [args.lookups / statistics.median(times[i, m]) for m in range(len(modes))]
        row = [store.name, *rates, store.batch_kind, opened, size]
        print(
            f"{row[0]:<24} hit {row[1] / 1e6:6.2f} M/s  batched {row[2] / 1e6:6.2f} M/s   "
            f"miss {row[3] / 1e6:6.2f} M/s  batched {row[4] / 1e6:6.2f} M/s   "
            f"(build/open {opened:.1f} s, {size / 1e6:.0f} MB)",
            flush=True,
        )
        rows.append(row)
        store.close()

    if args.out:
        load = open("/proc/loadavg").read().split()[:3]
        with open(args.out, "a") as f:
            f.write(
                f"\n### {args.records:,} records\n\n"
                f"- Date: {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average before the run {' '.join(load_before)}, after it {' '.join(load)}\n"
                f"- Machine: {machine()}; Python {platform.python_version()}\n"
                f"- Command: `python crates/zidx-py/bench/bench.py {' '.join(sys.argv[1:])}`\n"
                f"- {args.lookups:,} lookups per measurement, median of {args.passes} passes taken round the stores in turn; batches of {args.batch} keys\n\n"
                "| store | hits, one at a time | hits, batched | misses, one at a time | misses, batched | batch call | build + open (s) | file MB |\n"
                "|---|---:|---:|---:|---:|---|---:|---:|\n"
            )
            for r in rows:
                f.write(
                    f"| {r[0]} | {r[1] / 1e6:.2f} M/s | {r[2] / 1e6:.2f} M/s | {r[3] / 1e6:.2f} M/s | "
                    f"{r[4] / 1e6:.2f} M/s | {r[5]} | {r[6]:.1f} | {r[7] / 1e6:.0f} |\n"
                )


if __name__ == "__main__":
    main()
