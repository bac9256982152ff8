//! The in-memory lookup path (taken when the storage holds the whole file)
//! gives exactly the answers of the general path (taken for storage that
//! reads on demand), on valid files and on files with corrupted bytes.

use proptest::prelude::*;
use zidx::{Error, Index, Storage};

/// Reads by copying, and does not offer the file as one slice: lookups
/// through it take the general path.
struct OnDemand(Vec<u8>);

impl Storage for OnDemand {
    type Bytes<'a> = Vec<u8>;

    fn file_len(&self) -> u64 {
        self.0.len() as u64
    }

    fn read_at(&self, offset: u64, len: u64) -> Result<Vec<u8>, Error> {
        self.0.as_slice().read_at(offset, len).map(<[u8]>::to_vec)
    }
}

/// What a lookup gave, comparable across the two paths: the value, or the
/// error's message.
fn answer<B: AsRef<[u8]>>(result: Result<Option<B>, Error>) -> Result<Option<Vec<u8>>, String> {
    result
        .map(|v| v.map(|v| v.as_ref().to_vec()))
        .map_err(|e| e.to_string())
}

fn build(records: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let mut w = zidx_writer::Writer::memory(Default::default());
    for (k, v) in records {
        w.insert(k, v).unwrap();
    }
    w.finish().unwrap()
}

fn records() -> impl Strategy<Value = Vec<(Vec<u8>, Vec<u8>)>> {
    prop::collection::btree_map(
        prop::collection::vec(any::<u8>(), 0..12),
        prop::collection::vec(any::<u8>(), 0..40),
        1..300,
    )
    .prop_map(|m| m.into_iter().collect())
}

/// Looks up every stored key and `absent` through both paths; panics on the
/// first difference.
fn same_answers(file: Vec<u8>, keys: &[Vec<u8>]) -> Result<(), TestCaseError> {
    let resident = Index::from_bytes(file.clone());
    let general = Index::from_storage(OnDemand(file));
    let (resident, general) = match (resident, general) {
        (Ok(r), Ok(g)) => (r, g),
        (Err(r), Err(g)) => {
            prop_assert_eq!(r.to_string(), g.to_string());
            return Ok(());
        }
        (r, g) => {
            return Err(TestCaseError::fail(format!(
                "open differs: {:?} / {:?}",
                r.err(),
                g.err()
            )))
        }
    };
    for key in keys {
        prop_assert_eq!(
            answer(resident.get(key)),
            answer(general.get(key)),
            "key {:?}",
            key
        );
    }
    Ok(())
}

proptest! {
    #[test]
    fn valid_files(records in records(), absent in prop::collection::vec(prop::collection::vec(any::<u8>(), 0..12), 0..50)) {
        let file = build(&records);
        let keys: Vec<Vec<u8>> = records.iter().map(|(k, _)| k.clone()).chain(absent).collect();
        same_answers(file, &keys)?;
    }

    /// Bytes overwritten anywhere after the header and section table (which
    /// open checks): in records, key lengths, value lengths and slots.
    #[test]
    fn corrupted_files(records in records(), flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8)) {
        let mut file = build(&records);
        for (at, byte) in flips {
            let start = 352;
            if file.len() > start {
                let i = start + at.index(file.len() - start);
                file[i] = byte;
            }
        }
        let keys: Vec<Vec<u8>> = records.iter().map(|(k, _)| k.clone()).collect();
        same_answers(file, &keys)?;
    }
}
