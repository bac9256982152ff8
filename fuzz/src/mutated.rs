//! The structure-aware target's body (`mutated_index`), shared with
//! `cargo test`, which replays the committed inputs with checksums enforced
//! (crates/zidx/tests/fuzz_regressions.rs includes it).
//!
//! The input is decoded by hand (no `arbitrary`, so that the test crate can
//! use it), every byte optional (missing bytes read as 0):
//!
//! ```text
//! flags       bit 0 ordered, bit 1 record checks, bits 2-3 duplicate policy
//!             (error, first, last, keep), bit 4 small sort buffer (spills),
//!             bit 5 format 1.0, bit 6 truncate, bit 7 bulk records
//! sort        sort buffer 1 + 8 * sort bytes (with bit 4)
//! prefix      length (0xC0 + i: 16 * i, else its value % 8), then the byte
//!             it repeats: every key starts with it
//! bulk, step  (bit 7) more records (0xC0 + i: 8 * i, else the value % 32)
//!             with keys prefix + (i * step)
//! truncate    (bit 6) u16: the length to cut the file to
//! m           byte mutations (m % 9), each: region, offset (u16), xor;
//!             region % 10: 0 anywhere, 1 header and section table, 2 hash
//!             parameters, 3 records, 4 slots, 5 fence blocks, 6 fence top
//!             level, 7 fence trailer, 8 a record's check, 9 a record's
//!             header (parts the file lacks are skipped)
//! q           queries (q % 5), each 9 bytes: mode, start and end key specs
//!             (3 bytes each), front and back counts
//! records     the rest, up to 256 records, each: key length (0xE0 and up:
//!             the key of an earlier record, chosen by the next byte), key
//!             bytes, value length, value bytes; then the bulk records
//! ```
//!
//! The file is built with the chosen options (a build refused for its
//! options must fail: duplicates under the `error` policy, 1.2 features in
//! format 1.0; a spilled build must equal the in-memory one), mutated in a
//! chosen region (anywhere, header and section table, hash parameters,
//! records, slots, fence blocks, fence top level, fence trailer, record
//! checks, record headers), then read by [`exercise`](crate::exercise) and
//! by the chosen queries. An intact file must answer as the model does (the
//! kept records, in stored order). In a file built with record checks,
//! every pair returned from a record whose check matches must be a pair
//! that was inserted; where checksums are enforced (everywhere but fuzzing
//! builds), a returned record's check must match, so any pair returned is
//! an inserted one.

use std::collections::HashSet;
use std::ops::Bound;

use zidx::Index;
use zidx_writer::{FormatVersion, OnDuplicate, Options, WriteError, Writer, DEFAULT_SORT_BUFFER};

use crate::exercise::{self, Answer, Consume, Query};

/// The fuzz input, read a byte at a time; past its end, zeros.
struct Input<'a>(&'a [u8]);

impl<'a> Input<'a> {
    fn byte(&mut self) -> u8 {
        match self.0.split_first() {
            Some((&b, rest)) => {
                self.0 = rest;
                b
            }
            None => 0,
        }
    }

    fn bytes(&mut self, n: usize) -> &'a [u8] {
        let (a, b) = self.0.split_at(n.min(self.0.len()));
        self.0 = b;
        a
    }

    fn u16(&mut self) -> u16 {
        u16::from_le_bytes([self.byte(), self.byte()])
    }
}

/// A key chosen relative to the stored keys.
#[derive(Debug, Clone, Copy)]
struct KeySpec {
    sel: u8,
    idx: u8,
    extra: u8,
}

impl KeySpec {
    fn read(input: &mut Input<'_>) -> KeySpec {
        KeySpec {
            sel: input.byte(),
            idx: input.byte(),
            extra: input.byte(),
        }
    }

    /// The key: a stored one, one just after or before it, a prefix of it,
    /// or bytes of the common prefix.
    fn resolve(self, keys: &[Vec<u8>], prefix: &[u8]) -> Vec<u8> {
        let raw = || {
            let mut k = prefix[..prefix.len().min(usize::from(self.idx))].to_vec();
            k.extend(std::iter::repeat_n(self.extra, usize::from(self.sel >> 4)));
            k
        };
        if keys.is_empty() {
            return raw();
        }
        let mut k = keys[usize::from(self.idx) % keys.len()].clone();
        match self.sel % 8 {
            0 | 6 => {}
            1 => k.push(self.extra),
            2 => k.truncate(k.len().saturating_sub(usize::from(self.extra) % 4 + 1)),
            4 => {
                if let Some(last) = k.last_mut() {
                    *last = last.wrapping_add(1);
                }
            }
            5 => {
                if let Some(last) = k.last_mut() {
                    *last = last.wrapping_sub(1);
                }
            }
            7 => k.clear(),
            _ => return raw(),
        }
        k
    }
}

