//! SipHash (Aumasson and Bernstein), as SPEC.md §6.3 uses it: the one-shot
//! SipHash-1-3 of a key, and SipHash-2-4 of a stream of 64-bit words.
//!
//! Written here rather than taken from `siphasher` because a lookup's hash
//! is on the critical path of every `get`: the one-shot form reads the key
//! in 8-byte words and its tail with one load, with no buffering between
//! calls, which takes about 13 ns for a 24-byte key against 21 ns through
//! `core::hash::Hasher` on this project's benchmark machine. Fewer
//! instructions also let the CPU run more independent lookups at once (see
//! crates/zidx-bench/results/REPORT.md). Tests compare both forms with the
//! reference implementation in `siphasher` on random inputs.

/// The SipHash state: four 64-bit words.
#[derive(Debug, Clone, Copy)]
struct State([u64; 4]);

impl State {
    #[inline(always)]
    fn new(k0: u64, k1: u64) -> State {
        State([
            k0 ^ 0x736f_6d65_7073_6575,
            k1 ^ 0x646f_7261_6e64_6f6d,
            k0 ^ 0x6c79_6765_6e65_7261,
            k1 ^ 0x7465_6462_7974_6573,
        ])
    }

    #[inline(always)]
    fn round(&mut self) {
        let v = &mut self.0;
        v[0] = v[0].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(13) ^ v[0];
        v[0] = v[0].rotate_left(32);
        v[2] = v[2].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(16) ^ v[2];
        v[0] = v[0].wrapping_add(v[3]);
        v[3] = v[3].rotate_left(21) ^ v[0];
        v[2] = v[2].wrapping_add(v[1]);
        v[1] = v[1].rotate_left(17) ^ v[2];
        v[2] = v[2].rotate_left(32);
    }

    #[inline(always)]
    fn compress<const C: usize>(&mut self, m: u64) {
        self.0[3] ^= m;
        for _ in 0..C {
            self.round();
        }
        self.0[0] ^= m;
    }

    #[inline(always)]
    fn finish<const D: usize>(mut self) -> u64 {
        self.0[2] ^= 0xff;
        for _ in 0..D {
            self.round();
        }
        self.0[0] ^ self.0[1] ^ self.0[2] ^ self.0[3]
    }
}

/// The little-endian u64 of an 8-byte chunk.
#[inline(always)]
fn word(chunk: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(chunk);
    u64::from_le_bytes(b)
}

/// SipHash-1-3 of `data` with the key `(k0, k1)`: 64-bit output, no length
/// prefix (the reference `siphash` with `cROUNDS = 1, dROUNDS = 3`).
#[inline]
pub(crate) fn siphash13(k0: u64, k1: u64, data: &[u8]) -> u64 {
    let mut state = State::new(k0, k1);
    let mut chunks = data.chunks_exact(8);
    for chunk in &mut chunks {
        state.compress::<1>(word(chunk));
    }
    let rest = chunks.remainder();
    let len = data.len();
    let tail = match rest.len() {
        0 => 0,
        // The last 8 bytes in one load, shifted down to the `rest` bytes.
        n if len >= 8 => word(&data[len - 8..]) >> (8 * (8 - n)),
        _ => rest
            .iter()
            .rev()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)),
    };
    // The final word carries the length modulo 256 in its top byte.
    state.compress::<1>(((len as u64) << 56) | tail);
    state.finish::<3>()
}

/// SipHash-2-4 over a stream of little-endian 64-bit words, which is all
/// the seed derivation feeds it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SipHash24Words {
    state: State,
    words: u64,
}

impl SipHash24Words {
    pub(crate) fn new(k0: u64, k1: u64) -> SipHash24Words {
        SipHash24Words {
            state: State::new(k0, k1),
            words: 0,
        }
    }

    #[inline]
    pub(crate) fn write_u64(&mut self, word: u64) {
        self.state.compress::<2>(word);
        self.words = self.words.wrapping_add(1);
    }

    /// The hash of the words written so far (8 bytes each, so the final
    /// block holds only the length).
    pub(crate) fn finish(&self) -> u64 {
        let mut state = self.state;
        state.compress::<2>(self.words.wrapping_mul(8) << 56);
        state.finish::<4>()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::hash::Hasher;

    fn reference13(k0: u64, k1: u64, data: &[u8]) -> u64 {
        let mut h = siphasher::sip::SipHasher13::new_with_keys(k0, k1);
        h.write(data);
        h.finish()
    }

    #[test]
    fn siphash13_matches_the_reference_at_every_length() {
        let mut x = 0x0123_4567_89ab_cdefu64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for len in 0..300usize {
            for _ in 0..8 {
                let data: Vec<u8> = (0..len).map(|_| next().to_le_bytes()[0]).collect();
                let (k0, k1) = (next(), next());
                assert_eq!(
                    siphash13(k0, k1, &data),
                    reference13(k0, k1, &data),
                    "len {len}"
                );
            }
        }
    }

    #[test]
    fn siphash13_paper_vector() {
        // The key 00 01 .. 0f and the message 00 01 .. 0e, hashed by the
        // reference implementation.
        let k0 = u64::from_le_bytes([0, 1, 2, 3, 4, 5, 6, 7]);
        let k1 = u64::from_le_bytes([8, 9, 10, 11, 12, 13, 14, 15]);
        let msg: Vec<u8> = (0..15).collect();
        assert_eq!(siphash13(k0, k1, &msg), reference13(k0, k1, &msg));
    }

    #[test]
    fn siphash24_words_match_the_reference() {
        for n in 0..40u64 {
            let mut ours = SipHash24Words::new(n, !n);
            let mut theirs = siphasher::sip::SipHasher24::new_with_keys(n, !n);
            for i in 0..n {
                let w = i.wrapping_mul(0x9E37_79B9_7F4A_7C15);
                ours.write_u64(w);
                theirs.write(&w.to_le_bytes());
            }
            assert_eq!(ours.finish(), theirs.finish());
            // SipHash-2-4's published vector: key 00..0f, empty message.
        }
        let k0 = u64::from_le_bytes([0, 1, 2, 3, 4, 5, 6, 7]);
        let k1 = u64::from_le_bytes([8, 9, 10, 11, 12, 13, 14, 15]);
        assert_eq!(SipHash24Words::new(k0, k1).finish(), 0x726f_db47_dd0e_0e31);
    }
}
