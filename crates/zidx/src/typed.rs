//! Typed values (SPEC.md §13): [`TypedIndex<T>`] hands out each value as a
//! `&T` that points into the file's bytes, with no copy.

use std::marker::PhantomData;
use std::path::Path;

use zidx_format::schema::Schema;

use crate::error::Error;
use crate::file_bytes::FileBytes;
use crate::index::Index;
use crate::records::Records;

/// An index whose values all have the layout of `T`, read in place as
/// `&T`.
///
/// Opening one compares the file's `value_schema` with `T`'s
/// ([`Schema`]): size, alignment, and every field's name, offset and type.
/// A mismatch is [`Error::SchemaMismatch`], which shows both layouts. It
/// also checks that the file's bytes lie at an address aligned for `T`:
/// [`TypedIndex::open`] (a mapping, page-aligned), [`TypedIndex::read`]
/// and [`TypedIndex::load`] always are; a buffer given to
/// [`TypedIndex::new`] through [`Index::from_bytes`] must start at a
/// multiple of the schema's alignment, or opening fails with
/// [`Error::Misaligned`] (nothing is copied behind your back).
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};
///
/// #[derive(Debug, PartialEq, FromBytes, IntoBytes, KnownLayout, Immutable)]
/// #[repr(C)]
/// struct Price {
///     sku: u64,
///     cents: u32,
///     stock: u32,
///     name: [u8; 24],
/// }
/// zidx::impl_schema!(Price { sku: u64, cents: u32, stock: u32, name: str[24] });
///
/// let dir = tempfile::tempdir()?;
/// let path = dir.path().join("prices.zidx");
/// let options = zidx_writer::Options::default().with_value_schema(zidx::value_schema::<Price>()?);
/// let mut writer = zidx_writer::Writer::create(&path, options)?;
/// let mut name = [0u8; 24];
/// name[..6].copy_from_slice(b"teapot");
/// writer.insert_typed(b"A-100", &Price { sku: 100, cents: 1999, stock: 7, name })?;
/// writer.finish()?;
///
/// let prices = zidx::TypedIndex::<Price>::open(&path)?;
/// let teapot: &Price = prices.get(b"A-100")?.unwrap();
/// assert_eq!((teapot.sku, teapot.cents, teapot.stock), (100, 1999, 7));
/// assert!(prices.get(b"B-200")?.is_none());
/// for record in prices.iter() {
///     let (key, price) = record?;
///     assert_eq!((key, price.stock), (&b"A-100"[..], 7));
/// }
/// # Ok(()) }
/// ```
pub struct TypedIndex<T, D = FileBytes> {
    index: Index<D>,
    _values: PhantomData<fn() -> T>,
}

/// The schema of `T`: what [`zidx_writer::Options::with_value_schema`]
/// takes to build a file of `T`s.
///
/// [`zidx_writer::Options::with_value_schema`]: https://docs.rs/zidx-writer
pub fn value_schema<T: Schema>() -> Result<zidx_format::ValueSchema, Error> {
    Ok(T::value_schema()?)
}

impl<T: Schema> TypedIndex<T, FileBytes> {
    /// Memory-maps the file at `path` ([`Index::open`], with its hazards)
    /// and checks its schema against `T`.
    pub fn open(path: impl AsRef<Path>) -> Result<TypedIndex<T>, Error> {
        TypedIndex::new(Index::open(path)?)
    }

    /// Reads the file at `path` into aligned memory ([`Index::read`]) and
    /// checks its schema against `T`.
    pub fn read(path: impl AsRef<Path>) -> Result<TypedIndex<T>, Error> {
        TypedIndex::new(Index::read(path)?)
    }

    /// Reads the file at `path` into huge pages ([`Index::load`]) and
    /// checks its schema against `T`.
    pub fn load(path: impl AsRef<Path>) -> Result<TypedIndex<T>, Error> {
        TypedIndex::new(Index::load(path)?)
    }
}

/// `T`'s name, for messages.
fn type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    full.rsplit("::").next().unwrap_or(full)
}

