"""Build a zidx index set from a partitioned data set on a Dask cluster.

The input is a directory of tab-separated part files (``KEY<TAB>VALUE``
lines), as a Spark or Hive job writes them. The job runs in two stages,
like a MapReduce shuffle:

1. one task per input part splits its lines by ``zidx.shard_of(key, N)``
   (the set's routing function) into N bucket files in a staging directory;
2. one task per shard reads its buckets and builds its shard with
   ``zidx.Writer(..., shard=(i, N))`` at ``zidx.shard_path(manifest, i, N,
   build_id)``: the writer checks every key's routing, and publishes the
   shard atomically only when the task succeeds.

The driver then calls ``zidx.write_manifest``, which checks the shards and
publishes the manifest by an atomic rename: readers see the old set or the
new one. If any task fails, the driver removes the shards of this build and
writes no manifest, so no half-built set is ever visible (and a set already
at that path keeps serving).

    python dask_build.py INPUT_DIR OUT.zidxset --shards 8 [--workers 2]
    python dask_build.py --generate INPUT_DIR --records 10000000 --parts 16
"""

from __future__ import annotations

import argparse
import glob
import os
import shutil
import time
import uuid

import zidx


def split_part(part: str, staging: str, shard_count: int, routing_seed: int) -> list[str]:
    """Stage 1: splits one input part into one bucket file per shard."""
    name = os.path.basename(part)
    outs = [
        open(os.path.join(staging, f"{name}.shard-{i:05}"), "wb", buffering=1 << 20)
        for i in range(shard_count)
    ]
    try:
        with open(part, "rb") as f:
            for line in f:
                key, sep, _ = line.partition(b"\t")
                if not sep:
                    continue
                outs[zidx.shard_of(key, shard_count, routing_seed)].write(line)
    finally:
        for o in outs:
            o.close()
    return [o.name for o in outs]


def _pairs(paths: list[str]):
    for path in paths:
        with open(path, "rb") as f:
            for line in f:
                key, _, value = line.rstrip(b"\n").partition(b"\t")
                yield key, value


def build_shard(
    manifest: str,
    shard: int,
    shard_count: int,
    build_id: str,
    buckets: list[str],
    routing_seed: int = 0,
    on_duplicate: str = "error",
    fail: bool = False,
) -> str:
    """Stage 2: builds shard ``shard`` from its buckets; returns its path.

    ``fail`` makes the task raise half-way (to test failure handling): the
    writer's ``with`` block then discards the shard's temporary file.
    """
    path = zidx.shard_path(manifest, shard, shard_count, build_id)
    with zidx.Writer(
        path, on_duplicate, shard=(shard, shard_count), routing_seed=routing_seed
    ) as w:
        w.insert_many(_pairs(buckets))
        if fail:
            raise RuntimeError(f"injected failure in the task of shard {shard}")
    return os.fspath(path)


def build_set(
    client,
    input_dir: str,
    manifest: str,
    shard_count: int,
    routing_seed: int = 0,
    on_duplicate: str = "error",
    fail_shard: int | None = None,
) -> dict:
    """Runs the job on ``client`` (a dask.distributed Client); returns the
    manifest summary. On failure, removes everything this build wrote and
    re-raises."""
    parts = sorted(glob.glob(os.path.join(input_dir, "*")))
    if not parts:
        raise ValueError(f"{input_dir}: no input parts")
    build_id = uuid.uuid4().hex[:16]
    out_dir = os.path.dirname(os.path.abspath(manifest))
    staging = os.path.join(out_dir, f".staging-{build_id}")
    os.makedirs(staging)
    shard_paths = [
        os.fspath(zidx.shard_path(manifest, i, shard_count, build_id)) for i in range(shard_count)
    ]
    try:
        split = client.map(
            split_part, parts, staging=staging, shard_count=shard_count,
            routing_seed=routing_seed, pure=False,
        )
        buckets = client.gather(split)
        built = [
            client.submit(
                build_shard, manifest, i, shard_count, build_id,
                [b[i] for b in buckets], routing_seed, on_duplicate,
                fail=(i == fail_shard), pure=False,
            )
            for i in range(shard_count)
        ]
        # Wait for every task (a failed one raises here, after the others
        # finished, so none is still writing when the driver cleans up).
        from dask.distributed import wait

        wait(built)
        paths = client.gather(built)
        return zidx.write_manifest(manifest, paths, routing_seed)
    except BaseException:
        # No manifest was written: remove the shards the tasks that
        # succeeded published (a failed task left nothing).
        for p in shard_paths:
            if os.path.exists(p):
                os.remove(p)
        raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def generate(input_dir: str, records: int, parts: int) -> None:
    """Writes ``records`` lines ``keyN<TAB>valueN`` in ``parts`` files."""
    os.makedirs(input_dir, exist_ok=True)
    per = -(-records // parts)
    for p in range(parts):
        lo, hi = p * per, min(records, (p + 1) * per)
        with open(os.path.join(input_dir, f"part-{p:05}.tsv"), "wb", buffering=1 << 20) as f:
            f.writelines(b"key%d\tvalue%d\n" % (i, i) for i in range(lo, hi))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("input_dir")
    ap.add_argument("manifest", nargs="?")
    ap.add_argument("--shards", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--routing-seed", type=int, default=0)
    ap.add_argument("--generate", action="store_true", help="write test input instead")
    ap.add_argument("--records", type=int, default=1_000_000)
    ap.add_argument("--parts", type=int, default=16)
    args = ap.parse_args()
    if args.generate:
        t = time.perf_counter()
        generate(args.input_dir, args.records, args.parts)
        print(f"generated {args.records} records in {args.parts} parts in {time.perf_counter() - t:.1f} s")
        return
    if not args.manifest:
        ap.error("give the manifest path")
    from dask.distributed import Client, LocalCluster

    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True) as cluster, Client(cluster) as client:
        t = time.perf_counter()
        summary = build_set(client, args.input_dir, args.manifest, args.shards, args.routing_seed)
        print(f"built {summary['records']} records in {summary['shards']} shards in {time.perf_counter() - t:.1f} s")


if __name__ == "__main__":
    main()
