// SPDX-License-Identifier: Apache-2.0
//! What a verified wheel says about itself, checked against what pip did
//! with it (product.md "Verify-then-install", guarantees):
//!
//! - [`check_metadata`]: the wheel's own `METADATA` (from the verified bytes)
//!   equals the metadata pip resolved with (the index's PEP 658 file, which
//!   nothing signs). Otherwise `MetadataMismatch`.
//! - [`check_installed`]: every file pip copies verbatim into site-packages
//!   has the bytes of the verified wheel's member. Otherwise `InstalledMismatch`.
//!
//! The wheel is read as pip reads it (Python's `zipfile`): the end-of-central-
//! directory record found from the end, entries in central-directory order,
//! the last entry of a name wins. Every size is bounded; ZIP64 and encrypted
//! members are refused.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};

use miniz_oxide::inflate::stream::{inflate, InflateState};
use miniz_oxide::{DataFormat, MZError, MZFlush, MZStatus};
use serde_json::Value;

use crate::dist::normalize;
use crate::error::{Error, ErrorKind, Result};

/// Members in one wheel (pip's own wheels have ~1 000; the largest on PyPI ~60 000).
const MAX_MEMBERS: usize = 200_000;
/// The central directory: 64 MiB.
const MAX_CENTRAL_DIR: u64 = 64 << 20;
/// `METADATA` / `WHEEL` read into memory: 16 MiB each.
const MAX_SMALL_MEMBER: u64 = 16 << 20;
/// One installed member: 4 GiB (no ZIP64, so no member is larger anyway).
const MAX_MEMBER: u64 = 4 << 30;

const STEP: &str = "install";

fn mismatch(kind: ErrorKind, detail: impl Into<String>) -> Error {
    Error::new(kind, STEP, detail)
}

fn bad_wheel(detail: impl Into<String>) -> Error {
    Error::new(ErrorKind::ArtifactNameInvalid, STEP, detail)
}

fn io_err(path: &Path, e: &std::io::Error) -> Error {
    Error::new(
        ErrorKind::UsageError,
        STEP,
        format!("cannot read {}: {e}", path.display()),
    )
}

fn u16_at(b: &[u8], at: usize) -> u16 {
    match b.get(at..at + 2) {
        Some(&[x, y]) => u16::from_le_bytes([x, y]),
        _ => 0,
    }
}

fn u32_at(b: &[u8], at: usize) -> u32 {
    match b.get(at..at + 4) {
        Some(&[a, c, d, e]) => u32::from_le_bytes([a, c, d, e]),
        _ => 0,
    }
}

/// One member of the archive.
#[derive(Debug, Clone)]
struct Member {
    name: String,
    method: u16,
    compressed: u64,
    size: u64,
    header_offset: u64,
}

/// A wheel's table of contents, read from its central directory.
struct Wheel {
    file: File,
    path: PathBuf,
    len: u64,
    members: Vec<Member>,
}

