//! Typed values (SPEC.md §13): the `value_schema` section, its textual
//! form, and the checks that make a schema safe to trust.
//!
//! A [`ValueSchema`] is built three ways, and each way ends in
//! [`ValueSchema::new`], the one place its rules are checked:
//! - from the textual form a user types (`sku:u64,name:str[24]`), laid out
//!   as a C compiler would ([`ValueSchema::parse`]);
//! - from a Rust struct's fields and their `offset_of!` (the reader's and
//!   writer's `Schema` trait);
//! - from a file's section bytes ([`ValueSchema::decode`]), which are
//!   hostile until checked.

use core::fmt;

use zerocopy::little_endian::{U16, U32, U64};
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout, Unaligned};

use crate::error::FormatError;

/// Largest value a schema may describe, in bytes.
pub const MAX_VALUE_SIZE: u32 = 1 << 20;
/// Largest alignment a schema may ask for.
pub const MAX_VALUE_ALIGN: u32 = 64;
/// Most fields a schema may have.
pub const MAX_FIELDS: usize = 1024;
/// Longest field name, in bytes.
pub const MAX_NAME_LEN: usize = 64;
/// Largest `value_schema` section, in bytes.
pub const MAX_SCHEMA_LEN: u64 = 65_536;
/// Size of the section's fixed header.
pub const SCHEMA_HEADER_SIZE: usize = 24;
/// Size of one field entry.
pub const FIELD_ENTRY_SIZE: usize = 16;

/// The fixed start of the `value_schema` section (SPEC.md §13.1).
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct SchemaHeader {
    /// XXH3-64 of the section's bytes after this field.
    pub fingerprint: U64,
    /// S, bytes of every value.
    pub value_size: U32,
    /// A, the values' alignment.
    pub value_align: U32,
    /// F, the number of field entries.
    pub field_count: U32,
    /// L, bytes of the names after the entries.
    pub names_len: U32,
}

/// One field entry of the `value_schema` section (SPEC.md §13.1).
#[derive(Debug, Clone, Copy, FromBytes, IntoBytes, KnownLayout, Immutable, Unaligned)]
#[repr(C)]
pub struct FieldEntry {
    /// Offset of the field within the value.
    pub offset: U32,
    /// 0 for one element, n for an array of n.
    pub count: U32,
    /// Bytes of one element.
    pub width: U32,
    /// The type code.
    pub type_code: u8,
    /// Bytes of the name.
    pub name_len: u8,
    /// Zero.
    pub reserved: U16,
}

const _: () = {
    use core::mem::{offset_of, size_of};
    assert!(size_of::<SchemaHeader>() == SCHEMA_HEADER_SIZE);
    assert!(offset_of!(SchemaHeader, value_size) == 8);
    assert!(offset_of!(SchemaHeader, value_align) == 12);
    assert!(offset_of!(SchemaHeader, field_count) == 16);
    assert!(offset_of!(SchemaHeader, names_len) == 20);
    assert!(size_of::<FieldEntry>() == FIELD_ENTRY_SIZE);
    assert!(offset_of!(FieldEntry, count) == 4);
    assert!(offset_of!(FieldEntry, width) == 8);
    assert!(offset_of!(FieldEntry, type_code) == 12);
    assert!(offset_of!(FieldEntry, name_len) == 13);
    assert!(offset_of!(FieldEntry, reserved) == 14);
};

/// The type of a field's elements (SPEC.md §13.1, type codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldType {
    /// Unsigned 8-bit integer.
    U8,
    /// Unsigned 16-bit integer, little-endian.
    U16,
    /// Unsigned 32-bit integer, little-endian.
    U32,
    /// Unsigned 64-bit integer, little-endian.
    U64,
    /// Signed 8-bit integer.
    I8,
    /// Signed 16-bit integer, little-endian.
    I16,
    /// Signed 32-bit integer, little-endian.
    I32,
    /// Signed 64-bit integer, little-endian.
    I64,
    /// IEEE 754 binary32, little-endian.
    F32,
    /// IEEE 754 binary64, little-endian.
    F64,
    /// One byte, 0 or 1. Read it in Rust as a `u8` (zerocopy cannot read
    /// arbitrary bytes as `bool`).
    Bool,
    /// `N` opaque bytes (`[u8; N]`).
    Bytes(u32),
    /// UTF-8 text of at most `N` bytes, NUL-padded (`[u8; N]` in Rust).
    Str(u32),
}

