//! Typed values (SPEC.md §13): `&T` in place, schema checks at open, the
//! writer's typed insert, and round trips over every alignment and every
//! combination with the 1.2 features.

use proptest::prelude::*;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};
use zidx::{Error, Index, Schema, TypedIndex, ValueSchema};
use zidx_writer::{OnDuplicate, Options, WriteError, Writer};

#[derive(Debug, Clone, Copy, PartialEq, FromBytes, IntoBytes, KnownLayout, Immutable)]
#[repr(C)]
struct Price {
    sku: u64,
    cents: u32,
    stock: u32,
    name: [u8; 24],
}
zidx::impl_schema!(Price {
    sku: u64,
    cents: u32,
    stock: u32,
    name: str[24]
});

/// Same size and alignment as `Price`, other fields.
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable)]
#[repr(C)]
struct Other {
    a: u64,
    b: u64,
    name: [u8; 24],
}
zidx::impl_schema!(Other {
    a: u64,
    b: u64,
    name: str[24]
});

fn price(i: u32) -> Price {
    let mut name = [0u8; 24];
    let text = format!("item {i}");
    name[..text.len()].copy_from_slice(text.as_bytes());
    Price {
        sku: u64::from(i) * 7,
        cents: i * 100 + 99,
        stock: i % 13,
        name,
    }
}

fn prices(n: u32, options: Options) -> Vec<u8> {
    let options = options.with_value_schema(Price::value_schema().unwrap());
    let mut w = Writer::memory(options);
    for i in 0..n {
        w.insert_typed(format!("sku-{i}").as_bytes(), &price(i))
            .unwrap();
    }
    w.finish().unwrap()
}

/// Copies `bytes` to an address that is a multiple of 64 plus `shift`.
fn placed(bytes: &[u8], shift: usize) -> (Vec<u64>, std::ops::Range<usize>) {
    let mut buf = vec![0u64; bytes.len().div_ceil(8) + 16];
    let base = buf.as_ptr() as usize;
    let start = (64 - base % 64) % 64 + shift;
    buf.as_mut_bytes()[start..start + bytes.len()].copy_from_slice(bytes);
    (buf, start..start + bytes.len())
}

#[test]
fn values_are_read_in_place_in_every_mode() {
    let bytes = prices(1000, Options::default());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.zidx");
    std::fs::write(&path, &bytes).unwrap();
    for typed in [
        TypedIndex::<Price>::open(&path).unwrap(),
        TypedIndex::<Price>::read(&path).unwrap(),
        TypedIndex::<Price>::load(&path).unwrap(),
    ] {
        let file = typed.index().as_bytes().as_ptr_range();
        for i in 0..1000 {
            let found = typed.get(format!("sku-{i}").as_bytes()).unwrap().unwrap();
            assert_eq!(*found, price(i));
            // In place: the reference points into the file's bytes.
            assert!(file.contains(&(std::ptr::from_ref(found).cast::<u8>())));
        }
        assert!(typed.get(b"sku-1000").unwrap().is_none());
        let keys: Vec<String> = (0..1100).map(|i| format!("sku-{i}")).collect();
        let mut out = Vec::new();
        typed.get_many(&keys, &mut out);
        for (i, r) in out.iter().enumerate() {
            let expected = u32::try_from(i).ok().filter(|&i| i < 1000).map(price);
            assert_eq!(r.as_ref().unwrap().copied(), expected);
        }
        assert_eq!(typed.iter().count(), 1000);
        typed.index().verify().unwrap();
    }
}

#[test]
fn a_type_with_another_layout_is_refused_showing_both() {
    let bytes = prices(3, Options::default());
    let (buf, range) = placed(&bytes, 0);
    let slice = &buf.as_bytes()[range];
    let err = TypedIndex::<Other, _>::new(Index::from_bytes(slice).unwrap()).unwrap_err();
    let e = err.to_string();
    assert!(e.contains("Other does not match"), "{e}");
    assert!(
        e.contains("sku:u64@0, cents:u32@8, stock:u32@12, name:str[24]@16 (size 40, align 8)"),
        "{e}"
    );
    assert!(
        e.contains("a:u64@0, b:u64@8, name:str[24]@16 (size 40, align 8)"),
        "{e}"
    );

    let mut plain = Writer::memory(Options::default());
    plain.insert(b"k", b"v").unwrap();
    let plain = plain.finish().unwrap();
    let (buf, range) = placed(&plain, 0);
    let err = TypedIndex::<Price, _>::new(Index::from_bytes(&buf.as_bytes()[range]).unwrap())
        .unwrap_err();
    assert!(matches!(err, Error::SchemaMismatch { .. }));
    assert!(err.to_string().contains("untyped values"), "{err}");
}

/// `from_bytes` on a buffer at an address that is not a multiple of the
/// values' alignment: the typed view is refused, never read misaligned;
/// the untyped index still reads the bytes.
#[test]
fn a_misaligned_buffer_is_an_error_naming_the_alignment() {
    let bytes = prices(10, Options::default());
    let (buf, range) = placed(&bytes, 4);
    let slice = &buf.as_bytes()[range];
    let index = Index::from_bytes(slice).unwrap();
    assert_eq!(index.get(b"sku-3").unwrap().map(<[u8]>::len), Some(40));
    let err = TypedIndex::<Price, _>::new(index).unwrap_err();
    assert!(matches!(err, Error::Misaligned { align: 8, .. }), "{err}");
    assert!(
        err.to_string()
            .contains("not a multiple of its alignment 8"),
        "{err}"
    );
}