#[derive(Debug, Clone, Copy)]
struct QuerySpec {
    mode: u8,
    start: KeySpec,
    end: KeySpec,
    front: u8,
    back: u8,
}

fn bound(kind: u8, key: Vec<u8>) -> Bound<Vec<u8>> {
    match kind & 3 {
        0 => Bound::Unbounded,
        2 => Bound::Excluded(key),
        _ => Bound::Included(key),
    }
}

impl QuerySpec {
    fn queries(&self, keys: &[Vec<u8>], prefix: &[u8]) -> Vec<Query> {
        let start = self.start.resolve(keys, prefix);
        let end = self.end.resolve(keys, prefix);
        let consume = Consume {
            front: usize::from(self.front % 24),
            back: usize::from(self.back % 24),
            rev: self.mode & 0x10 != 0,
        };
        let (s, e) = (self.mode, self.mode >> 2);
        match self.mode >> 5 {
            4 => vec![Query::Prefix(start, consume)],
            5 => vec![Query::Rank(start.clone()), Query::GetAll(start)],
            6 => vec![Query::First, Query::Last, Query::Rank(end)],
            // Bounds the wrong way round: an empty range.
            7 => vec![Query::Range(bound(e, end), bound(s, start), consume)],
            _ => vec![Query::Range(bound(s, start), bound(e, end), consume)],
        }
    }
}

/// A decoded input.
#[derive(Debug)]
pub struct Case {
    options: Options,
    small_sort: bool,
    prefix: Vec<u8>,
    records: Vec<(Vec<u8>, Vec<u8>)>,
    queries: Vec<QuerySpec>,
    mutations: Vec<(u8, u16, u8)>,
    truncate: Option<u16>,
}

impl Case {
    pub fn decode(data: &[u8]) -> Case {
        let mut input = Input(data);
        let flags = input.byte();
        let sort = input.byte();
        // Long prefixes (long separators, so few fences per block and
        // several blocks) cost time: only a quarter of the values ask for one.
        let prefix_len = match input.byte() {
            b @ 0xC0.. => usize::from(b - 0xC0) * 16,
            b => usize::from(b % 8),
        };
        let prefix = vec![input.byte(); prefix_len];
        let policy = [
            OnDuplicate::Error,
            OnDuplicate::First,
            OnDuplicate::Last,
            OnDuplicate::Keep,
        ][usize::from((flags >> 2) & 3)];
        let small_sort = flags & 0x10 != 0;
        let mut options = Options::default()
            .with_ordered(flags & 1 != 0)
            .with_record_checksums(flags & 2 != 0)
            .with_on_duplicate(policy);
        if small_sort {
            options = options.with_sort_buffer(1 + usize::from(sort) * 8);
        }
        if flags & 0x20 != 0 {
            options = options.with_format_version(FormatVersion::V1_0);
        }
        let mut records: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        let (bulk, step) = if flags & 0x80 != 0 {
            let bulk = match input.byte() {
                b @ 0xC0.. => usize::from(b - 0xC0) * 8,
                b => usize::from(b % 32),
            };
            (bulk, u16::from(input.byte()) | 1)
        } else {
            (0, 1)
        };
        // Damage and queries first, so that short inputs have them too; the
        // records take the rest of the input.
        let truncate = (flags & 0x40 != 0).then(|| input.u16());
        let mutations = (0..input.byte() % 9)
            .map(|_| (input.byte(), input.u16(), input.byte()))
            .collect();
        let queries = (0..input.byte() % 5)
            .map(|_| QuerySpec {
                mode: input.byte(),
                start: KeySpec::read(&mut input),
                end: KeySpec::read(&mut input),
                front: input.byte(),
                back: input.byte(),
            })
            .collect();
        while !input.0.is_empty() && records.len() < 256 {
            let key_len = input.byte();
            let key = if key_len >= 0xE0 && !records.is_empty() {
                records[usize::from(input.byte()) % records.len()].0.clone()
            } else {
                let mut k = prefix.clone();
                k.extend_from_slice(input.bytes(usize::from(key_len)));
                k
            };
            let value_len = input.byte();
            records.push((key, input.bytes(usize::from(value_len)).to_vec()));
        }
        for i in 0..bulk {
            let mut k = prefix.clone();
            #[allow(clippy::cast_possible_truncation)]
            k.extend_from_slice(&(i as u16).wrapping_mul(step).to_be_bytes());
            #[allow(clippy::cast_possible_truncation)]
            records.push((k, vec![i as u8; i % 7]));
        }
        Case {
            options,
            small_sort,
            prefix,
            records,
            queries,
            mutations,
            truncate,
        }
    }
}

