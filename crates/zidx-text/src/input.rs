//! What an input file is, told by its first bytes rather than its name:
//! gzip, xz and zstd streams are decoded transparently (with the default
//! `compression` feature), and a zidx index given where text is expected is
//! refused with the command that reads it.
//!
//! ```
//! use std::io::Read;
//! use zidx_text::input::{decode, Compression};
//!
//! let (mut text, compression) = decode(&b"k\tv\n"[..], "plain.tsv")?;
//! assert_eq!(compression, Compression::None);
//! let mut s = String::new();
//! text.read_to_string(&mut s).unwrap();
//! assert_eq!(s, "k\tv\n");
//!
//! let index = b"\x89ZIDX\r\n\x1a\x01\x00";
//! let err = decode(&index[..], "old.zidx").err().unwrap();
//! assert!(err.to_string().starts_with("old.zidx: this is a zidx index, not text"));
//! # Ok::<(), zidx_text::TextError>(())
//! ```

use std::io::{self, BufRead, Chain, Cursor, Read};

use crate::error::{bad, TextError};

/// The first 8 bytes of every zidx index (SPEC.md §3). This crate depends
/// on no zidx crate, so the bytes are repeated here; a test of `zidx-cli`
/// checks them against `zidx_format::MAGIC`.
pub const ZIDX_MAGIC: [u8; 8] = *b"\x89ZIDX\r\n\x1a";

/// The most memory the xz decoder may use: 256 MiB, well above the 65 MiB
/// that `xz -9` needs, so that a crafted header cannot make it allocate
/// gigabytes. (gzip needs 32 KiB; zstd refuses windows over 128 MiB by
/// default.)
pub const XZ_MEMORY_LIMIT: u64 = 256 << 20;

/// A compression recognised by its magic bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Compression {
    /// Not compressed (or not in a format known here).
    None,
    /// gzip (`1f 8b`); several concatenated members are read as one.
    Gzip,
    /// xz (`fd 37 7a 58 5a 00`); concatenated streams too.
    Xz,
    /// zstd (`28 b5 2f fd`); every frame.
    Zstd,
}

impl Compression {
    /// The compression whose magic bytes start `head`.
    pub fn detect(head: &[u8]) -> Compression {
        if head.starts_with(b"\x1f\x8b") {
            Compression::Gzip
        } else if head.starts_with(b"\xfd7zXZ\x00") {
            Compression::Xz
        } else if head.starts_with(b"\x28\xb5\x2f\xfd") {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    /// Its name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Compression::None => "uncompressed",
            Compression::Gzip => "gzip",
            Compression::Xz => "xz",
            Compression::Zstd => "zstd",
        }
    }
}

/// Bytes read ahead to recognise the input, put back in front of it.
type Peeked<R> = Chain<Cursor<Vec<u8>>, R>;

/// The text of `input`, decompressed if its first bytes are those of a
/// gzip, xz or zstd stream, and which compression that was. `name` names
/// the input in errors.
///
/// Refuses a zidx index (compressed or not) with a [`TextError::NotText`]
/// that gives the command to use instead. Decoding errors (a corrupt or
/// truncated stream) surface later, as read errors naming the line the
/// parser was on.
pub fn decode<'a, R: BufRead + 'a>(
    input: R,
    name: &str,
) -> Result<(Box<dyn BufRead + 'a>, Compression), TextError> {
    let (head, input) = peek(input, ZIDX_MAGIC.len(), name)?;
    refuse_index(&head, name)?;
    let compression = Compression::detect(&head);
    let input = Cursor::new(head).chain(input);
    let text: Box<dyn BufRead + 'a> = match compression {
        Compression::None => return Ok((Box::new(input), compression)),
        _ => decoder(input, compression, name)?,
    };
    // A compressed index is still not text.
    let (head, text) = peek(text, ZIDX_MAGIC.len(), name)?;
    refuse_index(&head, name)?;
    Ok((Box::new(Cursor::new(head).chain(text)), compression))
}

/// Reads up to `n` bytes from the start of `input`.
fn peek<R: BufRead>(mut input: R, n: usize, name: &str) -> Result<(Vec<u8>, R), TextError> {
    let mut head = Vec::with_capacity(n);
    while head.len() < n {
        let buf = match input.fill_buf() {
            Ok(buf) => buf,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(bad(name, 1, format!("read error: {e}"))),
        };
        if buf.is_empty() {
            break;
        }
        let take = buf.len().min(n - head.len());
        head.extend_from_slice(&buf[..take]);
        input.consume(take);
    }
    Ok((head, input))
}

fn refuse_index(head: &[u8], name: &str) -> Result<(), TextError> {
    if head != ZIDX_MAGIC {
        return Ok(());
    }
    let index = if name.starts_with('<') { "INDEX" } else { name };
    Err(TextError::NotText {
        input: name.to_string(),
        problem: format!(
            "this is a zidx index, not text; to rebuild it, use \
             `zidx dump --escaped {index} | zidx build - --format tsv-escaped -o OUT`"
        ),
    })
}

/// Read errors of a decoder, named after the compression: `gzip: corrupt
/// deflate stream` rather than a bare `corrupt deflate stream`.
#[cfg_attr(not(feature = "compression"), allow(dead_code))]
struct Named<R> {
    inner: R,
    what: &'static str,
}

