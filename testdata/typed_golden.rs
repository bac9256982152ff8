// The typed values of the format 1.3 golden files (testdata/v1.3/), shared
// by the writer's rebuild test and the reader's golden test with
// `include!`. Each value is derived from a line of a TSV source
// (`key<TAB>value`, line `i` from 0), so the files can be rebuilt from
// testdata/*.tsv and this function alone.

/// A value of the golden files: every kind of field the schema has, at
/// offsets with padding before `dims` (31 → 32).
#[derive(Debug, Clone, Copy, PartialEq, zerocopy::FromBytes, zerocopy::IntoBytes, zerocopy::KnownLayout, zerocopy::Immutable)]
#[repr(C)]
pub struct Fruit {
    pub weight_g: u64,
    pub count: u32,
    pub rating: f32,
    pub ripe: u8,
    pub color: [u8; 12],
    pub tag: [u8; 2],
    pub _pad: u8,
    pub dims: [u16; 3],
    pub temp: i16,
}

zidx_format::impl_schema!(Fruit {
    weight_g: u64,
    count: u32,
    rating: f32,
    ripe: bool,
    color: str[12],
    tag: bytes[2],
    dims: u16[3],
    temp: i16,
});

/// The textual form of `Fruit`'s schema (what `zidx build --schema` takes).
pub const FRUIT_SCHEMA: &str =
    "weight_g:u64,count:u32,rating:f32,ripe:bool,color:str[12],tag:bytes[2],dims:u16[3],temp:i16";

/// The value of TSV line `i`: `key`, `value` (at most 12 bytes).
pub fn fruit(i: usize, key: &[u8], value: &[u8]) -> Fruit {
    let n = |x: usize| u16::try_from(x).unwrap();
    let mut color = [0u8; 12];
    color[..value.len()].copy_from_slice(value);
    Fruit {
        weight_g: 100 * (i as u64 + 1) + key.len() as u64,
        count: u32::try_from(i).unwrap(),
        rating: 1.0 + 0.5 * i as f32,
        ripe: u8::from(i.is_multiple_of(2)),
        color,
        tag: [key[0], u8::try_from(key.len()).unwrap()],
        _pad: 0,
        dims: [n(key.len()), n(value.len()), n(i)],
        temp: -i16::try_from(i).unwrap(),
    }
}

/// A value aligned to 64 bytes, the largest alignment the format allows.
#[derive(Debug, Clone, Copy, PartialEq, zerocopy::FromBytes, zerocopy::IntoBytes, zerocopy::KnownLayout, zerocopy::Immutable)]
#[repr(C, align(64))]
pub struct Wide {
    pub id: u64,
    pub score: f64,
    pub name: [u8; 16],
    pub _rest: [u8; 32],
}

zidx_format::impl_schema!(Wide { id: u64, score: f64, name: str[16] });

pub fn wide(i: usize, key: &[u8], _value: &[u8]) -> Wide {
    let mut name = [0u8; 16];
    name[..key.len()].copy_from_slice(key);
    Wide {
        id: i as u64 + 1,
        score: -0.25 * i as f64,
        name,
        _rest: [0; 32],
    }
}