fn build(options: Options, records: &[(Vec<u8>, Vec<u8>)]) -> Result<Vec<u8>, WriteError> {
    let mut w = Writer::memory(options);
    for (k, v) in records {
        w.insert(k, v)?;
    }
    w.finish()
}

/// The records a build keeps, in the order it stores them.
fn kept(records: &[(Vec<u8>, Vec<u8>)], options: &Options) -> Vec<(Vec<u8>, Vec<u8>)> {
    let mut kept: Vec<_> = match options.on_duplicate {
        OnDuplicate::Keep => records.to_vec(),
        OnDuplicate::Last => {
            let mut seen = HashSet::new();
            let mut kept: Vec<_> = records
                .iter()
                .rev()
                .filter(|(k, _)| seen.insert(k))
                .cloned()
                .collect();
            kept.reverse();
            kept
        }
        _ => {
            let mut seen = HashSet::new();
            records
                .iter()
                .filter(|(k, _)| seen.insert(k))
                .cloned()
                .collect()
        }
    };
    if options.is_ordered() {
        // Stable: equal keys keep their insertion order.
        kept.sort_by(|a, b| a.0.cmp(&b.0));
    }
    kept
}

/// Where mutations go: file ranges of the original file's parts.
fn regions(original: &[u8]) -> (Vec<std::ops::Range<usize>>, Vec<usize>, Vec<usize>) {
    let index = Index::from_bytes(original).expect("a fresh build opens");
    let layout = index.layout();
    let at = |offset: u64| usize::try_from(offset).expect("an offset in memory");
    let range = |offset: u64, length: u64| at(offset)..at(offset + length);
    let table = range(
        0,
        layout.section_table_offset() + 64 * layout.sections().len() as u64,
    );
    let params = range(layout.hash_params_offset(), 32);
    let records = range(layout.records().offset, layout.records().length);
    let slots = range(layout.hash_slots().offset, layout.hash_slots().length);
    let (blocks, top, trailer) = match layout.key_fences() {
        Some(f) if f.length >= 32 => {
            let end = at(f.offset + f.length);
            let trailer = end - 32..end;
            let top_offset = u64::from_le_bytes(
                original[trailer.start + 16..trailer.start + 24]
                    .try_into()
                    .expect("8 bytes"),
            );
            let top_start = at(f.offset + top_offset);
            (at(f.offset)..top_start, top_start..trailer.start, trailer)
        }
        _ => (0..0, 0..0, 0..0),
    };
    // Each record's header and, with checks, its check.
    let mut heads = Vec::new();
    let mut checks = Vec::new();
    let mut it = index.iter();
    loop {
        let head = records.start + at(it.position());
        match it.next() {
            Some(Ok((_, v))) => {
                heads.push(head);
                if layout.record_codec().checked() {
                    checks.push(v.as_ptr() as usize - original.as_ptr() as usize + v.len());
                }
            }
            Some(Err(e)) => panic!("a fresh build fails to iterate: {e}"),
            None => break,
        }
    }
    (
        vec![
            0..original.len(),
            table,
            params,
            records,
            slots,
            blocks,
            top,
            trailer,
        ],
        heads,
        checks,
    )
}