impl<R: Read> Read for Named<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.inner
            .read(buf)
            .map_err(|e| io::Error::new(e.kind(), format!("{} data: {e}", self.what)))
    }
}

#[cfg(feature = "compression")]
fn decoder<'a, R: BufRead + 'a>(
    input: Peeked<R>,
    compression: Compression,
    name: &str,
) -> Result<Box<dyn BufRead + 'a>, TextError> {
    let what = compression.name();
    let inner: Box<dyn Read + 'a> = match compression {
        Compression::None => Box::new(input),
        Compression::Gzip => Box::new(flate2::bufread::MultiGzDecoder::new(input)),
        Compression::Xz => {
            let stream = liblzma::stream::Stream::new_stream_decoder(
                XZ_MEMORY_LIMIT,
                liblzma::stream::CONCATENATED,
            )
            .map_err(|e| bad(name, 1, format!("xz decoder: {e}")))?;
            Box::new(liblzma::bufread::XzDecoder::new_stream(input, stream))
        }
        Compression::Zstd => Box::new(
            zstd::stream::read::Decoder::with_buffer(input)
                .map_err(|e| bad(name, 1, format!("zstd decoder: {e}")))?,
        ),
    };
    Ok(Box::new(io::BufReader::with_capacity(
        1 << 16,
        Named { inner, what },
    )))
}

#[cfg(not(feature = "compression"))]
fn decoder<'a, R: BufRead + 'a>(
    _input: Peeked<R>,
    compression: Compression,
    name: &str,
) -> Result<Box<dyn BufRead + 'a>, TextError> {
    Err(TextError::NotText {
        input: name.to_string(),
        problem: format!(
            "{} data, and this program was built without decompression \
             (zidx-text's `compression` feature); decompress it first",
            compression.name()
        ),
    })
}

#[cfg(all(test, feature = "compression"))]
mod tests {
    use super::*;
    use std::io::Write;

    const TEXT: &[u8] = b"k\tv\nsecond\tline\n";

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn xz(data: &[u8]) -> Vec<u8> {
        let mut e = liblzma::write::XzEncoder::new(Vec::new(), 6);
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    /// With a content checksum, as the zstd command writes by default:
    /// without one, zstd cannot tell damaged data from good.
    fn zstd(data: &[u8]) -> Vec<u8> {
        let mut e = zstd::stream::write::Encoder::new(Vec::new(), 3).unwrap();
        e.include_checksum(true).unwrap();
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn read(bytes: &[u8]) -> Result<(Vec<u8>, Compression), String> {
        let (mut text, compression) = decode(bytes, "t").map_err(|e| e.to_string())?;
        let mut out = Vec::new();
        text.read_to_end(&mut out).map_err(|e| e.to_string())?;
        Ok((out, compression))
    }

    #[test]
    fn each_compression_is_decoded_by_its_magic() {
        assert_eq!(read(TEXT).unwrap(), (TEXT.to_vec(), Compression::None));
        assert_eq!(
            read(&gzip(TEXT)).unwrap(),
            (TEXT.to_vec(), Compression::Gzip)
        );
        assert_eq!(read(&xz(TEXT)).unwrap(), (TEXT.to_vec(), Compression::Xz));
        assert_eq!(
            read(&zstd(TEXT)).unwrap(),
            (TEXT.to_vec(), Compression::Zstd)
        );
        assert_eq!(read(b"").unwrap(), (Vec::new(), Compression::None));
        assert_eq!(
            read(b"\x1f").unwrap(),
            (b"\x1f".to_vec(), Compression::None)
        );
    }

    #[test]
    fn concatenated_streams_are_read_whole() {
        for compress in [gzip, xz, zstd] {
            let two = [compress(b"a\t1\n"), compress(b"b\t2\n")].concat();
            assert_eq!(read(&two).unwrap().0, b"a\t1\nb\t2\n");
        }
    }

    #[test]
    fn truncated_or_corrupt_streams_are_errors() {
        let big: Vec<u8> = (0..20_000u32)
            .flat_map(|i| format!("{i}\tv\n").into_bytes())
            .collect();
        for compress in [gzip, xz, zstd] {
            let whole = compress(&big);
            let cut = &whole[..whole.len() / 2];
            assert!(
                read(cut).is_err(),
                "a cut stream must not read as a short one"
            );
            let mut bad = whole.clone();
            let mid = bad.len() / 2;
            bad[mid] ^= 0xff;
            bad[mid + 1] ^= 0x55;
            assert!(read(&bad).is_err());
        }
        let e = read(&gzip(&big)[..40]).unwrap_err();
        assert!(e.contains("gzip data: "), "{e}");
    }

    #[test]
    fn an_index_is_refused_plain_or_compressed() {
        let index = [&ZIDX_MAGIC[..], &[0u8; 100]].concat();
        for bytes in [index.clone(), gzip(&index), zstd(&index)] {
            let e = read(&bytes).unwrap_err();
            assert!(e.starts_with("t: this is a zidx index, not text"), "{e}");
        }
        let e = decode(&index[..], "<stdin>").err().unwrap().to_string();
        assert!(e.contains("zidx dump --escaped INDEX | zidx build"), "{e}");
    }
}
