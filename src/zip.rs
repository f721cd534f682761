// SPDX-License-Identifier: Apache-2.0
//! The one ZIP reader, for untrusted archives: verified wheels
//! ([`crate::installed`]) and Lambda layer zips ([`crate::layer`]).
//!
//! [`Archive::new`] reads and checks the whole table of contents before any
//! member is read: one end-of-central-directory record whose comment reaches
//! exactly the end of the file, one disk, no ZIP64, the central directory
//! exactly between its offset and the end record, bounded entry count,
//! central-directory size and declared sizes; every member stored or deflated,
//! not encrypted, a regular file or directory, named by a safe relative UTF-8
//! path (no `..`, `.` or empty components, no absolute path, backslash, colon
//! or control character), no name twice; each local header present, naming
//! the same file with the same method, and the members' data not overlapping.
//! [`Archive::stream`] inflates at most the declared size and checks size and
//! CRC-32 at the end; [`Archive::read`] does the same into memory, bounded.
//!
//! Each caller passes its own [`Rules`]: its limits and the error kind and
//! step of a malformed archive. Over a limit is always `InputTooLarge`.

use std::collections::BTreeSet;
use std::io::{Read, Seek, SeekFrom};

use miniz_oxide::inflate::stream::{inflate, InflateState};
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};

use crate::error::{Error, ErrorKind, Result};

pub(crate) const EOCD_SIG: u32 = 0x0605_4b50;
pub(crate) const CENTRAL_SIG: u32 = 0x0201_4b50;
pub(crate) const LOCAL_SIG: u32 = 0x0403_4b50;
const EOCD_LEN: u64 = 22;
const CENTRAL_LEN: usize = 46;
const LOCAL_LEN: usize = 30;
/// Read and inflate in pieces of this size.
const CHUNK: usize = 64 << 10;

/// General-purpose flags refused: encrypted (bit 0), strong encryption
/// (bit 6), masked local headers (bit 13).
const FLAGS_ENCRYPTED: u16 = 1 | 1 << 6 | 1 << 13;
/// General-purpose flag: the name is UTF-8.
const FLAG_UTF8: u16 = 1 << 11;

/// A caller's limits, and how it reports a malformed archive.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// The kind of a malformed archive's error.
    pub invalid: ErrorKind,
    /// The step of a malformed archive's (and an unreadable one's) error.
    pub step: &'static str,
    /// Members (central-directory entries, directories included).
    pub max_entries: usize,
    /// The central directory, in bytes.
    pub max_central_dir: u64,
    /// One member's declared uncompressed size.
    pub max_member: u64,
    /// The sum of all members' declared uncompressed sizes.
    pub max_total: u64,
}

/// One member, as the central directory declares it (its local header checked).
#[derive(Debug, Clone)]
pub struct Entry {
    /// The checked name; a directory's ends with `/`.
    pub name: String,
    /// Uncompressed size.
    pub size: u64,
    method: u16,
    crc: u32,
    compressed: u64,
    /// Where the member's compressed data starts.
    data_at: u64,
}

impl Entry {
    /// Whether the member is a directory (its name ends with `/`; it is empty).
    #[must_use]
    pub fn is_dir(&self) -> bool {
        self.name.ends_with('/')
    }
}

/// An archive whose table of contents passed every check.
pub struct Archive<R> {
    src: R,
    label: String,
    rules: Rules,
    entries: Vec<Entry>,
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    match b.get(at..at.saturating_add(2)) {
        Some(&[x, y]) => u16::from_le_bytes([x, y]),
        _ => 0,
    }
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    match b.get(at..at.saturating_add(4)) {
        Some(&[a, c, d, e]) => u32::from_le_bytes([a, c, d, e]),
        _ => 0,
    }
}

fn to_usize(n: u64) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// The CRC-32 (IEEE) table, computed at compile time.
#[expect(
    clippy::indexing_slicing,
    reason = "const evaluation; i < 256 by the loop"
)]
const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
};

/// Continue a CRC-32 (IEEE): start from `0`, feed the pieces in order.
fn crc32_update(crc: u32, data: &[u8]) -> u32 {
    !data.iter().fold(!crc, |crc, &b| {
        let idx = usize::from((crc as u8) ^ b);
        CRC_TABLE.get(idx).copied().unwrap_or(0) ^ (crc >> 8)
    })
}

