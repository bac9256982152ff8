//! The `zidx` Python module: read zidx index files and index sets, and
//! build them, from Python.
//!
//! Reading borrows from the mapped file wherever Python allows it: a
//! lookup copies the value once into a `bytes` object, and
//! [`Index::view`] gives a `memoryview` over the mapping itself, which
//! keeps the index alive. Batches ([`Index::get_many`]) run without the
//! GIL. Writing publishes atomically, as the Rust writer does: a `Writer`
//! used as a context manager publishes on a clean exit and discards its
//! temporary file on an exception.
//!
//! The one `unsafe` block fills a `Py_buffer` for the zero-copy view; the
//! rest is safe code over PyO3.

use std::ffi::c_int;
use std::ops::Bound as RangeBound;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use pyo3::exceptions::{
    PyBufferError, PyException, PyKeyError, PyOverflowError, PyTypeError, PyValueError,
};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyMemoryView, PyString, PyTuple};
use pyo3::{create_exception, ffi};
use zidx_format::manifest::{route, Manifest, ShardInfo, MAX_MANIFEST_LEN, MAX_SHARDS};
use zidx_writer::{OnDuplicate, Options, Replace, WriteError};

create_exception!(
    zidx,
    ZidxError,
    PyException,
    "An error from zidx: a corrupt or unreadable file, an I/O failure, or a \
     build the format refuses. The message is the Rust library's."
);
create_exception!(
    zidx,
    DuplicateKeyError,
    ZidxError,
    "A key inserted twice into a Writer with on_duplicate=\"error\"."
);

/// A reader error as a Python exception.
fn read_error(e: impl std::fmt::Display) -> PyErr {
    ZidxError::new_err(e.to_string())
}

/// A writer error as a Python exception: a duplicate key gets its own class.
fn write_error(e: WriteError) -> PyErr {
    match e {
        e @ WriteError::DuplicateKey { .. } => DuplicateKeyError::new_err(e.to_string()),
        e => ZidxError::new_err(e.to_string()),
    }
}

/// The bytes of a key (or value): `bytes` as they are, `str` as UTF-8.
fn as_bytes<'a>(obj: &'a Bound<'_, PyAny>, what: &str) -> PyResult<&'a [u8]> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.as_bytes());
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(s.to_str()?.as_bytes());
    }
    Err(PyTypeError::new_err(format!(
        "a {what} is str or bytes, not {}",
        obj.get_type()
            .name()
            .map_or_else(|_| "?".to_string(), |n| n.to_string())
    )))
}

/// Python's `len()` needs a `usize`.
fn py_len(n: u64) -> PyResult<usize> {
    usize::try_from(n).map_err(|_| PyOverflowError::new_err(format!("{n} records")))
}

/// An opened index and the path it came from.
#[derive(Debug)]
struct Opened {
    index: zidx::Index,
    path: PathBuf,
}

/// Where the records an iterator walks live.
#[derive(Debug, Clone)]
enum Source {
    Index(Arc<Opened>),
    Set(Arc<OpenedSet>),
}

/// An opened index set.
#[derive(Debug)]
struct OpenedSet {
    set: zidx::IndexSet,
    path: PathBuf,
}

/// Records borrowed from a [`Source`].
type Pairs<'a> = Box<dyn Iterator<Item = Result<(&'a [u8], &'a [u8]), zidx::Error>> + Send + 'a>;

self_cell::self_cell!(
    /// A record iterator together with the index it borrows from.
    struct PairCell {
        owner: Source,
        #[not_covariant]
        dependent: Pairs,
    }
);

impl std::fmt::Debug for PairCell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PairCell").finish_non_exhaustive()
    }
}

/// What an iterator yields of each record.
#[derive(Debug, Clone, Copy)]
enum Yield {
    Keys,
    Values,
    Items,
}

/// An iterator over records: keys, values or (key, value) pairs, as
/// `bytes`. It holds the index open.
#[pyclass(module = "zidx", frozen)]
#[derive(Debug)]
struct Records {
    cell: Mutex<PairCell>,
    what: Yield,
}

impl Records {
    fn new<F>(source: Source, what: Yield, make: F) -> PyResult<Records>
    where
        F: for<'a> FnOnce(&'a Source) -> Result<Pairs<'a>, zidx::Error>,
    {
        let cell = PairCell::try_new(source, make).map_err(read_error)?;
        Ok(Records {
            cell: Mutex::new(cell),
            what,
        })
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Nothing panics while holding these locks; a poisoned one is still
    // consistent.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

#[pymethods]
impl Records {
    fn __iter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let mut cell = lock(&self.cell);
        let what = self.what;
        cell.with_dependent_mut(|_, it| match it.next() {
            None => Ok(None),
            Some(Err(e)) => Err(read_error(e)),
            Some(Ok((k, v))) => Ok(Some(match what {
                Yield::Keys => PyBytes::new(py, k).into_any(),
                Yield::Values => PyBytes::new(py, v).into_any(),
                Yield::Items => {
                    PyTuple::new(py, [PyBytes::new(py, k), PyBytes::new(py, v)])?.into_any()
                }
            })),
        })
    }
}

/// The bytes a [`ValueView`] exposes: a range of an index file.
#[derive(Debug)]
enum Backing {
    Index(Arc<Opened>),
    Shard(Arc<OpenedSet>, usize),
}

impl Backing {
    fn file(&self) -> &[u8] {
        match self {
            Backing::Index(o) => o.index.as_bytes(),
            Backing::Shard(s, i) => s.set.shards().get(*i).map_or(&[], |x| x.as_bytes()),
        }
    }
}