impl Wheel {
    fn open(path: &Path) -> Result<Self> {
        let mut file = File::open(path).map_err(|e| io_err(path, &e))?;
        let len = file.metadata().map_err(|e| io_err(path, &e))?.len();
        // EOCD: 22 bytes plus a comment of at most 65 535 bytes.
        let tail_len = len.min(22 + 65_535);
        let mut tail = vec![0u8; usize::try_from(tail_len).unwrap_or(0)];
        file.seek(SeekFrom::Start(len - tail_len))
            .and_then(|_| file.read_exact(&mut tail))
            .map_err(|e| io_err(path, &e))?;
        let at = tail
            .windows(4)
            .rposition(|w| w == b"PK\x05\x06")
            .ok_or_else(|| bad_wheel(format!("{} is not a zip file", path.display())))?;
        let eocd = tail.get(at..).unwrap_or_default();
        if eocd.len() < 22 {
            return Err(bad_wheel("truncated end-of-central-directory record"));
        }
        let count = u16_at(eocd, 10);
        let cd_size = u64::from(u32_at(eocd, 12));
        let cd_offset = u64::from(u32_at(eocd, 16));
        if count == 0xFFFF || cd_size == 0xFFFF_FFFF || cd_offset == 0xFFFF_FFFF {
            return Err(bad_wheel("ZIP64 wheels are not supported"));
        }
        let eocd_pos = len - tail_len + u64::try_from(at).unwrap_or(0);
        if cd_size > MAX_CENTRAL_DIR || cd_size > eocd_pos {
            return Err(bad_wheel("central directory too large or out of bounds"));
        }
        // Like zipfile: data prepended to the archive shifts every offset.
        let cd_start = eocd_pos - cd_size;
        let shift = cd_start
            .checked_sub(cd_offset)
            .ok_or_else(|| bad_wheel("central directory offset out of bounds"))?;
        let mut cd = vec![0u8; usize::try_from(cd_size).unwrap_or(0)];
        file.seek(SeekFrom::Start(cd_start))
            .and_then(|_| file.read_exact(&mut cd))
            .map_err(|e| io_err(path, &e))?;
        let mut members = Vec::new();
        let mut pos = 0usize;
        while pos + 46 <= cd.len() {
            let h = cd.get(pos..).unwrap_or_default();
            if u32_at(h, 0) != 0x0201_4b50 {
                return Err(bad_wheel("bad central directory entry"));
            }
            if members.len() == MAX_MEMBERS {
                return Err(Error::new(
                    ErrorKind::InputTooLarge,
                    "0.5",
                    format!("wheel has more than {MAX_MEMBERS} members"),
                ));
            }
            let flags = u16_at(h, 8);
            let method = u16_at(h, 10);
            let compressed = u64::from(u32_at(h, 20));
            let size = u64::from(u32_at(h, 24));
            let name_len = usize::from(u16_at(h, 28));
            let extra_len = usize::from(u16_at(h, 30));
            let comment_len = usize::from(u16_at(h, 32));
            let offset = u64::from(u32_at(h, 42));
            let raw = h
                .get(46..46 + name_len)
                .ok_or_else(|| bad_wheel("truncated central directory entry"))?;
            if flags & 1 != 0 {
                return Err(bad_wheel("encrypted wheel member"));
            }
            if compressed == 0xFFFF_FFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
                return Err(bad_wheel("ZIP64 wheels are not supported"));
            }
            let name = if flags & 0x800 != 0 || raw.is_ascii() {
                String::from_utf8(raw.to_vec())
                    .map_err(|_| bad_wheel("member name is not UTF-8"))?
            } else {
                return Err(bad_wheel("member name is neither ASCII nor flagged UTF-8"));
            };
            members.push(Member {
                name,
                method,
                compressed,
                size,
                header_offset: offset + shift,
            });
            pos += 46 + name_len + extra_len + comment_len;
        }
        Ok(Self {
            file,
            path: path.to_owned(),
            len,
            members,
        })
    }

    /// Stream a member's uncompressed bytes to `sink`, at most `max` bytes.
    fn stream(&mut self, m: &Member, max: u64, sink: &mut dyn FnMut(&[u8])) -> Result<()> {
        if m.size > max {
            return Err(Error::new(
                ErrorKind::InputTooLarge,
                "0.5",
                format!("wheel member {:?} is larger than {max} bytes", m.name),
            ));
        }
        let path = self.path.clone();
        let mut local = [0u8; 30];
        self.file
            .seek(SeekFrom::Start(m.header_offset))
            .and_then(|_| self.file.read_exact(&mut local))
            .map_err(|e| io_err(&path, &e))?;
        if u32_at(&local, 0) != 0x0403_4b50 {
            return Err(bad_wheel(format!("bad local header for {:?}", m.name)));
        }
        let data_at =
            m.header_offset + 30 + u64::from(u16_at(&local, 26)) + u64::from(u16_at(&local, 28));
        if data_at.saturating_add(m.compressed) > self.len {
            return Err(bad_wheel(format!("member {:?} runs past the end", m.name)));
        }
        self.file
            .seek(SeekFrom::Start(data_at))
            .map_err(|e| io_err(&path, &e))?;
        let mut input = (&mut self.file).take(m.compressed);
        let mut buf = vec![0u8; 64 << 10];
        let mut written = 0u64;
        match m.method {
            0 => loop {
                let n = input.read(&mut buf).map_err(|e| io_err(&path, &e))?;
                if n == 0 {
                    break;
                }
                written += n as u64;
                sink(buf.get(..n).unwrap_or_default());
            },
            8 => {
                let mut state = InflateState::new_boxed(DataFormat::Raw);
                let mut out = vec![0u8; 64 << 10];
                let mut pending: Vec<u8> = Vec::new();
                let mut eof = false;
                loop {
                    if !eof {
                        let n = input.read(&mut buf).map_err(|e| io_err(&path, &e))?;
                        eof = n == 0;
                        pending.extend_from_slice(buf.get(..n).unwrap_or_default());
                    }
                    if pending.len() > 1 << 20 {
                        return Err(bad_wheel(format!("member {:?} does not inflate", m.name)));
                    }
                    let flush = if eof { MZFlush::Finish } else { MZFlush::None };
                    let r = inflate(&mut state, &pending, &mut out, flush);
                    pending.drain(..r.bytes_consumed.min(pending.len()));
                    written += r.bytes_written as u64;
                    if written > m.size {
                        break;
                    }
                    sink(out.get(..r.bytes_written).unwrap_or_default());
                    let progress = r.bytes_consumed > 0 || r.bytes_written > 0;
                    match r.status {
                        Ok(MZStatus::StreamEnd) => break,
                        Ok(_) | Err(MZError::Buf) if progress || !eof => {}
                        _ => {
                            return Err(bad_wheel(format!("member {:?} does not inflate", m.name)))
                        }
                    }
                }
            }
            other => {
                return Err(bad_wheel(format!(
                    "member {:?} uses compression method {other}",
                    m.name
                )))
            }
        }
        if written != m.size {
            return Err(bad_wheel(format!(
                "member {:?} holds {written} bytes, its header says {}",
                m.name, m.size
            )));
        }
        Ok(())
    }

    fn read_small(&mut self, m: &Member) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.stream(m, MAX_SMALL_MEMBER, &mut |b| out.extend_from_slice(b))?;
        Ok(out)
    }

    /// The last member of each name, in first-seen order (pip writes them in
    /// order, so a repeated name ends up with its last content).
    fn effective(&self) -> Vec<Member> {
        let mut last: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, m) in self.members.iter().enumerate() {
            last.insert(&m.name, i);
        }
        let mut keep: Vec<usize> = last.into_values().collect();
        keep.sort_unstable();
        keep.into_iter()
            .filter_map(|i| self.members.get(i).cloned())
            .collect()
    }

    /// The one top-level `*.dist-info` directory (pip refuses wheels with several).
    fn dist_info(&self) -> Result<String> {
        let mut dirs: Vec<&str> = self
            .members
            .iter()
            .filter_map(|m| m.name.split('/').next())
            .filter(|d| d.ends_with(".dist-info"))
            .collect();
        dirs.sort_unstable();
        dirs.dedup();
        match dirs.as_slice() {
            [one] => Ok((*one).to_owned()),
            _ => Err(mismatch(
                ErrorKind::MetadataMismatch,
                format!(
                    "the wheel has {} top-level .dist-info directories, not one",
                    dirs.len()
                ),
            )),
        }
    }

    fn member(&self, name: &str) -> Option<Member> {
        self.members.iter().rev().find(|m| m.name == name).cloned()
    }
}