/// CRC-32 (IEEE), as zip stores it.
#[must_use]
pub fn crc32(data: &[u8]) -> u32 {
    crc32_update(0, data)
}

fn too_large(detail: impl Into<String>) -> Error {
    Error::new(ErrorKind::InputTooLarge, "0.5", detail)
}

/// A member name that is a safe relative path: UTF-8 (flagged as such when
/// not ASCII, else readers decode it as CP437 and see another name), not
/// empty, no leading `/`, no backslash, colon (drive letters) or control
/// character (NUL included), no empty, `.` or `..` component.
///
/// # Errors
/// `rules.invalid` naming the problem.
pub fn check_name(raw: &[u8], flags: u16, rules: &Rules) -> Result<String> {
    let invalid = |detail: String| Error::new(rules.invalid, rules.step, detail);
    if !raw.is_ascii() && flags & FLAG_UTF8 == 0 {
        return Err(invalid(format!(
            "zip member name {raw:?} is neither ASCII nor flagged UTF-8"
        )));
    }
    let name = std::str::from_utf8(raw)
        .map_err(|_| invalid(format!("zip member name is not UTF-8: {raw:?}")))?;
    let body = name.strip_suffix('/').unwrap_or(name);
    if name.is_empty()
        || name.starts_with('/')
        || name.contains('\\')
        || name.contains(':')
        || name.chars().any(char::is_control)
        || body
            .split('/')
            .any(|c| c.is_empty() || c == "." || c == "..")
    {
        return Err(invalid(format!("unsafe zip member name {name:?}")));
    }
    Ok(name.to_owned())
}