/// A value in place in the mapped file, exported through the buffer
/// protocol: `memoryview(v)` reads it without a copy, and holds the index
/// open for as long as the view lives.
#[pyclass(module = "zidx", frozen)]
#[derive(Debug)]
struct ValueView {
    backing: Backing,
    start: usize,
    len: usize,
}

impl ValueView {
    /// The view of `value`, a slice of `backing`'s file.
    fn new(backing: Backing, value: &[u8]) -> PyResult<ValueView> {
        let file = backing.file();
        let start = (value.as_ptr() as usize)
            .checked_sub(file.as_ptr() as usize)
            .filter(|s| s.checked_add(value.len()).is_some_and(|e| e <= file.len()))
            .ok_or_else(|| ZidxError::new_err("value does not lie in the file's bytes"))?;
        let len = value.len();
        Ok(ValueView {
            backing,
            start,
            len,
        })
    }

    fn bytes(&self) -> Option<&[u8]> {
        self.backing
            .file()
            .get(self.start..self.start.checked_add(self.len)?)
    }
}

#[pymethods]
impl ValueView {
    /// # Safety
    ///
    /// Called by Python with a `Py_buffer` to fill.
    unsafe fn __getbuffer__(
        slf: Bound<'_, Self>,
        view: *mut ffi::Py_buffer,
        flags: c_int,
    ) -> PyResult<()> {
        let bytes = slf
            .get()
            .bytes()
            .ok_or_else(|| PyBufferError::new_err("value out of the file's range"))?;
        let len = ffi::Py_ssize_t::try_from(bytes.len())
            .map_err(|_| PyBufferError::new_err("value too large for a buffer"))?;
        // SAFETY: `view` is the caller's Py_buffer to fill. The pointer and
        // length are those of a slice of the index file, which `slf` owns
        // through an Arc and which never changes (read-only mapping or
        // owned bytes); PyBuffer_FillInfo stores a new reference to `slf`
        // in view->obj, so the file outlives the buffer. readonly=1: a
        // request for a writable buffer fails with BufferError.
        let rc = unsafe {
            ffi::PyBuffer_FillInfo(
                view,
                slf.as_ptr(),
                bytes.as_ptr().cast_mut().cast(),
                len,
                1,
                flags,
            )
        };
        if rc == -1 {
            return Err(PyErr::fetch(slf.py()));
        }
        Ok(())
    }

    fn __len__(&self) -> usize {
        self.len
    }

    fn __bytes__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyBytes>> {
        let b = self
            .bytes()
            .ok_or_else(|| ZidxError::new_err("value out of the file's range"))?;
        Ok(PyBytes::new(py, b))
    }
}

/// A zidx index file, open for reading.
///
/// `Index(path, mmap=True)` maps the file (the default); `mmap=False` reads
/// it into memory instead, which is immune to the file being changed in
/// place afterwards. Keys are `str` (as UTF-8) or `bytes`; values are
/// `bytes`.
///
/// Example:
///
///     >>> idx = zidx.Index("fruit.zidx")
///     >>> idx["apple"]
///     b'red'
///     >>> idx.get("kiwi", b"?")
///     b'?'
///     >>> "apple" in idx, len(idx)
///     (True, 3)
#[pyclass(module = "zidx", frozen)]
#[derive(Debug)]
struct Index {
    inner: Arc<Opened>,
}

impl Index {
    fn source(&self) -> Source {
        Source::Index(Arc::clone(&self.inner))
    }

    fn records(&self, what: Yield) -> PyResult<Records> {
        Records::new(self.source(), what, |s| match s {
            Source::Index(o) => Ok(Box::new(o.index.iter()) as Pairs<'_>),
            Source::Set(s) => Ok(Box::new(s.set.iter())),
        })
    }

    fn lookup(&self, key: &Bound<'_, PyAny>) -> PyResult<Option<&[u8]>> {
        let k = as_bytes(key, "key")?;
        self.inner.index.get(k).map_err(read_error)
    }
}

#[pymethods]
impl Index {
    #[new]
    #[pyo3(signature = (path, mmap = true))]
    fn new(py: Python<'_>, path: PathBuf, mmap: bool) -> PyResult<Index> {
        let index = py
            .detach(|| {
                if mmap {
                    zidx::Index::open(&path)
                } else {
                    zidx::Index::read(&path)
                }
            })
            .map_err(read_error)?;
        Ok(Index {
            inner: Arc::new(Opened { index, path }),
        })
    }

    /// The path the index was opened from.
    #[getter]
    fn path(&self) -> PathBuf {
        self.inner.path.clone()
    }

    /// Whether the file is memory-mapped (else it was read into memory).
    #[getter]
    fn mapped(&self) -> bool {
        self.inner.index.storage().is_mapped()
    }

    /// Whether the records are stored in key order (built with
    /// `ordered=True`), so that `scan` and `prefix` work.
    #[getter]
    fn ordered(&self) -> bool {
        self.inner.index.layout().ordered_keys()
    }

    /// The values' fixed layout (built with `schema=`), as text:
    /// "sku:u64@0, price:f64@8 (size 16, align 8)"; None for untyped files.
    #[getter]
    fn value_schema(&self) -> Option<String> {
        self.inner
            .index
            .layout()
            .value_schema()
            .map(|s| s.describe())
    }