/// The canonical `key_fences` section for `records` (in stored order,
/// followed by checks when `checked`), written from SPEC.md §12.2 alone,
/// without the library's builder: runs of 16 records, each with the offset
/// of its first record and its separator; fences packed greedily into
/// blocks of at most 4096 bytes at multiples of 4096; the top level; the
/// trailer.
fn canonical_fences(records: &[(Vec<u8>, Vec<u8>)], checked: bool) -> Vec<u8> {
    const K: usize = 16;
    let mut offsets = Vec::with_capacity(records.len());
    let mut at = 0u64;
    for (k, v) in records {
        offsets.push(at);
        at += (6 + k.len() + v.len() + if checked { 4 } else { 0 }) as u64;
    }
    // (record offset, separator) of each run.
    let fences: Vec<(u64, &[u8])> = (0..records.len().div_ceil(K))
        .map(|run| {
            let f = &records[run * K].0;
            let sep: &[u8] = if run == 0 {
                &[]
            } else {
                let p = &records[run * K - 1].0;
                let c = p.iter().zip(f).take_while(|(a, b)| a == b).count();
                &f[..(c + 1).min(f.len())]
            };
            (offsets[run * K], sep)
        })
        .collect();
    // Greedy packing: (first fence, count) per block.
    let mut blocks: Vec<(usize, usize)> = Vec::new();
    let mut size = 0;
    for (i, (_, sep)) in fences.iter().enumerate() {
        let grown = size + 2 + 10 + sep.len();
        match blocks.last_mut() {
            Some((_, count)) if grown <= 4096 => {
                *count += 1;
                size = grown;
            }
            _ => {
                blocks.push((i, 1));
                size = 2 + 2 + 10 + sep.len();
            }
        }
    }
    let mut section = Vec::new();
    let mut top = Vec::new();
    for (b, &(first, count)) in blocks.iter().enumerate() {
        if b > 0 {
            section.resize(section.len().div_ceil(4096) * 4096, 0);
        }
        let start = section.len();
        top.extend_from_slice(&(start as u64).to_le_bytes());
        top.extend_from_slice(&(first as u64).to_le_bytes());
        let first_sep = fences[first].1;
        top.extend_from_slice(&u16::try_from(first_sep.len()).expect("key").to_le_bytes());
        top.extend_from_slice(first_sep);
        section.extend_from_slice(&u16::try_from(count).expect("count").to_le_bytes());
        let mut entry = 2 + 2 * count;
        for (_, sep) in &fences[first..first + count] {
            section.extend_from_slice(&u16::try_from(entry).expect("offset").to_le_bytes());
            entry += 10 + sep.len();
        }
        for (offset, sep) in &fences[first..first + count] {
            section.extend_from_slice(&offset.to_le_bytes());
            section.extend_from_slice(&u16::try_from(sep.len()).expect("key").to_le_bytes());
            section.extend_from_slice(sep);
        }
    }
    let top_offset = if blocks.is_empty() {
        0
    } else {
        section.len() as u64
    };
    section.extend_from_slice(&top);
    section.extend_from_slice(&16u32.to_le_bytes());
    section.extend_from_slice(&[0; 4]);
    section.extend_from_slice(&(blocks.len() as u64).to_le_bytes());
    section.extend_from_slice(&top_offset.to_le_bytes());
    section.extend_from_slice(&[0; 8]);
    section
}
/// Runs one input. Panics on a reader (or writer) bug.
pub fn run(data: &[u8]) {
    let case = Case::decode(data);
    let mut options = case.options;
    let mut records = case.records;
    let checked = options.record_checksums;
    let keep = options.on_duplicate == OnDuplicate::Keep;
    if options.format_version == FormatVersion::V1_0 && (checked || keep) {
        assert!(
            build(options.clone(), &records).is_err() || records.is_empty(),
            "format 1.0 built a file with format 1.2 features"
        );
        options = options.with_format_version(FormatVersion::V1_2);
    }
    if options.on_duplicate == OnDuplicate::Error {
        let mut seen = HashSet::new();
        let unique: Vec<_> = records
            .iter()
            .filter(|(k, _)| seen.insert(k.clone()))
            .cloned()
            .collect();
        if unique.len() != records.len() {
            assert!(
                build(options.clone(), &records).is_err(),
                "a build with duplicate keys and the error policy succeeded"
            );
            records = unique;
        }
    }
    let original = match build(options.clone(), &records) {
        Ok(bytes) => bytes,
        // Format 1.0's fixed seeds can fail a build (SPEC.md §6.3).
        Err(_) if options.format_version == FormatVersion::V1_0 => return,
        Err(e) => panic!("build failed: {e}"),
    };
    if case.small_sort && options.is_ordered() {
        let unspilled = build(
            options.clone().with_sort_buffer(DEFAULT_SORT_BUFFER),
            &records,
        )
        .expect("the same build without spilling");
        assert!(
            unspilled == original,
            "a spilled sort built a different file"
        );
    }
    let model = kept(&records, &options);
    // Each kept pair, as the XXH3-64 of its record's bytes without the
    // check (whose low half is the check).
    let encoded = |k: &[u8], v: &[u8]| {
        let mut sum = zidx_format::Checksum::new();
        sum.update(&u16::try_from(k.len()).expect("key length").to_le_bytes());
        sum.update(&u32::try_from(v.len()).expect("value length").to_le_bytes());
        sum.update(k);
        sum.update(v);
        sum.finish()
    };
    let pairs: HashSet<u64> = model.iter().map(|(k, v)| encoded(k, v)).collect();
    let mut keys: Vec<Vec<u8>> = model.iter().map(|(k, _)| k.clone()).collect();
    keys.sort();
    keys.dedup();
    let queries: Vec<Query> = case
        .queries
        .iter()
        .flat_map(|q| q.queries(&keys, &case.prefix))
        .collect();

    // Damage.
    let (parts, heads, checks) = regions(&original);
    let mut bytes = original.clone();
    for &(region, offset, xor) in &case.mutations {
        let offset = usize::from(offset);
        let at = match region % 10 {
            8 if !checks.is_empty() => checks[(offset / 4) % checks.len()] + offset % 4,
            9 if !heads.is_empty() => heads[(offset / 6) % heads.len()] + offset % 6,
            r @ 0..=7 if !parts[usize::from(r)].is_empty() => {
                let part = &parts[usize::from(r)];
                part.start + offset % part.len()
            }
            _ => continue,
        };
        bytes[at] ^= xor;
    }
    if let Some(t) = case.truncate {
        bytes.truncate(usize::from(t));
    }

    // In a file built with checks, a pair from a record whose check
    // matches is one that was inserted (exercise checks, where checksums
    // are enforced, that every returned record's check matches).
    let mut observe = |k: &[u8], v: &[u8], record: Option<(&[u8], &[u8])>| {
        if let (true, Some((covered, check))) = (checked, record) {
            let stored = u32::from_le_bytes(check.try_into().expect("4 bytes"));
            let sum = zidx_format::checksum(covered);
            // Compared through a xor, so that the fuzzer's comparison
            // tracing gets no hint for forging a check.
            #[allow(clippy::cast_possible_truncation)]
            if stored ^ (sum as u32) == 0 {
                assert!(
                    pairs.contains(&sum),
                    "a record with a matching check returned a pair never inserted: {k:?} => {v:?}"
                );
            }
        }
    };
    let verified = exercise::exercise_with(&bytes, &mut observe);
    let intact = bytes == original;
    if intact {
        assert_eq!(
            verified.as_ref(),
            Some(&model),
            "an intact index does not verify or holds other records"
        );
    }

    let Ok(index) = Index::from_bytes(&bytes[..]) else {
        assert!(!intact, "an intact index does not open");
        return;
    };
    if intact {
        let layout = index.layout();
        assert_eq!(layout.ordered_keys(), options.is_ordered(), "ordered bit");
        assert_eq!(layout.multi_value(), keep, "multi-value bit");
        assert_eq!(
            layout.record_codec().checked(),
            checked,
            "record checks bit"
        );
        if let Some(f) = layout.key_fences() {
            let start = usize::try_from(f.offset).expect("in memory");
            let end = usize::try_from(f.offset + f.length).expect("in memory");
            assert!(
                bytes[start..end] == canonical_fences(&model, checked),
                "the key_fences section is not the canonical one"
            );
            assert_eq!(
                f.offset % 4096,
                0,
                "the key_fences section is not page-aligned"
            );
            assert_eq!(
                f.item_count,
                model.len().div_ceil(16) as u64,
                "key_fences item_count"
            );
        }
        // get gives a key's first value in stored order.
        let mut first = std::collections::HashMap::new();
        for (k, v) in &model {
            first.entry(k.as_slice()).or_insert(v.as_slice());
        }
        for k in &keys {
            assert_eq!(
                index.get(k).expect("an intact index fails a lookup"),
                first.get(k.as_slice()).copied(),
                "get differs from the model"
            );
        }
    }
    let mut in_place = |layout: &zidx::FileLayout, k: &[u8], v: &[u8]| {
        let record = exercise::check_returned(&bytes, layout, k, v);
        observe(k, v, record);
    };
    let mut observer: Option<exercise::Observer<'_>> = Some(&mut in_place);
    for q in &queries {
        let answer = exercise::run_query(&index, q, &mut observer);
        if !intact {
            continue;
        }
        if options.is_ordered() {
            assert_eq!(
                answer,
                exercise::model_answer(&model, q),
                "{q:?} differs from the model"
            );
        } else {
            match (q, &answer) {
                (Query::GetAll(_), _) => {
                    assert_eq!(
                        answer,
                        exercise::model_answer(&model, q),
                        "{q:?} differs from the model"
                    )
                }
                (_, Answer::Refused(_) | Answer::Pair(Err(_)) | Answer::Rank(Err(_))) => {}
                _ => panic!("{q:?} answered on a file without ordered keys"),
            }
        }
    }
}