impl<R: Read + Seek> Archive<R> {
    /// Read and check the table of contents of `src` (`label` names it in
    /// errors).
    ///
    /// # Errors
    /// `rules.invalid` for a malformed archive, `InputTooLarge` over a limit,
    /// `UsageError` if `src` cannot be read.
    pub fn new(mut src: R, label: &str, rules: Rules) -> Result<Self> {
        let io = |e: std::io::Error| {
            Error::new(
                ErrorKind::UsageError,
                rules.step,
                format!("cannot read {label}: {e}"),
            )
        };
        let invalid = |detail: String| Error::new(rules.invalid, rules.step, detail);
        let len = src.seek(SeekFrom::End(0)).map_err(io)?;
        if len < EOCD_LEN {
            return Err(invalid(format!("{label} is not a zip file: too short")));
        }
        // The end record is in the last 22 + 65535 bytes; its comment must
        // reach exactly the end of the file.
        let tail_len = len.min(EOCD_LEN + u64::from(u16::MAX));
        let tail_start = len - tail_len;
        let mut tail = vec![0u8; to_usize(tail_len)];
        src.seek(SeekFrom::Start(tail_start))
            .and_then(|_| src.read_exact(&mut tail))
            .map_err(io)?;
        let at = (0..=tail.len().saturating_sub(22))
            .rev()
            .find(|&at| {
                u32_at(&tail, at) == EOCD_SIG
                    && at + 22 + usize::from(u16_at(&tail, at + 20)) == tail.len()
            })
            .ok_or_else(|| {
                invalid(format!(
                    "{label} is not a zip file: no end of central directory"
                ))
            })?;
        let eocd = tail.get(at..).unwrap_or_default();
        let eocd_pos = tail_start + at as u64;
        let (disk, cd_disk) = (u16_at(eocd, 4), u16_at(eocd, 6));
        let (here, total) = (u16_at(eocd, 8), u16_at(eocd, 10));
        let cd_size = u64::from(u32_at(eocd, 12));
        let cd_offset = u64::from(u32_at(eocd, 16));
        if disk != 0 || cd_disk != 0 || here != total {
            return Err(invalid("multi-disk zips are not supported".into()));
        }
        if total == u16::MAX || cd_size == 0xFFFF_FFFF || cd_offset == 0xFFFF_FFFF {
            return Err(invalid("zip64 archives are not supported".into()));
        }
        let count = usize::from(total);
        if count > rules.max_entries {
            return Err(too_large(format!(
                "{label} has {count} members, over the {} limit",
                rules.max_entries
            )));
        }
        if cd_size > rules.max_central_dir {
            return Err(too_large(format!(
                "{label}'s central directory is over the {}-byte limit",
                rules.max_central_dir
            )));
        }
        if cd_offset.checked_add(cd_size) != Some(eocd_pos) {
            return Err(invalid(
                "the central directory does not end at the end record".into(),
            ));
        }
        let mut cd = vec![0u8; to_usize(cd_size)];
        src.seek(SeekFrom::Start(cd_offset))
            .and_then(|_| src.read_exact(&mut cd))
            .map_err(io)?;

        let mut entries: Vec<Entry> = Vec::with_capacity(count);
        let mut names = BTreeSet::new();
        let mut ranges: Vec<(u64, u64)> = Vec::with_capacity(count);
        let mut declared = 0u64;
        let mut pos = 0usize;
        for _ in 0..count {
            let h = cd.get(pos..).unwrap_or_default();
            if h.len() < CENTRAL_LEN || u32_at(h, 0) != CENTRAL_SIG {
                return Err(invalid(format!(
                    "bad central directory entry at byte {}",
                    cd_offset + pos as u64
                )));
            }
            let made_by = u16_at(h, 4);
            let flags = u16_at(h, 8);
            let method = u16_at(h, 10);
            let crc = u32_at(h, 16);
            let compressed = u64::from(u32_at(h, 20));
            let size = u64::from(u32_at(h, 24));
            let nlen = usize::from(u16_at(h, 28));
            let elen = usize::from(u16_at(h, 30));
            let clen = usize::from(u16_at(h, 32));
            let external = u32_at(h, 38);
            let local = u64::from(u32_at(h, 42));
            let raw = h
                .get(CENTRAL_LEN..CENTRAL_LEN + nlen)
                .ok_or_else(|| invalid("central directory name truncated".into()))?;
            let name = check_name(raw, flags, &rules)?;
            if flags & FLAGS_ENCRYPTED != 0 {
                return Err(invalid(format!("{name:?} is encrypted")));
            }
            if compressed == 0xFFFF_FFFF || size == 0xFFFF_FFFF || local == 0xFFFF_FFFF {
                return Err(invalid("zip64 archives are not supported".into()));
            }
            if method != 0 && method != 8 {
                return Err(invalid(format!(
                    "{name:?} uses compression method {method}; only stored and deflate are read"
                )));
            }
            // Unix file type (made by Unix): regular files and directories only.
            if made_by >> 8 == 3 {
                let kind = (external >> 16) & 0o170_000;
                if kind != 0 && kind != 0o100_000 && kind != 0o040_000 {
                    return Err(invalid(format!(
                        "{name:?} is not a regular file or directory (a symlink?)"
                    )));
                }
            }
            if name.ends_with('/') && size != 0 {
                return Err(invalid(format!("directory {name:?} has content")));
            }
            if size > rules.max_member {
                return Err(too_large(format!(
                    "member {name:?} of {label} is larger than {} bytes",
                    rules.max_member
                )));
            }
            declared = declared.saturating_add(size);
            if declared > rules.max_total {
                return Err(too_large(format!(
                    "{label} unzips to more than the {}-byte limit",
                    rules.max_total
                )));
            }
            if method == 0 && compressed != size {
                return Err(invalid(format!(
                    "stored member {name:?} has {compressed} bytes, its size says {size}"
                )));
            }
            if !names.insert(name.clone()) {
                return Err(invalid(format!("{name:?} appears twice in the zip")));
            }
            // The local header: same name, same method, data inside the
            // member area (before the central directory).
            let mut lh = vec![0u8; LOCAL_LEN + nlen];
            let ok = local.saturating_add(lh.len() as u64) <= cd_offset
                && src
                    .seek(SeekFrom::Start(local))
                    .and_then(|_| src.read_exact(&mut lh))
                    .is_ok();
            if !ok || u32_at(&lh, 0) != LOCAL_SIG {
                return Err(invalid(format!("bad local header for {name:?}")));
            }
            if usize::from(u16_at(&lh, 26)) != nlen
                || lh.get(LOCAL_LEN..) != Some(raw)
                || u16_at(&lh, 8) != method
                || u16_at(&lh, 6) & FLAGS_ENCRYPTED != 0
            {
                return Err(invalid(format!(
                    "local header differs from the central directory for {name:?}"
                )));
            }
            let data_at = local + (LOCAL_LEN + nlen) as u64 + u64::from(u16_at(&lh, 28));
            let end = data_at.saturating_add(compressed);
            if end > cd_offset {
                return Err(invalid(format!("{name:?} data overruns the archive")));
            }
            ranges.push((local, end));
            entries.push(Entry {
                name,
                size,
                method,
                crc,
                compressed,
                data_at,
            });
            pos += CENTRAL_LEN + nlen + elen + clen;
        }
        if pos != cd.len() {
            return Err(invalid(
                "central directory size does not match its entries".into(),
            ));
        }
        // No two members share bytes (overlapping members are a zip bomb).
        ranges.sort_unstable();
        if ranges.windows(2).any(|w| match w {
            [a, b] => b.0 < a.1,
            _ => false,
        }) {
            return Err(invalid(format!("{label} has overlapping members")));
        }
        Ok(Self {
            src,
            label: label.to_owned(),
            rules,
            entries,
        })
    }