    /// The values' layout as a NumPy dtype specification (None for untyped
    /// files): `np.dtype(idx.dtype)` describes one value, so
    /// `np.frombuffer(idx.view(key), np.dtype(idx.dtype))[0]` is a
    /// structured scalar over the mapped file, without a copy.
    #[getter]
    fn dtype<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDict>>> {
        self.inner
            .index
            .layout()
            .value_schema()
            .map(|s| numpy_dtype(py, s))
            .transpose()
    }

    fn __len__(&self) -> PyResult<usize> {
        py_len(self.inner.index.len())
    }

    fn __contains__(&self, key: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.lookup(key)?.is_some())
    }

    fn __getitem__<'py>(&self, key: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
        match self.lookup(key)? {
            Some(v) => Ok(PyBytes::new(key.py(), v)),
            None => Err(PyKeyError::new_err(key.clone().unbind())),
        }
    }

    /// The value of `key` as `bytes`, or `default` when it is absent.
    ///
    ///     >>> idx.get(b"apple")
    ///     b'red'
    #[pyo3(signature = (key, default = None))]
    fn get<'py>(
        &self,
        key: &Bound<'py, PyAny>,
        default: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        Ok(match self.lookup(key)? {
            Some(v) => Some(PyBytes::new(key.py(), v).into_any()),
            None => default,
        })
    }

    /// The values of many keys, in order, as a list of `bytes` (`default`
    /// for an absent key). The lookups run without the GIL, their memory
    /// accesses overlapped, so other Python threads run meanwhile.
    ///
    ///     >>> idx.get_many(["apple", "kiwi"])
    ///     [b'red', None]
    #[pyo3(signature = (keys, default = None))]
    fn get_many<'py>(
        &self,
        py: Python<'py>,
        keys: &Bound<'py, PyAny>,
        default: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let objects: Vec<Bound<'py, PyAny>> = keys.try_iter()?.collect::<PyResult<_>>()?;
        let slices = objects
            .iter()
            .map(|k| as_bytes(k, "key"))
            .collect::<PyResult<Vec<&[u8]>>>()?;
        let index = &self.inner.index;
        let found = py.detach(|| {
            let mut out = Vec::new();
            index.get_many(&slices, &mut out);
            out
        });
        let default = default.unwrap_or_else(|| py.None().into_bound(py));
        let list = PyList::empty(py);
        for answer in found {
            match answer.map_err(read_error)? {
                Some(v) => list.append(PyBytes::new(py, v))?,
                None => list.append(&default)?,
            }
        }
        Ok(list)
    }

    /// A zero-copy `memoryview` of the value of `key`, over the mapped file;
    /// it keeps the index open while it lives. Raises `KeyError` when the
    /// key is absent.
    ///
    ///     >>> bytes(idx.view("apple")[:2])
    ///     b're'
    fn view<'py>(&self, key: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyMemoryView>> {
        let value = self
            .lookup(key)?
            .ok_or_else(|| PyKeyError::new_err(key.clone().unbind()))?;
        let view = ValueView::new(Backing::Index(Arc::clone(&self.inner)), value)?;
        PyMemoryView::from(Bound::new(key.py(), view)?.as_any())
    }

    /// Every value of `key`, in insertion order, as a list (empty when the
    /// key is absent). A file built with `on_duplicate="keep"` holds
    /// several; any other at most one.
    fn get_all<'py>(&self, key: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let k = as_bytes(key, "key")?;
        let list = PyList::empty(key.py());
        for v in self.inner.index.get_all(k).map_err(read_error)? {
            list.append(PyBytes::new(key.py(), v.map_err(read_error)?))?;
        }
        Ok(list)
    }

    /// The `(key, value)` records with `start <= key < end`, in key order
    /// (`None` leaves that end open). Needs a file built with
    /// `ordered=True`; raises `ZidxError` otherwise.
    ///
    ///     >>> [k for k, v in idx.scan("a", "b")]
    ///     [b'apple']
    #[pyo3(signature = (start = None, end = None))]
    fn scan(
        &self,
        start: Option<&Bound<'_, PyAny>>,
        end: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Records> {
        let bound = |b: Option<&Bound<'_, PyAny>>, inclusive: bool| -> PyResult<_> {
            Ok(match b {
                None => RangeBound::Unbounded,
                Some(b) if inclusive => RangeBound::Included(as_bytes(b, "key")?.to_vec()),
                Some(b) => RangeBound::Excluded(as_bytes(b, "key")?.to_vec()),
            })
        };
        let (start, end) = (bound(start, true)?, bound(end, false)?);
        Records::new(self.source(), Yield::Items, move |s| match s {
            Source::Index(o) => {
                let range = (
                    start.as_ref().map(Vec::as_slice),
                    end.as_ref().map(Vec::as_slice),
                );
                Ok(Box::new(o.index.range::<[u8], _>(range)?) as Pairs<'_>)
            }
            // An Index method: its source is never a set.
            Source::Set(_) => Ok(Box::new(std::iter::empty())),
        })
    }

    /// The `(key, value)` records whose keys start with `prefix`, in key
    /// order. Needs a file built with `ordered=True`.
    fn prefix(&self, prefix: &Bound<'_, PyAny>) -> PyResult<Records> {
        let p = as_bytes(prefix, "prefix")?.to_vec();
        Records::new(self.source(), Yield::Items, move |s| match s {
            Source::Index(o) => Ok(Box::new(o.index.prefix(&p)?) as Pairs<'_>),
            // An Index method: its source is never a set.
            Source::Set(_) => Ok(Box::new(std::iter::empty())),
        })
    }

    /// Iterates over the keys, in stored order.
    fn __iter__(&self) -> PyResult<Records> {
        self.records(Yield::Keys)
    }

    /// Iterates over the keys, in stored order.
    fn keys(&self) -> PyResult<Records> {
        self.records(Yield::Keys)
    }

    /// Iterates over the values, in stored order.
    fn values(&self) -> PyResult<Records> {
        self.records(Yield::Values)
    }

    /// Iterates over `(key, value)` pairs, in stored order.
    fn items(&self) -> PyResult<Records> {
        self.records(Yield::Items)
    }

    /// Checks every byte of the file (checksums, hash table, records);
    /// raises `ZidxError` naming the first problem.
    fn verify(&self, py: Python<'_>) -> PyResult<()> {
        let index = &self.inner.index;
        py.detach(|| index.verify()).map_err(read_error)
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, PyTuple>) -> bool {
        false
    }

    fn __repr__(&self) -> String {
        format!(
            "zidx.Index({:?}, records={})",
            self.inner.path.display().to_string(),
            self.inner.index.len()
        )
    }
}

/// An index set: a manifest (`NAME.zidxset`) naming N shard indexes, each
/// holding the keys that route to it. Reads like one `Index`.
///
///     >>> s = zidx.IndexSet("words.zidxset")
///     >>> s["apple"], len(s)
///     (b'red', 1000000)
#[pyclass(module = "zidx", frozen)]
#[derive(Debug)]
struct IndexSet {
    inner: Arc<OpenedSet>,
}

impl IndexSet {
    fn lookup(&self, key: &Bound<'_, PyAny>) -> PyResult<Option<&[u8]>> {
        let k = as_bytes(key, "key")?;
        self.inner.set.get(k).map_err(read_error)
    }

    fn records(&self, what: Yield) -> PyResult<Records> {
        Records::new(Source::Set(Arc::clone(&self.inner)), what, |s| match s {
            Source::Index(o) => Ok(Box::new(o.index.iter()) as Pairs<'_>),
            Source::Set(s) => Ok(Box::new(s.set.iter())),
        })
    }
}

#[pymethods]
impl IndexSet {
    #[new]
    #[pyo3(signature = (manifest_path, mmap = true))]
    fn new(py: Python<'_>, manifest_path: PathBuf, mmap: bool) -> PyResult<IndexSet> {
        let set = py
            .detach(|| {
                if mmap {
                    zidx::IndexSet::open(&manifest_path)
                } else {
                    zidx::IndexSet::read(&manifest_path)
                }
            })
            .map_err(read_error)?;
        Ok(IndexSet {
            inner: Arc::new(OpenedSet {
                set,
                path: manifest_path,
            }),
        })
    }

    /// The manifest's path.
    #[getter]
    fn path(&self) -> PathBuf {
        self.inner.path.clone()
    }

    /// The number of shards.
    #[getter]
    fn shard_count(&self) -> u32 {
        self.inner.set.manifest().shard_count()
    }

    /// The routing seed of the set.
    #[getter]
    fn routing_seed(&self) -> u64 {
        self.inner.set.manifest().routing_seed()
    }

    /// The shard files' paths, shard 0 first.
    #[getter]
    fn shard_paths(&self) -> Vec<PathBuf> {
        let dir = self.inner.path.parent().unwrap_or(Path::new(""));
        self.inner
            .set
            .manifest()
            .shards()
            .iter()
            .map(|s| dir.join(&s.name))
            .collect()
    }

    /// The shard `key` routes to.
    fn shard_of(&self, key: &Bound<'_, PyAny>) -> PyResult<u32> {
        Ok(self.inner.set.manifest().shard_of(as_bytes(key, "key")?))
    }

    fn __len__(&self) -> PyResult<usize> {
        py_len(self.inner.set.len())
    }

    fn __contains__(&self, key: &Bound<'_, PyAny>) -> PyResult<bool> {
        Ok(self.lookup(key)?.is_some())
    }

    fn __getitem__<'py>(&self, key: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyBytes>> {
        match self.lookup(key)? {
            Some(v) => Ok(PyBytes::new(key.py(), v)),
            None => Err(PyKeyError::new_err(key.clone().unbind())),
        }
    }

    /// The value of `key` as `bytes`, or `default` when it is absent.
    #[pyo3(signature = (key, default = None))]
    fn get<'py>(
        &self,
        key: &Bound<'py, PyAny>,
        default: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        Ok(match self.lookup(key)? {
            Some(v) => Some(PyBytes::new(key.py(), v).into_any()),
            None => default,
        })
    }

    /// The values of many keys, in order (`default` for an absent key),
    /// looked up shard by shard without the GIL.
    #[pyo3(signature = (keys, default = None))]
    fn get_many<'py>(
        &self,
        py: Python<'py>,
        keys: &Bound<'py, PyAny>,
        default: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyList>> {
        let objects: Vec<Bound<'py, PyAny>> = keys.try_iter()?.collect::<PyResult<_>>()?;
        let slices = objects
            .iter()
            .map(|k| as_bytes(k, "key"))
            .collect::<PyResult<Vec<&[u8]>>>()?;
        let set = &self.inner.set;
        let found = py.detach(|| {
            let mut out = Vec::new();
            set.get_many(&slices, &mut out);
            out
        });
        let default = default.unwrap_or_else(|| py.None().into_bound(py));
        let list = PyList::empty(py);
        for answer in found {
            match answer.map_err(read_error)? {
                Some(v) => list.append(PyBytes::new(py, v))?,
                None => list.append(&default)?,
            }
        }
        Ok(list)
    }

    /// Every value of `key`, in insertion order, as a list.
    fn get_all<'py>(&self, key: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyList>> {
        let k = as_bytes(key, "key")?;
        let list = PyList::empty(key.py());
        for v in self.inner.set.get_all(k).map_err(read_error)? {
            list.append(PyBytes::new(key.py(), v.map_err(read_error)?))?;
        }
        Ok(list)
    }

    /// A zero-copy `memoryview` of the value of `key` (see `Index.view`).
    fn view<'py>(&self, key: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyMemoryView>> {
        let k = as_bytes(key, "key")?;
        let shard = self.inner.set.manifest().shard_of(k) as usize;
        let value = self
            .lookup(key)?
            .ok_or_else(|| PyKeyError::new_err(key.clone().unbind()))?;
        let view = ValueView::new(Backing::Shard(Arc::clone(&self.inner), shard), value)?;
        PyMemoryView::from(Bound::new(key.py(), view)?.as_any())
    }

    /// Iterates over the keys, shard by shard.
    fn __iter__(&self) -> PyResult<Records> {
        self.records(Yield::Keys)
    }

    /// Iterates over the keys, shard by shard.
    fn keys(&self) -> PyResult<Records> {
        self.records(Yield::Keys)
    }

    /// Iterates over the values, shard by shard.
    fn values(&self) -> PyResult<Records> {
        self.records(Yield::Values)
    }

    /// Iterates over `(key, value)` pairs, shard by shard.
    fn items(&self) -> PyResult<Records> {
        self.records(Yield::Items)
    }

    /// Verifies every shard, and that every key lies in the shard it routes
    /// to; raises `ZidxError` naming the first problem.
    fn verify(&self, py: Python<'_>) -> PyResult<()> {
        let set = &self.inner.set;
        py.detach(|| set.verify()).map_err(read_error)
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, PyTuple>) -> bool {
        false
    }

    fn __repr__(&self) -> String {
        format!(
            "zidx.IndexSet({:?}, shards={}, records={})",
            self.inner.path.display().to_string(),
            self.inner.set.manifest().shard_count(),
            self.inner.set.len()
        )
    }
}