impl FieldType {
    /// The type code stored in the file.
    pub const fn code(self) -> u8 {
        match self {
            FieldType::U8 => 1,
            FieldType::U16 => 2,
            FieldType::U32 => 3,
            FieldType::U64 => 4,
            FieldType::I8 => 5,
            FieldType::I16 => 6,
            FieldType::I32 => 7,
            FieldType::I64 => 8,
            FieldType::F32 => 9,
            FieldType::F64 => 10,
            FieldType::Bool => 11,
            FieldType::Bytes(_) => 12,
            FieldType::Str(_) => 13,
        }
    }

    /// The type with code `code` and element width `width`, if the pair is
    /// legal.
    pub fn from_code(code: u8, width: u32) -> Option<FieldType> {
        let ty = match code {
            1 => FieldType::U8,
            2 => FieldType::U16,
            3 => FieldType::U32,
            4 => FieldType::U64,
            5 => FieldType::I8,
            6 => FieldType::I16,
            7 => FieldType::I32,
            8 => FieldType::I64,
            9 => FieldType::F32,
            10 => FieldType::F64,
            11 => FieldType::Bool,
            12 if width >= 1 => FieldType::Bytes(width),
            13 if width >= 1 => FieldType::Str(width),
            _ => return None,
        };
        (ty.width() == width).then_some(ty)
    }

    /// Bytes of one element.
    pub const fn width(self) -> u32 {
        match self {
            FieldType::U8 | FieldType::I8 | FieldType::Bool => 1,
            FieldType::U16 | FieldType::I16 => 2,
            FieldType::U32 | FieldType::I32 | FieldType::F32 => 4,
            FieldType::U64 | FieldType::I64 | FieldType::F64 => 8,
            FieldType::Bytes(n) | FieldType::Str(n) => n,
        }
    }

    /// Alignment of one element: its width for numbers, else 1.
    pub const fn align(self) -> u32 {
        match self {
            FieldType::Bytes(_) | FieldType::Str(_) | FieldType::Bool => 1,
            other => other.width(),
        }
    }

    /// The name in the textual form: `u64`, `str[24]`.
    fn fmt_name(self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let simple = match self {
            FieldType::U8 => "u8",
            FieldType::U16 => "u16",
            FieldType::U32 => "u32",
            FieldType::U64 => "u64",
            FieldType::I8 => "i8",
            FieldType::I16 => "i16",
            FieldType::I32 => "i32",
            FieldType::I64 => "i64",
            FieldType::F32 => "f32",
            FieldType::F64 => "f64",
            FieldType::Bool => "bool",
            FieldType::Bytes(n) => return write!(f, "bytes[{n}]"),
            FieldType::Str(n) => return write!(f, "str[{n}]"),
        };
        f.write_str(simple)
    }

    fn from_name(name: &str) -> Option<FieldType> {
        Some(match name {
            "u8" => FieldType::U8,
            "u16" => FieldType::U16,
            "u32" => FieldType::U32,
            "u64" => FieldType::U64,
            "i8" => FieldType::I8,
            "i16" => FieldType::I16,
            "i32" => FieldType::I32,
            "i64" => FieldType::I64,
            "f32" => FieldType::F32,
            "f64" => FieldType::F64,
            "bool" => FieldType::Bool,
            _ => return None,
        })
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.fmt_name(f)
    }
}

/// One field of a value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Field {
    /// Its name: `[A-Za-z_][A-Za-z0-9_]*`, 1 to 64 bytes.
    pub name: String,
    /// Offset within the value.
    pub offset: u32,
    /// Its elements' type.
    pub ty: FieldType,
    /// `None` for one element, `Some(n)` for an array of `n`.
    pub count: Option<u32>,
}

impl Field {
    /// A field of one element.
    pub fn new(name: impl Into<String>, offset: usize, ty: FieldType) -> Field {
        Field {
            name: name.into(),
            offset: u32::try_from(offset).unwrap_or(u32::MAX),
            ty,
            count: None,
        }
    }

    /// An array of `count` elements.
    pub fn array(name: impl Into<String>, offset: usize, ty: FieldType, count: usize) -> Field {
        Field {
            count: Some(u32::try_from(count).unwrap_or(u32::MAX)),
            ..Field::new(name, offset, ty)
        }
    }

    /// Bytes the field occupies, if that fits in a u64 (always, for u32s).
    pub fn size(&self) -> u64 {
        u64::from(self.ty.width()) * u64::from(self.count.unwrap_or(1))
    }

    /// Number of elements: 1 for a single one.
    pub fn elements(&self) -> u32 {
        self.count.unwrap_or(1)
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.name)?;
        self.ty.fmt_name(f)?;
        if let Some(n) = self.count {
            write!(f, "[{n}]")?;
        }
        Ok(())
    }
}