    /// Every member, in central-directory order.
    #[must_use]
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The member named `name`.
    #[must_use]
    pub fn find(&self, name: &str) -> Option<Entry> {
        self.entries.iter().find(|e| e.name == name).cloned()
    }

    /// Feed `entry`'s uncompressed bytes to `sink`, never more than its
    /// declared size; then check that size and the CRC-32.
    ///
    /// # Errors
    /// `rules.invalid` for data that does not inflate, inflates to another
    /// size or has another CRC-32; `UsageError` if the archive cannot be read.
    pub fn stream(&mut self, entry: &Entry, sink: &mut dyn FnMut(&[u8])) -> Result<()> {
        let (rules, label) = (self.rules, &self.label);
        let invalid = |detail: String| Error::new(rules.invalid, rules.step, detail);
        let io = |e: std::io::Error| {
            Error::new(
                ErrorKind::UsageError,
                rules.step,
                format!("cannot read {label}: {e}"),
            )
        };
        let name = &entry.name;
        self.src.seek(SeekFrom::Start(entry.data_at)).map_err(io)?;
        let mut input = (&mut self.src).take(entry.compressed);
        let mut crc = 0u32;
        let mut written = 0u64;
        let mut inbuf = vec![0u8; CHUNK];
        let mut feed = |piece: &[u8]| -> Result<()> {
            let n = piece.len() as u64;
            if written.saturating_add(n) > entry.size {
                return Err(invalid(format!(
                    "{name:?} inflates past its declared size of {} bytes",
                    entry.size
                )));
            }
            written += n;
            crc = crc32_update(crc, piece);
            sink(piece);
            Ok(())
        };
        if entry.method == 0 {
            loop {
                let n = input.read(&mut inbuf).map_err(io)?;
                if n == 0 {
                    break;
                }
                feed(inbuf.get(..n).unwrap_or_default())?;
            }
        } else {
            let mut state = InflateState::new_boxed(DataFormat::Raw);
            let mut out = vec![0u8; CHUNK];
            let (mut start, mut end) = (0usize, 0usize);
            loop {
                let mut eof = false;
                if start == end {
                    end = input.read(&mut inbuf).map_err(io)?;
                    start = 0;
                    eof = end == 0;
                }
                let pending = inbuf.get(start..end).unwrap_or_default();
                // Never MZFlush::Finish: on a first call it demands the whole
                // output fit in `out`.
                let r = inflate(&mut state, pending, &mut out, MZFlush::None);
                start = (start + r.bytes_consumed).min(end);
                feed(out.get(..r.bytes_written).unwrap_or_default())?;
                match r.status {
                    Ok(MZStatus::StreamEnd) => break,
                    Ok(_) | Err(MZError::Buf)
                        if r.bytes_consumed > 0 || r.bytes_written > 0 || !eof => {}
                    _ => return Err(invalid(format!("{name:?} does not inflate"))),
                }
            }
        }
        if written != entry.size || crc != entry.crc {
            return Err(invalid(format!(
                "{name:?}: {written} bytes with CRC-32 {crc:08x}, the zip directory says {} \
                 bytes with {:08x}",
                entry.size, entry.crc
            )));
        }
        Ok(())
    }