/// A NumPy dtype specification (the dict form `np.dtype` takes) of a
/// value schema: little-endian fields at their offsets.
fn numpy_dtype<'py>(
    py: Python<'py>,
    schema: &zidx_format::ValueSchema,
) -> PyResult<Bound<'py, PyDict>> {
    use zidx_format::FieldType as T;
    let (mut names, mut formats, mut offsets) = (Vec::new(), Vec::new(), Vec::new());
    for f in schema.fields() {
        let base = match f.ty {
            T::U8 => "u1".to_string(),
            T::U16 => "<u2".to_string(),
            T::U32 => "<u4".to_string(),
            T::U64 => "<u8".to_string(),
            T::I8 => "i1".to_string(),
            T::I16 => "<i2".to_string(),
            T::I32 => "<i4".to_string(),
            T::I64 => "<i8".to_string(),
            T::F32 => "<f4".to_string(),
            T::F64 => "<f8".to_string(),
            T::Bool => "?".to_string(),
            T::Bytes(n) => format!("V{n}"),
            T::Str(n) => format!("S{n}"),
            _ => {
                return Err(ZidxError::new_err(format!(
                    "field {}: a type this package does not know",
                    f.name
                )))
            }
        };
        names.push(f.name.clone());
        formats.push(match f.count {
            Some(n) => format!("({n},){base}"),
            None => base,
        });
        offsets.push(f.offset);
    }
    let d = PyDict::new(py);
    d.set_item("names", names)?;
    d.set_item("formats", formats)?;
    d.set_item("offsets", offsets)?;
    d.set_item("itemsize", schema.size())?;
    Ok(d)
}