/// Core metadata header fields, as Python's `email` parser (compat32) gives them.
fn parse_headers(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line.starts_with([' ', '\t']) {
            if let Some((_, v)) = out.last_mut() {
                v.push('\n');
                v.push_str(line);
            }
            continue;
        }
        if let Some((k, v)) = line.split_once(':') {
            out.push((k.trim().to_ascii_lowercase(), v.trim_start().to_owned()));
        }
    }
    out
}

/// The fields compared, as `(json key, header name, multiple-use)`.
const FIELDS: &[(&str, &str, bool)] = &[
    ("name", "name", false),
    ("version", "version", false),
    ("requires_dist", "requires-dist", true),
    ("requires_python", "requires-python", false),
    ("provides_extra", "provides-extra", true),
];

fn wheel_field(headers: &[(String, String)], header: &str, multi: bool) -> Vec<String> {
    let mut all = headers
        .iter()
        .filter(|(k, _)| k == header)
        .map(|(_, v)| v.trim().to_owned());
    if multi {
        let mut v: Vec<String> = all.collect();
        v.sort();
        v
    } else {
        all.next().into_iter().collect()
    }
}

fn report_field(doc: &Value, key: &str, multi: bool) -> Result<Vec<String>> {
    let bad = || {
        mismatch(
            ErrorKind::MetadataMismatch,
            format!("pip's resolved metadata has a malformed {key:?}"),
        )
    };
    match doc.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::String(s)) if !multi => Ok(vec![s.trim().to_owned()]),
        Some(Value::Array(items)) if multi => {
            let mut v = items
                .iter()
                .map(|i| i.as_str().map(|s| s.trim().to_owned()).ok_or_else(bad))
                .collect::<Result<Vec<_>>>()?;
            v.sort();
            Ok(v)
        }
        Some(_) => Err(bad()),
    }
}