/// The layout every value of a typed file has (SPEC.md §13.1): its size,
/// alignment and fields. Valid by construction: every constructor checks
/// the rules of §13.1.
///
/// ```
/// use zidx_format::ValueSchema;
/// let schema = ValueSchema::parse("sku:u64,cents:u32,stock:u32,name:str[24]").unwrap();
/// assert_eq!((schema.size(), schema.align()), (40, 8));
/// assert_eq!(schema.fields()[3].offset, 16);
/// assert_eq!(schema.to_string(), "sku:u64,cents:u32,stock:u32,name:str[24]");
/// assert!(ValueSchema::parse("a:u32,a:u8").unwrap_err().to_string().contains("twice"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ValueSchema {
    size: u32,
    align: u32,
    fields: Vec<Field>,
}

/// A schema that breaks a rule; `at` is where (a field index or `None`).
fn problem(text: impl Into<String>) -> String {
    text.into()
}

impl ValueSchema {
    /// A schema of `fields` for values of `size` bytes aligned to `align`,
    /// if it follows SPEC.md §13.1: sizes in range, fields inside the
    /// value, aligned, in increasing offset without overlap, names valid
    /// and distinct.
    pub fn new(size: usize, align: usize, fields: Vec<Field>) -> Result<ValueSchema, FormatError> {
        let bad = |p: String| FormatError::Schema { problem: p };
        let size = u32::try_from(size)
            .ok()
            .filter(|s| (1..=MAX_VALUE_SIZE).contains(s))
            .ok_or_else(|| {
                bad(format!(
                    "value size {size} bytes; expected 1 to {MAX_VALUE_SIZE}"
                ))
            })?;
        let align = u32::try_from(align)
            .ok()
            .filter(|a| a.is_power_of_two() && *a <= MAX_VALUE_ALIGN)
            .ok_or_else(|| {
                bad(format!(
                    "alignment {align}; expected a power of two up to {MAX_VALUE_ALIGN}"
                ))
            })?;
        if size % align != 0 {
            return Err(bad(format!(
                "value size {size} is not a multiple of the alignment {align}"
            )));
        }
        if fields.is_empty() || fields.len() > MAX_FIELDS {
            return Err(bad(format!(
                "{} fields; expected 1 to {MAX_FIELDS}",
                fields.len()
            )));
        }
        let mut end = 0u64;
        for (i, field) in fields.iter().enumerate() {
            let at = |p: String| bad(format!("field {i} ({}): {p}", field.name));
            check_name(&field.name).map_err(|p| bad(format!("field {i}: {p}")))?;
            if fields[..i].iter().any(|f| f.name == field.name) {
                return Err(at(problem("the name appears twice")));
            }
            if field.ty.width() == 0 {
                return Err(at(problem("a width of 0 bytes")));
            }
            if field.count == Some(0) {
                return Err(at(problem("an array of 0 elements")));
            }
            let offset = u64::from(field.offset);
            if offset % u64::from(field.ty.align()) != 0 {
                return Err(at(format!(
                    "offset {offset} is not a multiple of its alignment {}",
                    field.ty.align()
                )));
            }
            if field.ty.align() > align {
                return Err(at(format!(
                    "its alignment {} exceeds the value's {align}",
                    field.ty.align()
                )));
            }
            if offset < end {
                return Err(at(format!(
                    "offset {offset} overlaps the previous field, which ends at {end}"
                )));
            }
            end = offset + field.size();
            if end > u64::from(size) {
                return Err(at(format!(
                    "it ends at byte {end}, past the value's {size} bytes"
                )));
            }
        }
        Ok(ValueSchema {
            size,
            align,
            fields,
        })
    }