    /// `entry`'s bytes in memory, checked as [`Archive::stream`] does.
    ///
    /// # Errors
    /// `InputTooLarge` when its declared size is over `max`; else as
    /// [`Archive::stream`].
    pub fn read(&mut self, entry: &Entry, max: u64) -> Result<Vec<u8>> {
        if entry.size > max {
            return Err(too_large(format!(
                "member {:?} of {} is over the {max}-byte limit",
                entry.name, self.label
            )));
        }
        let mut out = Vec::with_capacity(to_usize(entry.size));
        self.stream(entry, &mut |b| out.extend_from_slice(b))?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    const RULES: Rules = Rules {
        invalid: ErrorKind::LayerInvalid,
        step: "8.1",
        max_entries: 100,
        max_central_dir: 1 << 20,
        max_member: 1 << 20,
        max_total: 4 << 20,
    };
    const WHEEL: Rules = Rules {
        invalid: ErrorKind::ArtifactNameInvalid,
        step: "install",
        ..RULES
    };

    /// One member to write: name, content, deflate it, and lies to tell.
    #[derive(Default, Clone, Copy)]
    struct M<'a> {
        name: &'a str,
        data: &'a [u8],
        deflate: bool,
        size: Option<u32>,
        crc: Option<u32>,
        mode: Option<u32>,
        local_name: Option<&'a str>,
    }

    fn m<'a>(name: &'a str, data: &'a [u8]) -> M<'a> {
        M {
            name,
            data,
            ..M::default()
        }
    }

    fn u32_of(n: usize) -> u32 {
        u32::try_from(n).unwrap_or(u32::MAX)
    }

    fn u16_of(n: usize) -> u16 {
        u16::try_from(n).unwrap_or(u16::MAX)
    }

    /// A zip of `members`; `count` overrides the end record's entry count.
    fn build(members: &[M<'_>], count: Option<u16>) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for e in members {
            let offset = u32_of(out.len());
            let body = if e.deflate {
                miniz_oxide::deflate::compress_to_vec(e.data, 6)
            } else {
                e.data.to_vec()
            };
            let method: u16 = if e.deflate { 8 } else { 0 };
            let crc = e.crc.unwrap_or_else(|| crc32(e.data));
            let size = e.size.unwrap_or_else(|| u32_of(e.data.len()));
            let csize = u32_of(body.len());
            let local_name = e.local_name.unwrap_or(e.name);
            out.extend_from_slice(&LOCAL_SIG.to_le_bytes());
            out.extend_from_slice(&[20, 0, 0, 0]);
            out.extend_from_slice(&method.to_le_bytes());
            out.extend_from_slice(&[0; 4]);
            for v in [crc, csize, size] {
                out.extend_from_slice(&v.to_le_bytes());
            }
            out.extend_from_slice(&u16_of(local_name.len()).to_le_bytes());
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(local_name.as_bytes());
            out.extend_from_slice(&body);
            central.extend_from_slice(&CENTRAL_SIG.to_le_bytes());
            central.extend_from_slice(&[20, 3, 20, 0, 0, 8]);
            central.extend_from_slice(&method.to_le_bytes());
            central.extend_from_slice(&[0; 4]);
            for v in [crc, csize, size] {
                central.extend_from_slice(&v.to_le_bytes());
            }
            central.extend_from_slice(&u16_of(e.name.len()).to_le_bytes());
            central.extend_from_slice(&[0; 8]);
            central.extend_from_slice(&(e.mode.unwrap_or(0o100_644) << 16).to_le_bytes());
            central.extend_from_slice(&offset.to_le_bytes());
            central.extend_from_slice(e.name.as_bytes());
        }
        let cd_offset = u32_of(out.len());
        let cd_size = u32_of(central.len());
        let n = count.unwrap_or_else(|| u16_of(members.len()));
        out.extend_from_slice(&central);
        out.extend_from_slice(&EOCD_SIG.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&n.to_le_bytes());
        out.extend_from_slice(&cd_size.to_le_bytes());
        out.extend_from_slice(&cd_offset.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out
    }

    fn open(bytes: Vec<u8>, rules: Rules) -> Result<Archive<Cursor<Vec<u8>>>> {
        Archive::new(Cursor::new(bytes), "test.zip", rules)
    }

    /// Open, then read every member; the error kind, if any.
    fn kind(bytes: Vec<u8>, rules: Rules) -> Option<ErrorKind> {
        let mut a = match open(bytes, rules) {
            Ok(a) => a,
            Err(e) => return Some(e.kind()),
        };
        for e in a.entries().to_vec() {
            if let Err(e) = a.read(&e, rules.max_member) {
                return Some(e.kind());
            }
        }
        None
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32_update(crc32(b"1234"), b"56789"), 0xCBF4_3926);
    }