/// The writer options Python passes by keyword.
fn options(
    on_duplicate: &str,
    ordered: bool,
    checked: bool,
    memory: Option<usize>,
    overwrite: bool,
    schema: Option<&str>,
) -> PyResult<Options> {
    let policy: OnDuplicate = on_duplicate.parse().map_err(|_| {
        PyValueError::new_err(format!(
            "on_duplicate is \"error\", \"first\", \"last\" or \"keep\", not {on_duplicate:?}"
        ))
    })?;
    let mut o = Options::default()
        .with_on_duplicate(policy)
        .with_ordered(ordered)
        .with_record_checksums(checked)
        .with_replace(if overwrite {
            Replace::Any
        } else {
            Replace::IndexOnly
        });
    if let Some(m) = memory {
        o = o.with_memory(m);
    }
    if let Some(text) = schema {
        let schema = zidx_format::ValueSchema::parse(text)
            .map_err(|e| PyValueError::new_err(e.to_string()))?;
        o = o.with_value_schema(schema);
    }
    Ok(o)
}

/// The shard a writer builds, and what to do with keys of other shards.
#[derive(Debug, Clone, Copy)]
struct ShardRule {
    shard: u32,
    count: u32,
    seed: u64,
    skip_others: bool,
}

/// The shard count as the format allows it.
fn check_shard_count(n: u32) -> PyResult<()> {
    if (1..=MAX_SHARDS).contains(&n) {
        Ok(())
    } else {
        Err(PyValueError::new_err(format!(
            "shard_count is {n}; a set has 1 to {MAX_SHARDS} shards"
        )))
    }
}

/// The state of a [`Writer`].
#[derive(Debug)]
enum State {
    Open(Box<zidx_writer::Writer>),
    Done,
}

