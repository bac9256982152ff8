//! The schema of typed values (SPEC.md §13.1) from both of its sources:
//! the textual form a user types, and a file's `value_schema` section.
//! Neither panics on any input; whatever either accepts re-encodes to
//! itself (text → schema → text → same schema; section bytes → schema →
//! the same bytes), so a schema that was checked is the schema stored.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    zidx_fuzz_schema::exercise(data);
});

#[path = "../src/schema_exercise.rs"]
mod zidx_fuzz_schema;