#[test]
fn the_writer_refuses_values_of_the_wrong_size_or_type() {
    let options = Options::default().with_value_schema(Price::value_schema().unwrap());
    let mut w = Writer::memory(options.clone());
    let err = w.insert(b"k", &[0u8; 39]).unwrap_err();
    assert!(
        matches!(
            err,
            WriteError::ValueSize {
                len: 39,
                expected: 40,
                ..
            }
        ),
        "{err}"
    );
    let other = Other {
        a: 1,
        b: 2,
        name: [0; 24],
    };
    let err = w.insert_typed(b"k", &other).unwrap_err();
    assert!(
        err.to_string()
            .contains("but the build's schema is sku:u64@0"),
        "{err}"
    );
    let mut untyped = Writer::memory(Options::default());
    let err = untyped.insert_typed(b"k", &price(1)).unwrap_err();
    assert!(err.to_string().contains("no schema"), "{err}");
    // Nothing half-done: the typed build still finishes with what it took.
    w.insert_typed(b"k", &price(1)).unwrap();
    let bytes = w.finish().unwrap();
    assert_eq!(Index::from_bytes(bytes).unwrap().len(), 1);
}

/// A value whose padding or bool or str bytes break the schema is refused
/// by the untyped `insert` too, naming the problem (a file that `verify`
/// would call damaged is never written; corruption.rs checks that verify
/// finds such values in a forged file).
#[test]
fn the_writer_refuses_illegal_values() {
    let schema = ValueSchema::parse("a:u8,b:u32,ok:bool,s:str[3]").unwrap();
    assert_eq!(schema.size(), 12);
    for (value, problem) in ILLEGAL_VALUES {
        let mut w = Writer::memory(Options::default().with_value_schema(schema.clone()));
        let err = w.insert(b"k", &value).unwrap_err();
        assert!(
            matches!(&err, WriteError::InvalidValue { record: 0, problem: p } if p.contains(problem)),
            "{problem}: {err}"
        );
    }
}

/// Values of `a:u8,b:u32,ok:bool,s:str[3]` that break its rules, each with
/// the problem named.
const ILLEGAL_VALUES: [([u8; 12], &str); 4] = [
    ([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "padding bytes 1..4"),
    ([1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0], "bool byte 2"),
    ([1, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0], "UTF-8"),
    ([1, 0, 0, 0, 0, 0, 0, 0, 1, b'a', 0, b'b'], "after its NUL"),
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]
    /// Any schema alignment (1 to 16), with or without ordered keys,
    /// checks and several values per key: every record reads back, and
    /// verify passes.
    #[test]
    fn typed_files_round_trip(
        schema in prop::sample::select(vec![
            "a:u8",
            "a:u16,b:u8",
            "a:u8,b:u32",
            "a:str[5],b:f64",
            "a:bytes[3],b:u64[2]",
            "a:bool,b:i16[3],c:str[9][2]",
        ]),
        records in prop::collection::vec((prop::collection::vec(any::<u8>(), 0..20), any::<u64>()), 0..200),
        ordered in any::<bool>(),
        checked in any::<bool>(),
        keep in any::<bool>(),
    ) {
        let schema = ValueSchema::parse(schema).unwrap();
        let size = schema.size() as usize;
        // A value that passes the schema's checks: zero, then the seed in
        // the first field when it is a number field.
        let value = |seed: u64| {
            let mut v = vec![0u8; size];
            let f = &schema.fields()[0];
            if matches!(f.ty, zidx::FieldType::U8 | zidx::FieldType::U16) {
                let w = f.ty.width() as usize;
                v[f.offset as usize..f.offset as usize + w].copy_from_slice(&seed.to_le_bytes()[..w]);
            }
            v
        };
        let mut options = Options::default()
            .with_value_schema(schema.clone())
            .with_ordered(ordered)
            .with_record_checksums(checked)
            .with_on_duplicate(if keep { OnDuplicate::Keep } else { OnDuplicate::Last });
        options = options.with_sort_buffer(1 << 12);
        let mut w = Writer::memory(options);
        let mut expected: std::collections::BTreeMap<Vec<u8>, Vec<Vec<u8>>> = Default::default();
        for (k, seed) in &records {
            let v = value(*seed);
            w.insert(k, &v).unwrap();
            let e = expected.entry(k.clone()).or_default();
            if keep { e.push(v) } else { *e = vec![v] }
        }
        let bytes = w.finish().unwrap();
        let (buf, range) = placed(&bytes, 0);
        let index = Index::from_bytes(&buf.as_bytes()[range]).unwrap();
        index.verify().unwrap();
        prop_assert_eq!(index.layout().version(), (1, 3));
        for (k, values) in &expected {
            let got: Vec<Vec<u8>> = index.get_all(k).unwrap().map(|v| v.unwrap().to_vec()).collect();
            prop_assert_eq!(&got, values);
            let first = index.get(k).unwrap().unwrap();
            prop_assert_eq!(first.as_ptr() as usize % schema.align() as usize, 0);
        }
    }
}