    #[test]
    fn a_good_zip_reads_stored_and_deflated_members() {
        let big = vec![b'a'; 300_000];
        let zip = build(
            &[
                m("a/", b""),
                m("a/x.txt", b"hello"),
                M {
                    deflate: true,
                    ..m("a/big", &big)
                },
            ],
            None,
        );
        let a = open(zip, RULES);
        assert_eq!(a.as_ref().err().map(Error::kind), None);
        let Ok(mut a) = a else { return };
        assert_eq!(a.entries().len(), 3);
        assert!(a.entries().first().is_some_and(Entry::is_dir));
        let x = a.find("a/x.txt").map(|e| a.read(&e, 10));
        assert_eq!(x.and_then(Result::ok).as_deref(), Some(&b"hello"[..]));
        let big_entry = a.find("a/big");
        let mut total = 0usize;
        let streamed = big_entry.map(|e| a.stream(&e, &mut |b| total += b.len()));
        assert!(matches!(streamed, Some(Ok(()))));
        assert_eq!(total, big.len());
        // Over the caller's in-memory limit: refused before reading.
        let e = a
            .find("a/big")
            .map(|e| a.read(&e, 1000).err().map(|e| e.kind()));
        assert_eq!(e, Some(Some(ErrorKind::InputTooLarge)));
    }

    #[test]
    fn truncated_central_directory_is_invalid() {
        let zip = build(&[m("a", b"1"), m("b", b"2")], None);
        // The end record kept, the central directory cut short.
        let eocd = zip.len() - 22;
        let mut cut = zip.get(..eocd - 10).unwrap_or_default().to_vec();
        cut.extend_from_slice(zip.get(eocd..).unwrap_or_default());
        assert_eq!(kind(cut, RULES), Some(ErrorKind::LayerInvalid));
        // The end record claims more entries than the directory holds.
        let more = build(&[m("a", b"1"), m("b", b"2")], Some(3));
        assert_eq!(kind(more, WHEEL), Some(ErrorKind::ArtifactNameInvalid));
        // Cut anywhere: never a panic, always the malformed kind.
        for n in [0, 10, zip.len() / 2, zip.len() - 1] {
            let part = zip.get(..n).unwrap_or_default().to_vec();
            assert_eq!(kind(part, RULES), Some(ErrorKind::LayerInvalid), "{n}");
        }
    }

    #[test]
    fn lying_sizes_are_invalid() {
        // Stored, the size says more than the data.
        let z = build(
            &[M {
                size: Some(9),
                ..m("a", b"abc")
            }],
            None,
        );
        assert_eq!(kind(z, RULES), Some(ErrorKind::LayerInvalid));
        // Deflated, declared larger than it inflates to.
        let z = build(
            &[M {
                deflate: true,
                size: Some(9),
                ..m("a", b"abc")
            }],
            None,
        );
        assert_eq!(kind(z, WHEEL), Some(ErrorKind::ArtifactNameInvalid));
    }

    #[test]
    fn a_bad_crc_is_invalid() {
        for deflate in [false, true] {
            let z = build(
                &[M {
                    deflate,
                    crc: Some(1),
                    ..m("a", b"abc")
                }],
                None,
            );
            assert_eq!(kind(z.clone(), RULES), Some(ErrorKind::LayerInvalid));
            assert_eq!(kind(z, WHEEL), Some(ErrorKind::ArtifactNameInvalid));
        }
    }

    #[test]
    fn duplicate_names_are_invalid() {
        let z = build(&[m("a", b"1"), m("a", b"2")], None);
        assert_eq!(kind(z.clone(), RULES), Some(ErrorKind::LayerInvalid));
        assert_eq!(kind(z, WHEEL), Some(ErrorKind::ArtifactNameInvalid));
    }

    #[test]
    fn unsafe_names_are_invalid() {
        for name in [
            "../x",
            "a/../../x",
            "/etc/passwd",
            "a\\b",
            "C:/x",
            "a//b",
            "./a",
            "a\0b",
            "a\nb",
            "",
        ] {
            let z = build(&[m(name, b"1")], None);
            assert_eq!(kind(z, RULES), Some(ErrorKind::LayerInvalid), "{name:?}");
        }
        // Non-ASCII without the UTF-8 flag is another name to other readers.
        assert!(check_name("é".as_bytes(), 0, &RULES).is_err());
        assert!(check_name("é".as_bytes(), FLAG_UTF8, &RULES).is_ok());
        assert!(check_name(b"\xff", FLAG_UTF8, &RULES).is_err());
        let z = build(&[m("a/b.py", b"1")], None);
        assert_eq!(kind(z, RULES), None);
    }