/// Check that the verified wheel's `METADATA` equals the metadata pip
/// resolved with (`metadata_json`: the `metadata` object of one `pip install
/// --report` item): name (normalised), version, `Requires-Dist`,
/// `Requires-Python` and `Provides-Extra` (multiple-use fields as sets).
///
/// # Errors
/// `MetadataMismatch` naming the first field that differs; `ArtifactNameInvalid`
/// or `InputTooLarge` for an unreadable wheel; `MalformedJson` for the report.
pub fn check_metadata(wheel: &Path, metadata_json: &str) -> Result<()> {
    let doc = crate::json::parse(
        metadata_json.as_bytes(),
        MAX_SMALL_MEMBER as usize,
        "metadata",
    )?;
    let mut w = Wheel::open(wheel)?;
    let info = w.dist_info()?;
    let member = w.member(&format!("{info}/METADATA")).ok_or_else(|| {
        mismatch(
            ErrorKind::MetadataMismatch,
            format!("the wheel has no {info}/METADATA"),
        )
    })?;
    let raw = w.read_small(&member)?;
    let text = String::from_utf8_lossy(&raw);
    let headers = parse_headers(&text);
    for (key, header, multi) in FIELDS {
        let mut ours = wheel_field(&headers, header, *multi);
        let mut theirs = report_field(&doc, key, *multi)?;
        if *key == "name" {
            ours = ours.iter().map(|n| normalize(n)).collect();
            theirs = theirs.iter().map(|n| normalize(n)).collect();
        }
        if ours != theirs {
            return Err(Error::mismatch(
                ErrorKind::MetadataMismatch,
                STEP,
                &format!(
                    "{header} in the verified wheel's METADATA vs the metadata pip resolved with"
                ),
                &ours,
                &theirs,
            ));
        }
    }
    Ok(())
}

/// The `METADATA` of a (verified) wheel, as its bytes.
///
/// # Errors
/// `MetadataMismatch` when the wheel has no single `*.dist-info/METADATA`;
/// `ArtifactNameInvalid` or `InputTooLarge` for an unreadable wheel.
pub fn wheel_metadata(wheel: &Path) -> Result<Vec<u8>> {
    let mut w = Wheel::open(wheel)?;
    let info = w.dist_info()?;
    let member = w.member(&format!("{info}/METADATA")).ok_or_else(|| {
        mismatch(
            ErrorKind::MetadataMismatch,
            format!("the wheel has no {info}/METADATA"),
        )
    })?;
    w.read_small(&member)
}

