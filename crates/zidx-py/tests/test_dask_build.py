"""The Dask example: an index set built by tasks in worker processes."""

import os
import sys

import pytest

distributed = pytest.importorskip("dask.distributed")
import cloudpickle  # noqa: E402  (installed with dask)

import zidx  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))
import dask_build  # noqa: E402

# The workers are other processes: ship the example's functions by value.
cloudpickle.register_pickle_by_value(dask_build)

RECORDS = 20_000
PARTS = 5
SHARDS = 4


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster, distributed.Client(cluster) as c:
        yield c


@pytest.fixture
def data(tmp_path):
    d = tmp_path / "input"
    dask_build.generate(str(d), RECORDS, PARTS)
    assert len(os.listdir(d)) == PARTS
    return d


def zidx_files(d):
    return sorted(f for f in os.listdir(d) if f.endswith(".zidx") or f.endswith(".zidxset"))


def test_distributed_build(client, data, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    manifest = str(out / "words.zidxset")
    summary = dask_build.build_set(client, str(data), manifest, SHARDS)
    assert summary == {"shards": SHARDS, "records": RECORDS, "generation": summary["generation"]}
    # The tasks really ran in the workers' processes.
    pids = client.run(os.getpid)
    assert len(pids) == 2 and os.getpid() not in pids.values()
    s = zidx.IndexSet(manifest)
    assert len(s) == RECORDS and s.shard_count == SHARDS
    keys = [b"key%d" % i for i in range(RECORDS)]
    for i, k in enumerate(keys):
        assert s[k] == b"value%d" % i
    assert s.get_many(keys) == [b"value%d" % i for i in range(RECORDS)]
    assert s.get(b"key%d" % RECORDS) is None
    s.verify()
    # Only the manifest and its shards remain (no staging).
    assert sorted(os.listdir(out)) == sorted(
        ["words.zidxset"] + [os.path.basename(p) for p in s.shard_paths]
    )


def test_failed_task_publishes_nothing(client, data, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    manifest = str(out / "words.zidxset")
    with pytest.raises(RuntimeError, match="injected failure in the task of shard 2"):
        dask_build.build_set(client, str(data), manifest, SHARDS, fail_shard=2)
    assert os.listdir(out) == []
    with pytest.raises(zidx.ZidxError):
        zidx.IndexSet(manifest)


def test_failed_rebuild_keeps_the_old_set(client, data, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    manifest = str(out / "words.zidxset")
    dask_build.build_set(client, str(data), manifest, SHARDS)
    before = {f: (out / f).read_bytes() for f in os.listdir(out)}
    with pytest.raises(RuntimeError, match="injected failure"):
        dask_build.build_set(client, str(data), manifest, 3, fail_shard=0)
    assert {f: (out / f).read_bytes() for f in os.listdir(out)} == before
    s = zidx.IndexSet(manifest)
    assert s.shard_count == SHARDS and s[b"key7"] == b"value7"
    # A successful rebuild with another shard count replaces it whole.
    dask_build.build_set(client, str(data), manifest, 3, routing_seed=5)
    s = zidx.IndexSet(manifest)
    assert s.shard_count == 3 and s.routing_seed == 5 and len(s) == RECORDS
    assert all(s[b"key%d" % i] == b"value%d" % i for i in range(0, RECORDS, 97))
    assert len(zidx_files(out)) == 4


def test_duplicate_key_fails_the_job(client, tmp_path):
    d = tmp_path / "input"
    d.mkdir()
    (d / "part-0.tsv").write_bytes(b"a\t1\nb\t2\n")
    (d / "part-1.tsv").write_bytes(b"c\t3\na\t4\n")
    out = tmp_path / "out"
    out.mkdir()
    manifest = str(out / "s.zidxset")
    with pytest.raises(zidx.DuplicateKeyError, match="a"):
        dask_build.build_set(client, str(d), manifest, 2)
    assert os.listdir(out) == []
    dask_build.build_set(client, str(d), manifest, 2, on_duplicate="last")
    assert zidx.IndexSet(manifest)[b"a"] == b"4"