    #[test]
    fn the_local_header_must_agree() {
        let z = build(
            &[M {
                local_name: Some("b"),
                ..m("a", b"1")
            }],
            None,
        );
        assert_eq!(kind(z, RULES), Some(ErrorKind::LayerInvalid));
    }

    #[test]
    fn symlinks_are_invalid() {
        let z = build(
            &[M {
                mode: Some(0o120_777),
                ..m("link", b"/etc/passwd")
            }],
            None,
        );
        assert_eq!(kind(z, WHEEL), Some(ErrorKind::ArtifactNameInvalid));
    }

    #[test]
    fn an_entry_count_over_the_limit_is_too_large() {
        let names: Vec<String> = (0..5).map(|i| format!("f{i}")).collect();
        let members: Vec<M<'_>> = names.iter().map(|n| m(n, b"x")).collect();
        let small = Rules {
            max_entries: 4,
            ..RULES
        };
        assert_eq!(
            kind(build(&members, None), small),
            Some(ErrorKind::InputTooLarge)
        );
        assert_eq!(kind(build(&members, None), RULES), None);
    }

    #[test]
    fn a_huge_declared_size_is_too_large_before_inflating() {
        // One byte of content declaring 4 GiB - 2, and a total over the limit.
        let z = build(
            &[M {
                deflate: true,
                size: Some(u32::MAX - 1),
                ..m("bomb", b"x")
            }],
            None,
        );
        assert_eq!(kind(z, RULES), Some(ErrorKind::InputTooLarge));
        let half = u32_of(600 << 10);
        let z = build(
            &[
                M {
                    deflate: true,
                    size: Some(half),
                    ..m("a", b"x")
                },
                M {
                    deflate: true,
                    size: Some(half),
                    ..m("b", b"x")
                },
            ],
            None,
        );
        let tight = Rules {
            max_total: 1 << 20,
            ..RULES
        };
        assert_eq!(kind(z, tight), Some(ErrorKind::InputTooLarge));
    }

    #[test]
    fn a_member_inflating_past_its_size_is_cut_off_there() {
        let bomb = vec![0u8; 1 << 20];
        let z = build(
            &[M {
                deflate: true,
                size: Some(10),
                ..m("bomb", &bomb)
            }],
            None,
        );
        let a = open(z, WHEEL);
        assert_eq!(a.as_ref().err().map(Error::kind), None);
        let Ok(mut a) = a else { return };
        let mut seen = 0usize;
        let e = a.find("bomb").map(|e| {
            a.stream(&e, &mut |b| seen += b.len())
                .err()
                .map(|e| e.kind())
        });
        assert_eq!(e, Some(Some(ErrorKind::ArtifactNameInvalid)));
        assert!(seen <= 10, "{seen} bytes passed the declared 10");
    }

    #[test]
    fn overlapping_members_are_invalid() {
        // Two central entries pointing at the same local header.
        let mut z = build(&[m("a", b"1"), m("b", b"2")], None);
        let eocd = z.len() - 22;
        let cd = to_usize(u64::from(u32_at(&z, eocd + 16)));
        // Second central entry starts after the first (46 + 1 name byte).
        let second_offset = cd + CENTRAL_LEN + 1 + 42;
        if let Some(b) = z.get_mut(second_offset..second_offset + 4) {
            b.copy_from_slice(&0u32.to_le_bytes());
        }
        assert_eq!(kind(z, RULES), Some(ErrorKind::LayerInvalid));
    }

    #[test]
    fn encryption_and_zip64_are_invalid() {
        let mut z = build(&[m("a", b"1")], None);
        let eocd = z.len() - 22;
        let cd = to_usize(u64::from(u32_at(&z, eocd + 16)));
        if let Some(b) = z.get_mut(cd + 8..cd + 10) {
            b.copy_from_slice(&1u16.to_le_bytes());
        }
        assert_eq!(kind(z, RULES), Some(ErrorKind::LayerInvalid));
        let z = build(&[m("a", b"1")], Some(u16::MAX));
        assert_eq!(kind(z, WHEEL), Some(ErrorKind::ArtifactNameInvalid));
    }
}