/// The `Requires-Dist` entries of `metadata` that name a direct URL
/// (`name @ url`, PEP 508), which bypass the index and its provenance.
#[must_use]
pub fn direct_url_requirements(metadata: &[u8]) -> Vec<String> {
    let text = String::from_utf8_lossy(metadata);
    parse_headers(&text)
        .into_iter()
        .filter(|(k, _)| k == "requires-dist")
        .map(|(_, v)| v.trim().to_owned())
        .filter(|v| v.split(';').next().unwrap_or("").contains('@'))
        .collect()
}

/// Where pip puts a member: `Some(relative path under the site directory)`
/// for the files copied verbatim, `None` for the ones it rewrites or moves
/// elsewhere (`RECORD`, `*.data/scripts|headers|data`).
fn installed_name(name: &str, data_dir: &str, info: &str) -> Option<String> {
    if name.ends_with('/') || name == format!("{info}/RECORD") {
        return None;
    }
    match name.strip_prefix(data_dir) {
        Some(rest) => rest
            .strip_prefix("/purelib/")
            .or_else(|| rest.strip_prefix("/platlib/"))
            .map(str::to_owned),
        None => Some(name.to_owned()),
    }
}

/// The installed file under `site`, refusing `..`, absolute paths and any
/// symbolic link on the way (nothing is followed out of site-packages).
fn installed_path(site: &Path, rel: &str) -> std::result::Result<PathBuf, String> {
    let mut path = site.to_owned();
    for c in Path::new(rel).components() {
        match c {
            Component::Normal(part) => {
                path.push(part);
                let meta = std::fs::symlink_metadata(&path).map_err(|e| e.to_string())?;
                if meta.file_type().is_symlink() {
                    return Err(format!("{} is a symbolic link", path.display()));
                }
            }
            _ => return Err("not a plain relative path".to_owned()),
        }
    }
    Ok(path)
}

fn sha256_installed(path: &Path, limit: u64) -> std::result::Result<[u8; 32], String> {
    let file = File::open(path).map_err(|e| e.to_string())?;
    let meta = file.metadata().map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".to_owned());
    }
    if meta.len() > limit {
        return Err(format!(
            "{} bytes, the verified member has {limit}",
            meta.len()
        ));
    }
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    let mut buf = vec![0u8; 64 << 10];
    let mut input = file.take(limit.saturating_add(1));
    loop {
        let n = input.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        ctx.update(buf.get(..n).unwrap_or_default());
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    Ok(out)
}