/// Builds an index file. Records go to a temporary file beside `path`;
/// `finish()` (or leaving a `with` block normally) publishes it by an
/// atomic rename, and an exception in the `with` block (or `abort()`)
/// removes it, leaving whatever was at `path` untouched.
///
/// `on_duplicate`: "error" (raise `DuplicateKeyError`), "first", "last", or
/// "keep" (several values per key; read them with `get_all`). `ordered`:
/// store records in key order for `scan`/`prefix`. `checked`: a checksum
/// per record. `memory`: the build's memory budget in bytes.
/// `overwrite`: replace any existing file (by default only an index).
/// `schema`: every value has this fixed layout (as `zidx build --schema`,
/// e.g. "sku:u64,price:f64,name:str[24]"), stored aligned so that readers
/// view it in place (`numpy.frombuffer(idx.view(k), np.dtype(idx.dtype))`).
///
/// For one shard of an index set built apart: `shard=(i, n)` and the set's
/// `routing_seed`; a key that routes elsewhere raises `ValueError`, or is
/// skipped with `other_shards="skip"`.
///
///     >>> with zidx.Writer("fruit.zidx") as w:
///     ...     w.insert("apple", b"red")
///     ...     w.insert(b"pear", "green")
#[pyclass(module = "zidx", frozen)]
#[derive(Debug)]
struct Writer {
    state: Mutex<State>,
    path: PathBuf,
    shard: Option<ShardRule>,
}

impl Writer {
    fn insert_bytes(&self, key: &[u8], value: &[u8]) -> PyResult<bool> {
        if let Some(rule) = self.shard {
            let routed = route(key, rule.seed, rule.count);
            if routed != rule.shard {
                if rule.skip_others {
                    return Ok(false);
                }
                return Err(PyValueError::new_err(format!(
                    "key {:?} routes to shard {routed} of {}, not to this writer's shard {}",
                    String::from_utf8_lossy(key),
                    rule.count,
                    rule.shard
                )));
            }
        }
        match &mut *lock(&self.state) {
            State::Open(w) => w.insert(key, value).map_err(write_error)?,
            State::Done => return Err(ZidxError::new_err("the writer is finished or aborted")),
        }
        Ok(true)
    }

    fn finish_inner(&self, py: Python<'_>) -> PyResult<Py<PyDict>> {
        let state = std::mem::replace(&mut *lock(&self.state), State::Done);
        let State::Open(w) = state else {
            return Err(ZidxError::new_err("the writer is finished or aborted"));
        };
        let summary = py.detach(|| w.finish()).map_err(write_error)?;
        let d = PyDict::new(py);
        d.set_item("path", &self.path)?;
        d.set_item("records", summary.records)?;
        d.set_item("inserted", summary.inserted)?;
        d.set_item("file_len", summary.file_len)?;
        Ok(d.unbind())
    }
}

#[pymethods]
impl Writer {
    #[new]
    #[pyo3(signature = (path, on_duplicate = "error", *, ordered = false, checked = false,
        memory = None, overwrite = false, schema = None, shard = None, routing_seed = 0,
        other_shards = "error"))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        path: PathBuf,
        on_duplicate: &str,
        ordered: bool,
        checked: bool,
        memory: Option<usize>,
        overwrite: bool,
        schema: Option<&str>,
        shard: Option<(u32, u32)>,
        routing_seed: u64,
        other_shards: &str,
    ) -> PyResult<Writer> {
        let skip_others = match other_shards {
            "error" => false,
            "skip" => true,
            other => {
                return Err(PyValueError::new_err(format!(
                    "other_shards is \"error\" or \"skip\", not {other:?}"
                )))
            }
        };
        let shard = match shard {
            None if routing_seed != 0 => {
                return Err(PyValueError::new_err(
                    "routing_seed applies to a shard: give shard=(i, n)",
                ))
            }
            None => None,
            Some((i, n)) => {
                check_shard_count(n)?;
                if i >= n {
                    return Err(PyValueError::new_err(format!(
                        "shard {i} of {n}: shards are numbered from 0 to {}",
                        n - 1
                    )));
                }
                Some(ShardRule {
                    shard: i,
                    count: n,
                    seed: routing_seed,
                    skip_others,
                })
            }
        };
        let opts = options(on_duplicate, ordered, checked, memory, overwrite, schema)?;
        let w = zidx_writer::Writer::create(&path, opts).map_err(write_error)?;
        Ok(Writer {
            state: Mutex::new(State::Open(Box::new(w))),
            path,
            shard,
        })
    }

    /// The path the index is published at.
    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    /// Records inserted so far (with duplicates; not counting keys skipped
    /// for another shard).
    #[getter]
    fn inserted(&self) -> u64 {
        match &*lock(&self.state) {
            State::Open(w) => w.inserted(),
            State::Done => 0,
        }
    }

    /// Adds a record. Returns False only for a key skipped because it
    /// routes to another shard (`other_shards="skip"`).
    fn insert(&self, key: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<bool> {
        self.insert_bytes(as_bytes(key, "key")?, as_bytes(value, "value")?)
    }

    /// Adds every `(key, value)` pair of an iterable; returns how many were
    /// inserted.
    fn insert_many(&self, pairs: &Bound<'_, PyAny>) -> PyResult<u64> {
        let mut n = 0;
        for pair in pairs.try_iter()? {
            let pair = pair?;
            let (k, v) = unpack_pair(&pair)?;
            if self.insert_bytes(as_bytes(&k, "key")?, as_bytes(&v, "value")?)? {
                n += 1;
            }
        }
        Ok(n)
    }

    /// Sorts, writes the hash table and publishes the file atomically (the
    /// GIL is released meanwhile). Returns a summary dict: path, records,
    /// inserted, file_len.
    fn finish(&self, py: Python<'_>) -> PyResult<Py<PyDict>> {
        self.finish_inner(py)
    }

    /// Discards the build: the temporary file is removed, and `path` is
    /// left as it was. Does nothing after `finish` or `abort`.
    fn abort(&self) {
        let state = std::mem::replace(&mut *lock(&self.state), State::Done);
        drop(state);
    }

    fn __enter__(slf: Bound<'_, Self>) -> Bound<'_, Self> {
        slf
    }

    /// Publishes on a clean exit; discards on an exception (which then
    /// propagates).
    fn __exit__(
        &self,
        py: Python<'_>,
        exc_type: Option<&Bound<'_, PyAny>>,
        _exc: Option<&Bound<'_, PyAny>>,
        _tb: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<bool> {
        if exc_type.is_some_and(|t| !t.is_none()) {
            self.abort();
        } else if matches!(&*lock(&self.state), State::Open(_)) {
            self.finish_inner(py)?;
        }
        Ok(false)
    }

    fn __repr__(&self) -> String {
        format!("zidx.Writer({:?})", self.path.display().to_string())
    }
}

/// A `(key, value)` pair from any 2-item sequence.
fn unpack_pair<'py>(pair: &Bound<'py, PyAny>) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
    pair.extract::<(Bound<'py, PyAny>, Bound<'py, PyAny>)>()
        .map_err(|_| PyTypeError::new_err("each record is a (key, value) pair"))
}

