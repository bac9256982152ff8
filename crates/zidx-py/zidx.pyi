"""zidx: zero-copy, memory-mapped, read-only key/value index files.

Keys are ``str`` (encoded as UTF-8) or ``bytes``; values are ``bytes``.

>>> import zidx
>>> zidx.build("fruit.zidx", [("apple", b"red"), ("pear", b"green")])["records"]
2
>>> idx = zidx.Index("fruit.zidx")
>>> idx["apple"], idx.get("kiwi"), "pear" in idx, len(idx)
(b'red', None, True, 2)
"""

import os
from pathlib import Path
from types import TracebackType
from typing import Iterable, Iterator, Literal, TypedDict, TypeVar, final

__all__ = [
    "__version__",
    "DuplicateKeyError",
    "Index",
    "IndexSet",
    "MAX_SHARDS",
    "Records",
    "ValueView",
    "Writer",
    "ZidxError",
    "build",
    "shard_of",
    "shard_path",
    "write_manifest",
]
__version__: str
MAX_SHARDS: int

_Key = str | bytes
_Value = str | bytes
_StrPath = str | os.PathLike[str]
_OnDuplicate = Literal["error", "first", "last", "keep"]
_T = TypeVar("_T")

class ZidxError(Exception):
    """A corrupt or unreadable file, an I/O failure, or a build the format
    refuses; the message is the Rust library's."""

class DuplicateKeyError(ZidxError):
    """A key inserted twice into a Writer with on_duplicate="error"."""

class _Summary(TypedDict):
    path: Path
    records: int
    inserted: int
    file_len: int

class _ManifestSummary(TypedDict):
    shards: int
    records: int
    generation: int

@final
class Records(Iterator[_T]):
    """An iterator over records; holds the index open."""
    def __iter__(self) -> "Records[_T]": ...
    def __next__(self) -> _T: ...

@final
class ValueView:
    """A value in place in the file, exported by the buffer protocol
    (read-only); ``memoryview`` of it shares the file's bytes."""
    def __len__(self) -> int: ...
    def __bytes__(self) -> bytes: ...

@final
class Index:
    """An index file, open for reading.

    ``mmap=True`` maps the file; ``mmap=False`` reads it into memory, immune
    to the file being modified in place afterwards.

    >>> idx = zidx.Index("fruit.zidx")
    >>> idx["apple"]
    b'red'
    """
    def __new__(cls, path: _StrPath, mmap: bool = True) -> "Index": ...
    @property
    def path(self) -> Path: ...
    @property
    def mapped(self) -> bool: ...
    @property
    def ordered(self) -> bool: ...
    @property
    def value_schema(self) -> str | None:
        """The fixed value layout (files built with ``schema=``), as text."""
    @property
    def dtype(self) -> dict[str, list[str] | list[int] | int] | None:
        """The value layout as a NumPy dtype spec:
        ``np.frombuffer(idx.view(key), np.dtype(idx.dtype))[0]`` is a
        structured scalar over the mapped file (no copy)."""
    def __len__(self) -> int: ...
    def __contains__(self, key: _Key, /) -> bool: ...
    def __getitem__(self, key: _Key, /) -> bytes:
        """The value of ``key``; ``KeyError`` when it is absent."""
    def get(self, key: _Key, default: _T | None = None) -> bytes | _T | None:
        """The value of ``key``, or ``default``."""
    def get_many(self, keys: Iterable[_Key], default: _T | None = None) -> list[bytes | _T | None]:
        """The values of many keys, looked up without the GIL.

        >>> idx.get_many(["apple", "kiwi"])
        [b'red', None]
        """
    def view(self, key: _Key) -> memoryview:
        """A zero-copy read-only memoryview of the value of ``key`` that
        keeps the index open; ``KeyError`` when it is absent."""
    def get_all(self, key: _Key) -> list[bytes]:
        """Every value of ``key`` (several with on_duplicate="keep")."""
    def scan(self, start: _Key | None = None, end: _Key | None = None) -> Records[tuple[bytes, bytes]]:
        """Records with start <= key < end, in key order (ordered files)."""
    def prefix(self, prefix: _Key) -> Records[tuple[bytes, bytes]]:
        """Records whose key starts with ``prefix``, in key order."""
    def __iter__(self) -> Records[bytes]: ...
    def keys(self) -> Records[bytes]: ...
    def values(self) -> Records[bytes]: ...
    def items(self) -> Records[tuple[bytes, bytes]]: ...
    def verify(self) -> None:
        """Checks every byte; ``ZidxError`` names the first problem."""
    def __enter__(self) -> "Index": ...
    def __exit__(self, *args: object) -> bool: ...