/// Check every file pip installed verbatim from the verified `wheel` against
/// its member's bytes: under `purelib` when the wheel's `WHEEL` says
/// `Root-Is-Purelib: true`, else under `platlib` (pip's rule). Returns how
/// many files were checked.
///
/// # Errors
/// `InstalledMismatch` for a missing, different, oversized or symlinked
/// installed file; `ArtifactNameInvalid` or `InputTooLarge` for an unreadable wheel.
pub fn check_installed(wheel: &Path, purelib: &Path, platlib: &Path) -> Result<usize> {
    let mut w = Wheel::open(wheel)?;
    let info = w.dist_info()?;
    let data_dir = format!("{}.data", info.trim_end_matches(".dist-info"));
    let wheel_file = w.member(&format!("{info}/WHEEL")).ok_or_else(|| {
        mismatch(
            ErrorKind::InstalledMismatch,
            format!("the wheel has no {info}/WHEEL"),
        )
    })?;
    let wheel_text = String::from_utf8_lossy(&w.read_small(&wheel_file)?).into_owned();
    let purelib_root = parse_headers(&wheel_text)
        .iter()
        .any(|(k, v)| k == "root-is-purelib" && v.trim().eq_ignore_ascii_case("true"));
    let mut checked = 0usize;
    for m in w.effective() {
        let Some(rel) = installed_name(&m.name, &data_dir, &info) else {
            continue;
        };
        let site = if m.name.starts_with(&format!("{data_dir}/purelib/")) {
            purelib
        } else if m.name.starts_with(&format!("{data_dir}/platlib/")) {
            platlib
        } else if purelib_root {
            purelib
        } else {
            platlib
        };
        let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
        w.stream(&m, MAX_MEMBER, &mut |b| ctx.update(b))?;
        let mut want = [0u8; 32];
        want.copy_from_slice(ctx.finish().as_ref());
        let got = installed_path(site, &rel).and_then(|p| sha256_installed(&p, m.size));
        match got {
            Ok(d) if d == want => checked += 1,
            Ok(d) => {
                return Err(Error::mismatch(
                    ErrorKind::InstalledMismatch,
                    STEP,
                    &format!("sha256 of installed {rel}"),
                    &crate::io::hex(&want),
                    &crate::io::hex(&d),
                ))
            }
            Err(why) => {
                return Err(mismatch(
                    ErrorKind::InstalledMismatch,
                    format!("installed {rel:?} differs from the verified wheel: {why}"),
                ))
            }
        }
    }
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_unfold_and_stop_at_the_body() {
        let h = parse_headers("Name: a\nRequires-Dist: b;\n  extra == 'x'\n\nRequires-Dist: c\n");
        assert_eq!(h.len(), 2);
        assert_eq!(
            wheel_field(&h, "requires-dist", true),
            vec!["b;\n  extra == 'x'"]
        );
    }

    #[test]
    fn data_members_map_like_pip() {
        let d = "a-1.data";
        let i = "a-1.dist-info";
        assert_eq!(
            installed_name("a-1.data/purelib/x.py", d, i).as_deref(),
            Some("x.py")
        );
        assert_eq!(installed_name("a-1.data/scripts/x", d, i), None);
        assert_eq!(installed_name("a-1.dist-info/RECORD", d, i), None);
        assert_eq!(installed_name("a/x.py", d, i).as_deref(), Some("a/x.py"));
    }

    #[test]
    fn parent_components_are_refused() {
        let dir = std::env::temp_dir();
        assert!(installed_path(&dir, "../etc/passwd").is_err());
        assert!(installed_path(&dir, "/etc/passwd").is_err());
    }

    fn example() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/abi3info-2024.10.8-py3-none-any.whl")
    }

    #[test]
    fn real_wheel_metadata_matches_itself_and_not_a_lie() {
        let ok = r#"{"name": "ABI3Info", "version": "2024.10.8", "requires_python": ">=3.8",
            "provides_extra": ["dev", "doc", "lint", "test"], "requires_dist": [
            "build ; extra == \"dev\"", "toml ; extra == \"dev\"",
            "abi3info[test,lint,doc] ; extra == \"dev\"", "pdoc >= 13.0.0 ; extra == \"doc\"",
            "bandit ; extra == \"lint\"", "interrogate ; extra == \"lint\"",
            "mypy ; extra == \"lint\"", "ruff ; extra == \"lint\"", "pytest ; extra == \"test\"",
            "pytest-cov ; extra == \"test\"", "pretend ; extra == \"test\"",
            "coverage[toml] ; extra == \"test\""]}"#;
        if let Err(e) = check_metadata(&example(), ok) {
            assert_eq!(e.detail(), "");
        }
        let lie = ok.replace("\"requires_dist\": [", "\"requires_dist\": [\"six\", ");
        let e = check_metadata(&example(), &lie).err().map(|e| e.kind());
        assert_eq!(e, Some(ErrorKind::MetadataMismatch));
    }

    #[test]
    fn a_truncated_wheel_is_refused() {
        let data = std::fs::read(example()).unwrap_or_default();
        let dir =
            std::env::temp_dir().join(format!("slsa-verify-installed-{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let cut = dir.join("abi3info-2024.10.8-py3-none-any.whl");
        let _ = std::fs::write(&cut, data.get(..data.len() / 2).unwrap_or_default());
        let e = check_metadata(&cut, "{}").err().map(|e| e.kind());
        assert_eq!(e, Some(ErrorKind::ArtifactNameInvalid));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