impl<T: Schema, D: AsRef<[u8]>> TypedIndex<T, D> {
    /// A typed view of `index`, if its values have `T`'s layout and lie
    /// aligned for it in memory.
    pub fn new(index: Index<D>) -> Result<TypedIndex<T, D>, Error> {
        let expected = T::value_schema()?;
        let Some(file) = index.layout().value_schema() else {
            return Err(Error::SchemaMismatch {
                type_name: type_name::<T>(),
                file: "untyped values (built without a schema)".to_string(),
                expected: expected.describe(),
            });
        };
        if *file != expected {
            return Err(Error::SchemaMismatch {
                type_name: type_name::<T>(),
                file: file.describe(),
                expected: expected.describe(),
            });
        }
        let base = index.as_bytes().as_ptr() as usize;
        let align = file.align();
        if !base.is_multiple_of(align as usize) {
            return Err(Error::Misaligned {
                offset: 0,
                address: base,
                align,
            });
        }
        Ok(TypedIndex {
            index,
            _values: PhantomData,
        })
    }

    /// The untyped index: `get` there returns the value's bytes.
    pub fn index(&self) -> &Index<D> {
        &self.index
    }

    /// The untyped index, given back.
    pub fn into_index(self) -> Index<D> {
        self.index
    }

    /// `bytes`, a value of the file, as a `&T`: the size is the schema's,
    /// checked at open; the address is checked here, since a damaged slot
    /// could point between records.
    #[inline]
    fn cast<'a>(&'a self, bytes: &'a [u8]) -> Result<&'a T, Error> {
        T::ref_from_bytes(bytes).map_err(|_| {
            let file = self.index.as_bytes().as_ptr() as usize;
            let address = bytes.as_ptr() as usize;
            Error::Misaligned {
                offset: address.wrapping_sub(file) as u64,
                address,
                align: u32::try_from(core::mem::align_of::<T>()).unwrap_or(u32::MAX),
            }
        })
    }

    /// Looks up `key`: its value as a `&T` into the file, `None` when
    /// absent, an error only when the bytes consulted are damaged. With
    /// several values per key, the first.
    #[inline]
    pub fn get(&self, key: &[u8]) -> Result<Option<&T>, Error> {
        match self.index.get(key)? {
            Some(bytes) => self.cast(bytes).map(Some),
            None => Ok(None),
        }
    }

    /// Looks up many keys with their memory accesses overlapped, as
    /// [`Index::get_many`] does: `out` is cleared, then gets one result per
    /// key, in order.
    pub fn get_many<'a, K: AsRef<[u8]>>(
        &'a self,
        keys: &[K],
        out: &mut Vec<Result<Option<&'a T>, Error>>,
    ) {
        let mut raw = Vec::with_capacity(keys.len());
        self.index.get_many(keys, &mut raw);
        out.clear();
        out.extend(raw.into_iter().map(|r| match r {
            Ok(Some(bytes)) => self.cast(bytes).map(Some),
            Ok(None) => Ok(None),
            Err(e) => Err(*e),
        }));
    }

    /// Every value of `key`, in insertion order (files built with several
    /// values per key; otherwise at most one).
    pub fn get_all(
        &self,
        key: &[u8],
    ) -> Result<impl Iterator<Item = Result<&T, Error>> + '_, Error> {
        Ok(self
            .index
            .get_all(key)?
            .map(move |value| value.and_then(|bytes| self.cast(bytes))))
    }

    /// Every record as `(key, &T)`, in stored order.
    pub fn iter(&self) -> TypedRecords<'_, T, D> {
        TypedRecords {
            typed: self,
            records: self.index.iter(),
        }
    }

    /// Number of records.
    pub fn len(&self) -> u64 {
        self.index.len()
    }

    /// Whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }
}

/// The records of a [`TypedIndex`], in stored order.
pub struct TypedRecords<'a, T, D: AsRef<[u8]>> {
    typed: &'a TypedIndex<T, D>,
    records: Records<'a, D>,
}

impl<'a, T: Schema, D: AsRef<[u8]>> Iterator for TypedRecords<'a, T, D> {
    type Item = Result<(&'a [u8], &'a T), Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let record = self.records.next()?;
        Some(record.and_then(|(key, value)| Ok((key, self.typed.cast(value)?))))
    }
}

impl<T, D: AsRef<[u8]>> std::fmt::Debug for TypedRecords<'_, T, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedRecords").finish_non_exhaustive()
    }
}

impl<T, D> std::fmt::Debug for TypedIndex<T, D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TypedIndex")
            .field("type", &std::any::type_name::<T>())
            .finish_non_exhaustive()
    }
}