/// Builds the index at `path` from an iterable of `(key, value)` pairs and
/// publishes it atomically; returns the summary dict of `Writer.finish`.
/// Takes the keyword options of `Writer`.
///
///     >>> zidx.build("fruit.zidx", [("apple", b"red"), ("pear", b"green")])["records"]
///     2
#[pyfunction]
#[pyo3(signature = (path, pairs, on_duplicate = "error", *, ordered = false, checked = false,
    memory = None, overwrite = false, schema = None))]
#[allow(clippy::too_many_arguments)]
fn build(
    py: Python<'_>,
    path: PathBuf,
    pairs: &Bound<'_, PyAny>,
    on_duplicate: &str,
    ordered: bool,
    checked: bool,
    memory: Option<usize>,
    overwrite: bool,
    schema: Option<&str>,
) -> PyResult<Py<PyDict>> {
    let w = Writer::new(
        path,
        on_duplicate,
        ordered,
        checked,
        memory,
        overwrite,
        schema,
        None,
        0,
        "error",
    )?;
    w.insert_many(pairs)?;
    w.finish_inner(py)
}

/// The shard of `key` in a set of `shard_count` shards routed with
/// `routing_seed`: the function index sets route by (SETS.md §1), the same
/// in every process and on every machine. Use it to partition records
/// before each task builds its shard.
///
///     >>> zidx.shard_of("apple", 4)
///     1
#[pyfunction]
#[pyo3(signature = (key, shard_count, routing_seed = 0))]
fn shard_of(key: &Bound<'_, PyAny>, shard_count: u32, routing_seed: u64) -> PyResult<u32> {
    check_shard_count(shard_count)?;
    Ok(route(as_bytes(key, "key")?, routing_seed, shard_count))
}

/// The directory of `manifest_path` and the stem shard names start with.
fn dir_and_stem(manifest_path: &Path) -> PyResult<(PathBuf, String)> {
    let name = manifest_path
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| {
            PyValueError::new_err(format!(
                "{}: the manifest needs a UTF-8 file name",
                manifest_path.display()
            ))
        })?;
    let stem = name.strip_suffix(".zidxset").unwrap_or(name).to_string();
    let dir = match manifest_path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    Ok((dir, stem))
}

/// The path shard `shard` of `shard_count` of the set `manifest_path`
/// should be built at, in the manifest's directory:
/// `STEM-BUILD_ID-IIIII-of-NNNNN.zidx`. `build_id` (letters, digits, `_`,
/// `-`; e.g. `uuid.uuid4().hex`) names one build of the set, so that a new
/// build never writes over the shards of the set readers use.
///
///     >>> zidx.shard_path("out/words.zidxset", 3, 8, "b1")
///     PosixPath('out/words-b1-00003-of-00008.zidx')
#[pyfunction]
fn shard_path(
    manifest_path: PathBuf,
    shard: u32,
    shard_count: u32,
    build_id: &str,
) -> PyResult<PathBuf> {
    check_shard_count(shard_count)?;
    if shard >= shard_count {
        return Err(PyValueError::new_err(format!(
            "shard {shard} of {shard_count}: shards are numbered from 0 to {}",
            shard_count - 1
        )));
    }
    let ok = (1..=64).contains(&build_id.len())
        && build_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if !ok {
        return Err(PyValueError::new_err(format!(
            "build_id {build_id:?}: 1 to 64 letters, digits, '_' or '-'"
        )));
    }
    let (dir, stem) = dir_and_stem(&manifest_path)?;
    Ok(dir.join(format!(
        "{stem}-{build_id}-{shard:05}-of-{shard_count:05}.zidx"
    )))
}

/// The directory a path lies in, resolved (so that `a/x` and `./a/x` agree).
fn directory(path: &Path) -> Result<PathBuf, String> {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    parent
        .canonicalize()
        .map_err(|e| format!("{}: {e}", parent.display()))
}

