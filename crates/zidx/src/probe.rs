//! The probe of SPEC.md §6.4, over the run of slots a key can occupy.

use zidx_format::{fingerprint, Slot, EMPTY_DISPLACEMENT};

/// The offsets of the records a lookup must compare, in probe order: the
/// slots at displacement `d` from the key's home with a matching
/// fingerprint, for d = 0, 1, ..., stopping at an empty slot, at a record
/// closer to its home than `d`, or after the window's last slot.
///
/// `window` holds the slots `home ..= home + max_displacement`: a reader
/// fetches them with one read, and the probe never looks further, so it
/// reads at most 255 slots whatever the file says.
#[derive(Debug)]
pub(crate) struct Probe<W> {
    window: W,
    d: u64,
    fingerprint: u8,
}

impl<W: AsRef<[u8]>> Probe<W> {
    #[inline]
    pub(crate) fn new(window: W, hash: u64) -> Probe<W> {
        Probe {
            window,
            d: 0,
            fingerprint: fingerprint(hash),
        }
    }
}

impl<W: AsRef<[u8]>> Iterator for Probe<W> {
    type Item = u64;

    #[inline]
    fn next(&mut self) -> Option<u64> {
        while let Some(slot) = Slot::read(self.window.as_ref(), self.d) {
            let d = self.d;
            let stored = slot.displacement_byte();
            // An empty slot, or a record closer to its home than we are to
            // ours, means every record with our home has been passed.
            if stored == EMPTY_DISPLACEMENT || u64::from(stored) < d {
                break;
            }
            self.d += 1;
            if u64::from(stored) == d && slot.fingerprint() == self.fingerprint {
                return Some(slot.offset());
            }
        }
        self.d = u64::MAX;
        None
    }
}