    /// The schema of the textual form (SPEC.md §13.1): comma-separated
    /// `name:type` fields, laid out as `#[repr(C)]` lays out a struct.
    pub fn parse(text: &str) -> Result<ValueSchema, FormatError> {
        let bad = |p: String| FormatError::Schema {
            problem: format!("in {text:?}: {p}"),
        };
        let mut fields = Vec::new();
        let mut offset = 0u64;
        let mut align = 1u32;
        for part in text.split(',') {
            let part = part.trim();
            let (name, ty) = part
                .split_once(':')
                .ok_or_else(|| bad(format!("{part:?} is not name:type")))?;
            let (ty, count) = parse_type(ty.trim()).map_err(bad)?;
            let field_align = ty.align();
            offset = offset.next_multiple_of(u64::from(field_align));
            let field = Field {
                name: name.trim().to_string(),
                offset: u32::try_from(offset).unwrap_or(u32::MAX),
                ty,
                count,
            };
            offset = offset.saturating_add(field.size());
            if offset > u64::from(MAX_VALUE_SIZE) {
                return Err(bad(format!(
                    "the fields take more than {MAX_VALUE_SIZE} bytes"
                )));
            }
            align = align.max(field_align);
            fields.push(field);
        }
        let size = offset.next_multiple_of(u64::from(align));
        ValueSchema::new(
            usize::try_from(size).unwrap_or(usize::MAX),
            align as usize,
            fields,
        )
        .map_err(|e| match e {
            FormatError::Schema { problem } => bad(problem),
            other => other,
        })
    }

    /// S, bytes of every value.
    pub fn size(&self) -> u32 {
        self.size
    }

    /// A, the values' alignment.
    pub fn align(&self) -> u32 {
        self.align
    }

    /// The fields, in increasing offset.
    pub fn fields(&self) -> &[Field] {
        &self.fields
    }

    /// The field named `name`.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The layout records need: size and alignment.
    pub fn value_layout(&self) -> ValueLayout {
        ValueLayout {
            size: self.size,
            align: self.align,
        }
    }

    /// The `value_schema` section's bytes (SPEC.md §13.1).
    pub fn encode(&self) -> Vec<u8> {
        let names: usize = self.fields.iter().map(|f| f.name.len()).sum();
        let mut out =
            Vec::with_capacity(SCHEMA_HEADER_SIZE + FIELD_ENTRY_SIZE * self.fields.len() + names);
        // Counts and lengths were bounded by `new` (≤ 1024 fields of ≤ 64
        // bytes), so the conversions are exact.
        let header = SchemaHeader {
            fingerprint: U64::new(0),
            value_size: U32::new(self.size),
            value_align: U32::new(self.align),
            field_count: U32::new(u32::try_from(self.fields.len()).unwrap_or(u32::MAX)),
            names_len: U32::new(u32::try_from(names).unwrap_or(u32::MAX)),
        };
        out.extend_from_slice(header.as_bytes());
        for f in &self.fields {
            let entry = FieldEntry {
                offset: U32::new(f.offset),
                count: U32::new(f.count.unwrap_or(0)),
                width: U32::new(f.ty.width()),
                type_code: f.ty.code(),
                name_len: u8::try_from(f.name.len()).unwrap_or(u8::MAX),
                reserved: U16::new(0),
            };
            out.extend_from_slice(entry.as_bytes());
        }
        for f in &self.fields {
            out.extend_from_slice(f.name.as_bytes());
        }
        let fingerprint = crate::checksum(&out[8..]);
        out[..8].copy_from_slice(&fingerprint.to_le_bytes());
        out
    }

    /// The layout fingerprint (SPEC.md §13.1).
    pub fn fingerprint(&self) -> u64 {
        crate::checksum(&self.encode()[8..])
    }

