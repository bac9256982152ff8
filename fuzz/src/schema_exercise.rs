//! The `value_schema` fuzz target's body, also replayed by `cargo test`
//! (crates/zidx/tests/fuzz_regressions.rs) on the committed inputs.

use zidx_format::ValueSchema;

/// Feeds `data` to the textual parser (as UTF-8, lossily) and to the
/// section decoder (with the entry count the bytes themselves claim, and
/// with one more), and checks what either accepts.
pub fn exercise(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    if let Ok(schema) = ValueSchema::parse(&text) {
        let again = ValueSchema::parse(&schema.to_string()).expect("a parsed schema's text parses");
        // The textual form loses nothing for a schema laid out from text.
        assert_eq!(again, schema, "text -> schema -> text changed the schema");
        round_trip(&schema);
    }
    let claimed = data.get(16..20).map_or(0, |b| {
        u64::from(u32::from_le_bytes(b.try_into().expect("4 bytes")))
    });
    for count in [claimed, claimed.wrapping_add(1)] {
        if let Ok(schema) = ValueSchema::decode(data, count, 0) {
            assert_eq!(
                schema.encode(),
                data,
                "a decoded schema re-encodes to other bytes"
            );
            round_trip(&schema);
        }
    }
}

/// A valid schema's section decodes to itself, and its value checks never
/// panic on a zero value (which is always valid) or on arbitrary bytes.
fn round_trip(schema: &ValueSchema) {
    let bytes = schema.encode();
    let back = ValueSchema::decode(&bytes, schema.fields().len() as u64, 0)
        .expect("an encoded schema decodes");
    assert_eq!(&back, schema);
    assert_eq!(back.fingerprint(), schema.fingerprint());
    let zero = vec![0u8; schema.size() as usize];
    assert_eq!(schema.check_value(&zero), Ok(()), "a zero value is valid");
    let ones = vec![0xffu8; schema.size() as usize];
    let _ = schema.check_value(&ones);
}