/// What `write_manifest` checks and writes, without the GIL: as `zidx
/// manifest` does.
fn assemble(
    manifest_path: &Path,
    shard_paths: &[PathBuf],
    routing_seed: u64,
    replace: Replace,
) -> Result<(Manifest, Vec<(PathBuf, ShardInfo)>), String> {
    let manifest = zidx::manifest_of_shards(manifest_path, shard_paths, routing_seed)
        .map_err(|e| e.to_string())?;
    let replaced = old_shards(manifest_path);
    zidx_writer::write_manifest(manifest_path, &manifest, replace).map_err(|e| e.to_string())?;
    Ok((manifest, replaced))
}

/// The shards of the manifest now at `path`, if it is a readable one
/// (read with a bound: a manifest has at most `MAX_MANIFEST_LEN` bytes),
/// with their paths.
fn old_shards(path: &Path) -> Vec<(PathBuf, ShardInfo)> {
    use std::io::Read;
    let mut bytes = Vec::new();
    let read = std::fs::File::open(path)
        .and_then(|f| f.take(MAX_MANIFEST_LEN + 1).read_to_end(&mut bytes));
    let Ok(old) = read
        .map_err(drop)
        .and_then(|_| Manifest::decode(&bytes).map_err(drop))
    else {
        return Vec::new();
    };
    let dir = path.parent().unwrap_or(Path::new(""));
    old.shards()
        .iter()
        .map(|s| (dir.join(&s.name), s.clone()))
        .collect()
}

/// Whether `path` is the shard `info` describes: a zidx index of its
/// length and header checksum. Only such files are removed as replaced
/// shards, so a manifest that names another file (a database beside it,
/// the manifest itself) never gets it deleted.
fn is_that_shard(path: &Path, info: &ShardInfo) -> bool {
    zidx::Index::open(path).is_ok_and(|index| {
        let layout = index.layout();
        layout.file_len() == info.file_len && layout.header_checksum() == info.header_checksum
    })
}

/// Publishes the manifest of a set whose shards were built apart (by
/// `Writer(..., shard=(i, n))`, in any processes or machines), as `zidx
/// manifest` does: every shard must open, share shard 0's features and
/// value schema, lie in the manifest's directory, and hold only keys that
/// route to its place (every key is read). Then the manifest is written to
/// a temporary file and renamed over `manifest_path`: readers see the old
/// set or the new one, never a mix. With `remove_replaced`, the shard files
/// of the set it replaced (those not reused) are then removed.
///
/// Returns a dict: shards, records, generation.
///
///     >>> zidx.write_manifest("out/words.zidxset",
///     ...     [zidx.shard_path("out/words.zidxset", i, 4, "b1") for i in range(4)])
#[pyfunction]
#[pyo3(signature = (manifest_path, shard_paths, routing_seed = 0, *, overwrite = false,
    remove_replaced = true))]
fn write_manifest(
    py: Python<'_>,
    manifest_path: PathBuf,
    shard_paths: Vec<PathBuf>,
    routing_seed: u64,
    overwrite: bool,
    remove_replaced: bool,
) -> PyResult<Py<PyDict>> {
    let replace = if overwrite {
        Replace::Any
    } else {
        Replace::IndexOnly
    };
    let (manifest, replaced) = py
        .detach(|| assemble(&manifest_path, &shard_paths, routing_seed, replace))
        .map_err(ZidxError::new_err)?;
    if remove_replaced {
        let dir = directory(&manifest_path).ok();
        let keep: Vec<PathBuf> = shard_paths
            .iter()
            .filter_map(|p| Some(directory(p).ok()?.join(p.file_name()?)))
            .collect();
        let manifest_resolved = dir
            .as_ref()
            .and_then(|d| Some(d.join(manifest_path.file_name()?)));
        for (old, info) in replaced {
            let resolved = dir
                .as_ref()
                .and_then(|d| Some(d.join(old.file_name()?)))
                .unwrap_or_else(|| old.clone());
            if !keep.contains(&resolved)
                && Some(&resolved) != manifest_resolved.as_ref()
                && is_that_shard(&old, &info)
            {
                let _ = std::fs::remove_file(&old);
            }
        }
    }
    let d = PyDict::new(py);
    d.set_item("shards", manifest.shard_count())?;
    d.set_item("records", manifest.record_count())?;
    d.set_item("generation", manifest.generation())?;
    Ok(d.unbind())
}

/// zidx: zero-copy, memory-mapped, read-only key/value index files.
///
/// `Index` reads one file, `IndexSet` a sharded set; `Writer` and `build`
/// make files, published atomically; `shard_of`, `shard_path` and
/// `write_manifest` build a set's shards in separate tasks (Spark, Dask).
/// Keys are `str` (UTF-8) or `bytes`; values come back as `bytes`.
///
///     >>> zidx.build("fruit.zidx", [("apple", b"red")])["records"]
///     1
///     >>> zidx.Index("fruit.zidx")["apple"]
///     b'red'
#[pymodule]
#[pyo3(name = "zidx")]
fn zidx_py(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add("MAX_SHARDS", MAX_SHARDS)?;
    m.add("ZidxError", m.py().get_type::<ZidxError>())?;
    m.add("DuplicateKeyError", m.py().get_type::<DuplicateKeyError>())?;
    m.add_class::<Index>()?;
    m.add_class::<IndexSet>()?;
    m.add_class::<Writer>()?;
    m.add_class::<Records>()?;
    m.add_class::<ValueView>()?;
    m.add_function(wrap_pyfunction!(build, m)?)?;
    m.add_function(wrap_pyfunction!(shard_of, m)?)?;
    m.add_function(wrap_pyfunction!(shard_path, m)?)?;
    m.add_function(wrap_pyfunction!(write_manifest, m)?)?;
    Ok(())
}