    /// Reads and checks a `value_schema` section: `bytes` are its
    /// `length` bytes and `item_count` its entry's item count. Refuses
    /// anything §13.1 does not allow, so a schema that lies about sizes or
    /// offsets is never trusted. `section_offset` places errors.
    pub fn decode(
        bytes: &[u8],
        item_count: u64,
        section_offset: u64,
    ) -> Result<ValueSchema, FormatError> {
        let bad = |at: usize, p: String| FormatError::InvalidSchema {
            offset: section_offset.saturating_add(at as u64),
            problem: p,
        };
        let (header, rest) = SchemaHeader::ref_from_prefix(bytes).map_err(|_| {
            bad(
                0,
                format!(
                    "the section has {} bytes, fewer than its {SCHEMA_HEADER_SIZE}-byte header",
                    bytes.len()
                ),
            )
        })?;
        let count = header.field_count.get() as usize;
        if count as u64 != item_count {
            return Err(bad(
                16,
                format!("field_count {count} differs from the section's item_count {item_count}"),
            ));
        }
        if count == 0 || count > MAX_FIELDS {
            return Err(bad(
                16,
                format!("field_count {count}; expected 1 to {MAX_FIELDS}"),
            ));
        }
        let names_len = header.names_len.get() as usize;
        let expected = SCHEMA_HEADER_SIZE + FIELD_ENTRY_SIZE * count + names_len;
        if bytes.len() != expected {
            return Err(bad(
                20,
                format!(
                    "the section has {} bytes; {count} fields and {names_len} bytes of names make {expected}",
                    bytes.len()
                ),
            ));
        }
        let stored = header.fingerprint.get();
        let computed = crate::checksum(&bytes[8..]);
        if stored != computed {
            return Err(bad(
                0,
                format!("fingerprint {stored:#018x}, but the bytes give {computed:#018x}"),
            ));
        }
        let (entries, names) = <[FieldEntry]>::ref_from_prefix_with_elems(rest, count)
            .map_err(|_| bad(SCHEMA_HEADER_SIZE, problem("field entries out of bounds")))?;
        let mut fields = Vec::with_capacity(count);
        let mut name_at = 0usize;
        for (i, e) in entries.iter().enumerate() {
            let entry_at = SCHEMA_HEADER_SIZE + i * FIELD_ENTRY_SIZE;
            if e.reserved.get() != 0 {
                return Err(bad(
                    entry_at + 14,
                    format!("field {i}: reserved bytes not zero"),
                ));
            }
            let ty = FieldType::from_code(e.type_code, e.width.get()).ok_or_else(|| {
                bad(
                    entry_at + 8,
                    format!(
                        "field {i}: type code {} with width {} is not a type of SPEC.md §13.1",
                        e.type_code,
                        e.width.get()
                    ),
                )
            })?;
            let len = usize::from(e.name_len);
            let name = names
                .get(name_at..name_at + len)
                .ok_or_else(|| bad(entry_at + 13, format!("field {i}: name past the section")))?;
            let name = core::str::from_utf8(name)
                .map_err(|_| bad(entry_at + 13, format!("field {i}: name is not UTF-8")))?;
            name_at += len;
            fields.push(Field {
                name: name.to_string(),
                offset: e.offset.get(),
                ty,
                count: match e.count.get() {
                    0 => None,
                    n => Some(n),
                },
            });
        }
        if name_at != names_len {
            return Err(bad(
                20,
                format!("names_len {names_len}, but the fields' names take {name_at} bytes"),
            ));
        }
        ValueSchema::new(
            header.value_size.get() as usize,
            header.value_align.get() as usize,
            fields,
        )
        .map_err(|e| match e {
            FormatError::Schema { problem } => bad(8, problem),
            other => other,
        })
    }

    /// The layout with offsets, size and alignment, for messages:
    /// `sku:u64@0, name:str[24]@8 (size 32, align 8)`.
    pub fn describe(&self) -> String {
        let fields: Vec<String> = self
            .fields
            .iter()
            .map(|f| format!("{f}@{}", f.offset))
            .collect();
        format!(
            "{} (size {}, align {})",
            fields.join(", "),
            self.size,
            self.align
        )
    }

    /// Whether the bytes no field covers are zero and every `bool` and
    /// `str` holds a legal value (SPEC.md §13.4); the first problem
    /// otherwise. `value` must be [`size`](ValueSchema::size) bytes.
    pub fn check_value(&self, value: &[u8]) -> Result<(), String> {
        let mut covered = 0usize;
        for f in &self.fields {
            let start = f.offset as usize;
            let end = start + usize::try_from(f.size()).unwrap_or(usize::MAX);
            if value
                .get(covered..start)
                .is_some_and(|g| g.iter().any(|&b| b != 0))
            {
                return Err(format!("padding bytes {covered}..{start} are not zero"));
            }
            let bytes = value
                .get(start..end)
                .ok_or("value shorter than its schema")?;
            let width = f.ty.width() as usize;
            for element in bytes.chunks_exact(width) {
                match f.ty {
                    FieldType::Bool if element[0] > 1 => {
                        return Err(format!("field {}: bool byte {}", f.name, element[0]));
                    }
                    FieldType::Str(_) => {
                        str_text(element).map_err(|p| format!("field {}: {p}", f.name))?;
                    }
                    _ => {}
                }
            }
            covered = end;
        }
        if value
            .get(covered..)
            .is_some_and(|g| g.iter().any(|&b| b != 0))
        {
            return Err(format!(
                "padding bytes {covered}..{} are not zero",
                value.len()
            ));
        }
        Ok(())
    }
}

/// The text of a `str[N]` element: its UTF-8 bytes before the NUL padding.
/// An error when the bytes are not UTF-8 or a non-NUL byte follows a NUL.
pub fn str_text(element: &[u8]) -> Result<&str, String> {
    let end = element
        .iter()
        .position(|&b| b == 0)
        .unwrap_or(element.len());
    if element[end..].iter().any(|&b| b != 0) {
        return Err(format!("str holds a byte after its NUL padding at {end}"));
    }
    core::str::from_utf8(&element[..end]).map_err(|e| format!("str is not UTF-8: {e}"))
}