@final
class IndexSet:
    """An index set (a ``.zidxset`` manifest and its shards), read like one
    index.

    >>> s = zidx.IndexSet("words.zidxset")
    >>> s.get_many(["apple", "kiwi"])
    [b'red', None]
    """
    def __new__(cls, manifest_path: _StrPath, mmap: bool = True) -> "IndexSet": ...
    @property
    def path(self) -> Path: ...
    @property
    def shard_count(self) -> int: ...
    @property
    def routing_seed(self) -> int: ...
    @property
    def shard_paths(self) -> list[Path]: ...
    def shard_of(self, key: _Key) -> int: ...
    def __len__(self) -> int: ...
    def __contains__(self, key: _Key, /) -> bool: ...
    def __getitem__(self, key: _Key, /) -> bytes: ...
    def get(self, key: _Key, default: _T | None = None) -> bytes | _T | None: ...
    def get_many(self, keys: Iterable[_Key], default: _T | None = None) -> list[bytes | _T | None]: ...
    def get_all(self, key: _Key) -> list[bytes]: ...
    def view(self, key: _Key) -> memoryview: ...
    def __iter__(self) -> Records[bytes]: ...
    def keys(self) -> Records[bytes]: ...
    def values(self) -> Records[bytes]: ...
    def items(self) -> Records[tuple[bytes, bytes]]: ...
    def verify(self) -> None: ...
    def __enter__(self) -> "IndexSet": ...
    def __exit__(self, *args: object) -> bool: ...

@final
class Writer:
    """Builds an index file, published atomically at ``path``.

    As a context manager it publishes on a clean exit and, on an exception,
    removes its temporary file and leaves ``path`` as it was.

    ``shard=(i, n)`` builds shard ``i`` of a set of ``n`` (see ``shard_path``
    and ``write_manifest``): a key routing elsewhere raises ``ValueError``,
    or is skipped with ``other_shards="skip"``.

    >>> with zidx.Writer("fruit.zidx", on_duplicate="last") as w:
    ...     w.insert("apple", b"red")
    ...     w.insert(b"apple", b"green")
    """
    def __new__(
        cls,
        path: _StrPath,
        on_duplicate: _OnDuplicate = "error",
        *,
        ordered: bool = False,
        checked: bool = False,
        memory: int | None = None,
        overwrite: bool = False,
        schema: str | None = None,
        shard: tuple[int, int] | None = None,
        routing_seed: int = 0,
        other_shards: Literal["error", "skip"] = "error",
    ) -> "Writer": ...
    @property
    def path(self) -> Path: ...
    @property
    def inserted(self) -> int: ...
    def insert(self, key: _Key, value: _Value) -> bool: ...
    def insert_many(self, pairs: Iterable[tuple[_Key, _Value]]) -> int: ...
    def finish(self) -> _Summary: ...
    def abort(self) -> None: ...
    def __enter__(self) -> "Writer": ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> bool: ...

def build(
    path: _StrPath,
    pairs: Iterable[tuple[_Key, _Value]],
    on_duplicate: _OnDuplicate = "error",
    *,
    ordered: bool = False,
    checked: bool = False,
    memory: int | None = None,
    overwrite: bool = False,
    schema: str | None = None,
) -> _Summary:
    """Builds and publishes an index from ``(key, value)`` pairs."""

def shard_of(key: _Key, shard_count: int, routing_seed: int = 0) -> int:
    """The shard of ``key`` in a set of ``shard_count`` shards (the set's
    routing function, identical in every process)."""

def shard_path(manifest_path: _StrPath, shard: int, shard_count: int, build_id: str) -> Path:
    """Where shard ``shard`` of ``shard_count`` of one build (``build_id``)
    of the set ``manifest_path`` goes: ``STEM-BUILD_ID-IIIII-of-NNNNN.zidx``
    beside the manifest."""

def write_manifest(
    manifest_path: _StrPath,
    shard_paths: list[_StrPath],
    routing_seed: int = 0,
    *,
    overwrite: bool = False,
    remove_replaced: bool = True,
) -> _ManifestSummary:
    """Checks shards built apart and publishes their manifest atomically
    (as ``zidx manifest``)."""