/// The textual form: comma-separated `name:type` fields.
impl fmt::Display for ValueSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, field) in self.fields.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{field}")?;
        }
        Ok(())
    }
}

/// Whether `name` is a legal field name.
fn check_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && name
            .bytes()
            .enumerate()
            .all(|(i, b)| b == b'_' || b.is_ascii_alphabetic() || (i > 0 && b.is_ascii_digit()));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "name {name:?} is not 1 to {MAX_NAME_LEN} bytes of [A-Za-z_][A-Za-z0-9_]*"
        ))
    }
}

/// `u64`, `str[24]`, `u32[4]`, `str[8][3]`: the type and array count.
fn parse_type(text: &str) -> Result<(FieldType, Option<u32>), String> {
    let (base, mut rest) = match text.find('[') {
        Some(i) => (&text[..i], &text[i..]),
        None => (text, ""),
    };
    let mut bracket = || -> Result<Option<u32>, String> {
        if rest.is_empty() {
            return Ok(None);
        }
        let inner = rest
            .strip_prefix('[')
            .and_then(|r| r.split_once(']'))
            .ok_or_else(|| format!("type {text:?}: expected [N]"))?;
        rest = inner.1;
        let n: u32 = inner
            .0
            .trim()
            .parse()
            .ok()
            .filter(|n| (1..=MAX_VALUE_SIZE).contains(n))
            .ok_or_else(|| {
                format!(
                    "type {text:?}: {:?} is not a count from 1 to {MAX_VALUE_SIZE}",
                    inner.0
                )
            })?;
        Ok(Some(n))
    };
    let ty = match base {
        "str" | "bytes" => {
            let n = bracket()?.ok_or_else(|| format!("type {text:?}: {base} needs a width, {base}[N]"))?;
            if base == "str" {
                FieldType::Str(n)
            } else {
                FieldType::Bytes(n)
            }
        }
        other => FieldType::from_name(other).ok_or_else(|| {
            format!(
                "unknown type {other:?}; expected u8, u16, u32, u64, i8, i16, i32, i64, f32, f64, bool, str[N] or bytes[N]"
            )
        })?,
    };
    let count = bracket()?;
    if !rest.is_empty() {
        return Err(format!("type {text:?}: unexpected {rest:?}"));
    }
    Ok((ty, count))
}

/// What a typed record's layout needs of the schema: the values' size S
/// and alignment A.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ValueLayout {
    size: u32,
    align: u32,
}

impl ValueLayout {
    /// S, bytes of every value.
    pub const fn size(self) -> u32 {
        self.size
    }

    /// A, a power of two up to 64.
    pub const fn align(self) -> u32 {
        self.align
    }
}

/// A Rust type whose bytes are a typed file's values: the reader hands
/// out `&Self` in place, and the writer stores `Self`'s bytes.
///
/// Implement it with [`impl_schema!`](crate::impl_schema), which takes the
/// offsets, size and alignment from the compiler and checks each field's
/// Rust type against its declared type at compile time, or by hand. The
/// reader compares the result with the file's `value_schema` when it
/// opens a typed view, and refuses a mismatch, showing both layouts.
///
/// Safety does not depend on it being right: `Self` is `FromBytes`, so
/// any bytes are a valid `Self`; a wrong schema can only give wrong
/// numbers, and the comparison at open is there to prevent that.
pub trait Schema: FromBytes + KnownLayout + Immutable + Sized {
    /// The layout of `Self` as a schema, or why it cannot be one.
    fn value_schema() -> Result<ValueSchema, FormatError>;
}

/// Implements [`Schema`] for a `#[repr(C)]` struct from its field list,
/// written in the textual form's types (`u64`, `bool`, `str[24]`,
/// `bytes[16]`, `u32[4]`, `str[8][3]`).
///
/// Offsets, size and alignment come from `offset_of!`, `size_of` and
/// `align_of`, and a type check makes each Rust field's type agree with its
/// declared type (`u64` is `u64`; `bool` is `u8`; `str[N]` and `bytes[N]`
/// are `[u8; N]`; arrays are Rust arrays), so the two cannot drift apart:
///
/// ```
/// use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};
/// use zidx_format::schema::Schema;
///
/// #[derive(FromBytes, IntoBytes, KnownLayout, Immutable)]
/// #[repr(C)]
/// struct Price {
///     sku: u64,
///     cents: u32,
///     stock: u32,
///     name: [u8; 24],
/// }
/// zidx_format::impl_schema!(Price { sku: u64, cents: u32, stock: u32, name: str[24] });
///
/// let schema = Price::value_schema().unwrap();
/// assert_eq!(schema.to_string(), "sku:u64,cents:u32,stock:u32,name:str[24]");
/// assert_eq!(schema, zidx_format::ValueSchema::parse(&schema.to_string()).unwrap());
/// ```
///
/// A field declared with another type than the struct's does not compile:
///
/// ```compile_fail
/// #[derive(zerocopy::FromBytes, zerocopy::KnownLayout, zerocopy::Immutable)]
/// #[repr(C)]
/// struct P { a: u32 }
/// zidx_format::impl_schema!(P { a: u64 });
/// ```
#[macro_export]
macro_rules! impl_schema {
    ($ty:ty { $($field:ident : $kind:ident $([$n:expr])*),+ $(,)? }) => {
        impl $crate::schema::Schema for $ty {
            fn value_schema() -> ::core::result::Result<$crate::ValueSchema, $crate::FormatError> {
                $crate::ValueSchema::new(
                    ::core::mem::size_of::<$ty>(),
                    ::core::mem::align_of::<$ty>(),
                    ::std::vec![$(
                        $crate::__schema_field!(
                            ::core::stringify!($field),
                            ::core::mem::offset_of!($ty, $field),
                            $kind $([$n])*
                        )
                    ),+],
                )
            }
        }
        const _: () = {
            #[allow(dead_code, clippy::all)]
            fn field_types_match(value: &$ty) {
                $(let _: &$crate::__schema_rust_type!($kind $([$n])*) = &value.$field;)+
            }
        };
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __schema_field {
    ($name:expr, $offset:expr, str [$n:expr] [$m:expr]) => {
        $crate::Field::array($name, $offset, $crate::FieldType::Str($n), $m)
    };
    ($name:expr, $offset:expr, str [$n:expr]) => {
        $crate::Field::new($name, $offset, $crate::FieldType::Str($n))
    };
    ($name:expr, $offset:expr, bytes [$n:expr] [$m:expr]) => {
        $crate::Field::array($name, $offset, $crate::FieldType::Bytes($n), $m)
    };
    ($name:expr, $offset:expr, bytes [$n:expr]) => {
        $crate::Field::new($name, $offset, $crate::FieldType::Bytes($n))
    };
    ($name:expr, $offset:expr, $kind:ident [$m:expr]) => {
        $crate::Field::array($name, $offset, $crate::__schema_scalar!($kind), $m)
    };
    ($name:expr, $offset:expr, $kind:ident) => {
        $crate::Field::new($name, $offset, $crate::__schema_scalar!($kind))
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __schema_scalar {
    (u8) => {
        $crate::FieldType::U8
    };
    (u16) => {
        $crate::FieldType::U16
    };
    (u32) => {
        $crate::FieldType::U32
    };
    (u64) => {
        $crate::FieldType::U64
    };
    (i8) => {
        $crate::FieldType::I8
    };
    (i16) => {
        $crate::FieldType::I16
    };
    (i32) => {
        $crate::FieldType::I32
    };
    (i64) => {
        $crate::FieldType::I64
    };
    (f32) => {
        $crate::FieldType::F32
    };
    (f64) => {
        $crate::FieldType::F64
    };
    (bool) => {
        $crate::FieldType::Bool
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __schema_rust_type {
    (str [$n:expr] [$m:expr]) => {
        [[u8; $n]; $m]
    };
    (str [$n:expr]) => {
        [u8; $n]
    };
    (bytes [$n:expr] [$m:expr]) => {
        [[u8; $n]; $m]
    };
    (bytes [$n:expr]) => {
        [u8; $n]
    };
    (bool [$m:expr]) => {
        [u8; $m]
    };
    (bool) => {
        u8
    };
    ($kind:ident [$m:expr]) => {
        [$kind; $m]
    };
    ($kind:ident) => {
        $kind
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textual_form_lays_out_like_repr_c() {
        #[repr(C)]
        struct Price {
            sku: u64,
            cents: u32,
            stock: u32,
            name: [u8; 24],
            flag: u8,
        }
        let s =
            ValueSchema::parse("sku:u64, cents:u32, stock:u32, name:str[24], flag:bool").unwrap();
        assert_eq!(s.size() as usize, core::mem::size_of::<Price>());
        assert_eq!(s.align() as usize, core::mem::align_of::<Price>());
        let offsets: Vec<u32> = s.fields().iter().map(|f| f.offset).collect();
        assert_eq!(
            offsets,
            [
                core::mem::offset_of!(Price, sku),
                core::mem::offset_of!(Price, cents),
                core::mem::offset_of!(Price, stock),
                core::mem::offset_of!(Price, name),
                core::mem::offset_of!(Price, flag),
            ]
            .map(|o| u32::try_from(o).unwrap())
        );
    }

    #[test]
    fn encode_decode_round_trip_and_fingerprint() {
        let s = ValueSchema::parse("a:u8,b:f64[3],c:str[5][2],d:bytes[3],e:i16").unwrap();
        let bytes = s.encode();
        let back = ValueSchema::decode(&bytes, s.fields().len() as u64, 0).unwrap();
        assert_eq!(back, s);
        assert_eq!(s.to_string(), "a:u8,b:f64[3],c:str[5][2],d:bytes[3],e:i16");
        assert_eq!(
            u64::from_le_bytes(bytes[..8].try_into().unwrap()),
            s.fingerprint()
        );
        // Any changed byte is refused: by the fingerprint, or a rule.
        for i in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[i] ^= 0x40;
            assert!(ValueSchema::decode(&damaged, 5, 0).is_err(), "byte {i}");
        }
    }

    #[test]
    fn lies_are_refused() {
        let base = ValueSchema::parse("a:u32,b:u32").unwrap();
        let reseal = |mut b: Vec<u8>| {
            let f = crate::checksum(&b[8..]);
            b[..8].copy_from_slice(&f.to_le_bytes());
            b
        };
        let cases: &[(usize, &[u8], &str)] = &[
            (8, &[4, 0, 0, 0], "past the value"),  // size 4 < fields
            (12, &[3, 0, 0, 0], "alignment"),      // align 3
            (12, &[128, 0, 0, 0], "alignment"),    // align 128
            (8, &[0, 0, 0x20, 0], "value size"),   // 2 MiB
            (24 + 16, &[0, 0, 0, 0], "overlaps"),  // b at offset 0
            (24 + 16, &[5, 0, 0, 0], "alignment"), // b at offset 5
            (24 + 8, &[3, 0, 0, 0], "type code"),  // width 3 for u32
            (24 + 12, &[99], "type code"),         // unknown type
            (24 + 14, &[1], "reserved"),
            (16, &[3, 0, 0, 0], "item_count"),
            (20, &[9, 0, 0, 0], "bytes"),
        ];
        for (at, patch, expect) in cases {
            let mut b = base.encode();
            b[*at..*at + patch.len()].copy_from_slice(patch);
            let err = ValueSchema::decode(&reseal(b), 2, 100)
                .unwrap_err()
                .to_string();
            assert!(err.contains(expect), "patch at {at}: {err}");
        }
        assert!(ValueSchema::decode(&[0; 10], 1, 0).is_err());
    }

    #[test]
    fn textual_errors_name_the_problem() {
        for (text, expect) in [
            ("", "not name:type"),
            ("a", "not name:type"),
            ("a:u128", "unknown type"),
            ("a:str", "needs a width"),
            ("a:str[0]", "count from 1"),
            ("1a:u8", "name"),
            ("a:u8,a:u8", "twice"),
            ("a:u8[2", "expected [N]"),
            ("a:u8[2]x", "unexpected"),
            ("a:bytes[1048576],b:u8", "more than"),
        ] {
            let err = ValueSchema::parse(text).unwrap_err().to_string();
            assert!(err.contains(expect), "{text}: {err}");
        }
    }

    #[test]
    fn check_value_finds_bad_bytes() {
        let s = ValueSchema::parse("a:u8,b:u32,c:bool,d:str[4]").unwrap();
        assert_eq!(s.size(), 16);
        let mut v = vec![0u8; 16];
        v[0] = 7;
        v[8] = 1;
        v[9..12].copy_from_slice(b"hi\0");
        assert_eq!(s.check_value(&v), Ok(()));
        let mut p = v.clone();
        p[1] = 1;
        assert!(s.check_value(&p).unwrap_err().contains("padding"));
        let mut b = v.clone();
        b[8] = 2;
        assert!(b.len() == 16 && s.check_value(&b).unwrap_err().contains("bool"));
        let mut t = v.clone();
        t[11] = b'x';
        t[10] = 0;
        assert!(s.check_value(&t).unwrap_err().contains("after its NUL"));
        let mut u = v.clone();
        u[9] = 0xff;
        assert!(s.check_value(&u).unwrap_err().contains("UTF-8"));
    }
}
