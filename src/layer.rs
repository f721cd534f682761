// SPDX-License-Identifier: Apache-2.0
//! Lambda layer zips (`pip-verify layer` / `verify-layer`): read the zip
//! safely, check every installed file against the `RECORD` of the wheel it
//! came from, and every `RECORD` against the manifest written when the layer
//! was built, so a zip altered after it was built is caught.
//!
//! Steps (docs/checks.md, section 8): 8.1 the zip is well-formed, bounded and
//! has only safe relative paths; 8.2 each `RECORD` is well-formed; 8.3 every
//! file has the hash and size its `RECORD` names (changed); 8.4 every file a
//! `RECORD` names is there (removed); 8.5 every file is named by a `RECORD`
//! (added); 8.6 the `RECORD`s are the ones the manifest names.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use base64::Engine as _;
use serde_json::{json, Value};

use crate::error::{Error, ErrorKind, Result};
use crate::io;
use crate::json::{self, Obj};
use crate::limits;

/// The manifest's name, at the root of the zip.
pub const MANIFEST: &str = "slsa-verify-manifest.json";
/// Where a Lambda layer's Python packages live.
const ROOT: &str = "python/";

const EOCD_SIG: u32 = 0x0605_4b50;
const CENTRAL_SIG: u32 = 0x0201_4b50;
const LOCAL_SIG: u32 = 0x0403_4b50;
const EOCD_LEN: usize = 22;
const CENTRAL_LEN: usize = 46;
const LOCAL_LEN: usize = 30;

fn too_large(detail: impl Into<String>) -> Error {
    Error::new(ErrorKind::InputTooLarge, "0.5", detail)
}

fn u16_at(data: &[u8], at: usize) -> Result<u16> {
    data.get(at..at.saturating_add(2))
        .and_then(|b| b.try_into().ok())
        .map(u16::from_le_bytes)
        .ok_or_else(|| {
            Error::new(
                ErrorKind::LayerInvalid,
                "8.1",
                format!("zip truncated at byte {at}"),
            )
        })
}

fn u32_at(data: &[u8], at: usize) -> Result<u32> {
    data.get(at..at.saturating_add(4))
        .and_then(|b| b.try_into().ok())
        .map(u32::from_le_bytes)
        .ok_or_else(|| {
            Error::new(
                ErrorKind::LayerInvalid,
                "8.1",
                format!("zip truncated at byte {at}"),
            )
        })
}

fn usize_of(n: u32) -> usize {
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

/// CRC-32 (IEEE), as zip stores it.
fn crc32(data: &[u8]) -> u32 {
    !data.iter().fold(!0u32, |crc, &b| {
        let idx = usize::from((crc as u8) ^ b);
        CRC_TABLE.get(idx).copied().unwrap_or(0) ^ (crc >> 8)
    })
}

/// A zip member name that is a safe relative path (no traversal, no
/// absolute or drive paths, no backslashes or control characters).
fn check_name(raw: &[u8]) -> Result<(String, bool)> {
    let name = std::str::from_utf8(raw).map_err(|_| {
        Error::new(
            ErrorKind::LayerInvalid,
            "8.1",
            format!("zip member name is not UTF-8: {raw:?}"),
        )
    })?;
    let unsafe_name = || {
        Error::new(
            ErrorKind::LayerInvalid,
            "8.1",
            format!("unsafe zip member name {name:?}"),
        )
    };
    if name.is_empty()
        || name.starts_with('/')
        || name.contains('\\')
        || name.contains(':')
        || name.chars().any(char::is_control)
    {
        return Err(unsafe_name());
    }
    let is_dir = name.ends_with('/');
    let body = name.strip_suffix('/').unwrap_or(name);
    if body
        .split('/')
        .any(|c| c.is_empty() || c == "." || c == "..")
    {
        return Err(unsafe_name());
    }
    Ok((name.to_owned(), is_dir))
}

/// One regular file of the zip, hashed; `RECORD`s and the manifest kept.
struct Member {
    sha256: [u8; 32],
    size: usize,
    kept: Option<Vec<u8>>,
}

fn is_record(name: &str) -> bool {
    record_dist_info(name).is_some()
}

/// `python/X.dist-info/RECORD` → `X.dist-info`.
fn record_dist_info(name: &str) -> Option<&str> {
    let rest = name.strip_prefix(ROOT)?.strip_suffix("/RECORD")?;
    (rest.ends_with(".dist-info") && !rest.contains('/')).then_some(rest)
}

/// Read every member of the zip at `path` (step 8.1).
fn read_zip(path: &Path) -> Result<BTreeMap<String, Member>> {
    let data = io::read_limited(path, limits::LAYER_ZIP, "layer")?;
    let len = data.len();
    if len < EOCD_LEN {
        return Err(Error::new(
            ErrorKind::LayerInvalid,
            "8.1",
            "not a zip file: too short",
        ));
    }
    // The end record is in the last 22 + 65535 bytes; its comment must reach
    // exactly the end of the file.
    let lowest = len.saturating_sub(EOCD_LEN + usize::from(u16::MAX));
    let eocd = (lowest..=len - EOCD_LEN)
        .rev()
        .find(|&at| {
            u32_at(&data, at).ok() == Some(EOCD_SIG)
                && u16_at(&data, at + 20).is_ok_and(|c| at + EOCD_LEN + usize::from(c) == len)
        })
        .ok_or_else(|| {
            Error::new(
                ErrorKind::LayerInvalid,
                "8.1",
                "not a zip file: no end of central directory",
            )
        })?;
    let disk = u16_at(&data, eocd + 4)?;
    let cd_disk = u16_at(&data, eocd + 6)?;
    let here = u16_at(&data, eocd + 8)?;
    let total = u16_at(&data, eocd + 10)?;
    let cd_size = u32_at(&data, eocd + 12)?;
    let cd_offset = u32_at(&data, eocd + 16)?;
    if disk != 0 || cd_disk != 0 || here != total {
        return Err(Error::new(
            ErrorKind::LayerInvalid,
            "8.1",
            "multi-disk zips are not supported",
        ));
    }
    if total == u16::MAX || cd_size == u32::MAX || cd_offset == u32::MAX {
        return Err(Error::new(
            ErrorKind::LayerInvalid,
            "8.1",
            "zip64 archives are not supported",
        ));
    }
    let entries = usize::from(total);
    if entries > limits::LAYER_ENTRIES {
        return Err(too_large(format!(
            "the layer has {entries} entries, over the {} limit",
            limits::LAYER_ENTRIES
        )));
    }
    let cd_end = usize_of(cd_offset).saturating_add(usize_of(cd_size));
    if cd_end > eocd {
        return Err(Error::new(
            ErrorKind::LayerInvalid,
            "8.1",
            "central directory overruns the end record",
        ));
    }
    let mut at = usize_of(cd_offset);
    let mut declared_total = 0usize;
    let mut raw = Vec::with_capacity(entries);
    for _ in 0..entries {
        if at.saturating_add(CENTRAL_LEN) > cd_end || u32_at(&data, at)? != CENTRAL_SIG {
            return Err(Error::new(
                ErrorKind::LayerInvalid,
                "8.1",
                format!("bad central directory entry at byte {at}"),
            ));
        }
        let made_by = u16_at(&data, at + 4)?;
        let flags = u16_at(&data, at + 8)?;
        let method = u16_at(&data, at + 10)?;
        let crc = u32_at(&data, at + 16)?;
        let csize = usize_of(u32_at(&data, at + 20)?);
        let usize_ = usize_of(u32_at(&data, at + 24)?);
        let nlen = usize::from(u16_at(&data, at + 28)?);
        let elen = usize::from(u16_at(&data, at + 30)?);
        let clen = usize::from(u16_at(&data, at + 32)?);
        let external = u32_at(&data, at + 38)?;
        let local = usize_of(u32_at(&data, at + 42)?);
        let name_raw = data
            .get(at + CENTRAL_LEN..at + CENTRAL_LEN + nlen)
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::LayerInvalid,
                    "8.1",
                    "central directory name truncated",
                )
            })?;
        let (name, is_dir) = check_name(name_raw)?;
        if flags & 1 != 0 {
            return Err(Error::new(
                ErrorKind::LayerInvalid,
                "8.1",
                format!("{name:?} is encrypted"),
            ));
        }
        if method != 0 && method != 8 {
            return Err(Error::new(
                ErrorKind::LayerInvalid,
                "8.1",
                format!(
                    "{name:?} uses compression method {method}; only stored and deflate are read"
                ),
            ));
        }
        // Unix file type (made by Unix): regular files and directories only.
        if made_by >> 8 == 3 {
            let kind = (external >> 16) & 0o170_000;
            if kind != 0 && kind != 0o100_000 && kind != 0o040_000 {
                return Err(Error::new(
                    ErrorKind::LayerInvalid,
                    "8.1",
                    format!("{name:?} is not a regular file or directory (a symlink?)"),
                ));
            }
        }
        declared_total = declared_total.saturating_add(usize_);
        if declared_total > limits::LAYER_UNZIPPED {
            return Err(too_large(format!(
                "the layer unzips to more than the {}-byte limit",
                limits::LAYER_UNZIPPED
            )));
        }
        raw.push((name, is_dir, method, crc, csize, usize_, local));
        at = at + CENTRAL_LEN + nlen + elen + clen;
    }
    if at != cd_end {
        return Err(Error::new(
            ErrorKind::LayerInvalid,
            "8.1",
            "central directory size does not match its entries",
        ));
    }
    let mut members = BTreeMap::new();
    let mut names = BTreeSet::new();
    for (name, is_dir, method, crc, csize, size, local) in raw {
        if !names.insert(name.clone()) {
            return Err(Error::new(
                ErrorKind::LayerInvalid,
                "8.1",
                format!("{name:?} appears twice in the zip"),
            ));
        }
        if local.saturating_add(LOCAL_LEN) > usize_of(cd_offset)
            || u32_at(&data, local)? != LOCAL_SIG
        {
            return Err(Error::new(
                ErrorKind::LayerInvalid,
                "8.1",
                format!("bad local header for {name:?}"),
            ));
        }
        let nlen = usize::from(u16_at(&data, local + 26)?);
        let elen = usize::from(u16_at(&data, local + 28)?);
        if data.get(local + LOCAL_LEN..local + LOCAL_LEN + nlen) != Some(name.as_bytes()) {
            return Err(Error::new(
                ErrorKind::LayerInvalid,
                "8.1",
                format!("local header name differs from the central directory for {name:?}"),
            ));
        }
        let start = local + LOCAL_LEN + nlen + elen;
        let body = data
            .get(start..start.saturating_add(csize))
            .filter(|_| start.saturating_add(csize) <= usize_of(cd_offset))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::LayerInvalid,
                    "8.1",
                    format!("{name:?} data overruns the archive"),
                )
            })?;
        if is_dir {
            if size != 0 {
                return Err(Error::new(
                    ErrorKind::LayerInvalid,
                    "8.1",
                    format!("directory {name:?} has content"),
                ));
            }
            continue;
        }
        let content = if method == 0 {
            body.to_vec()
        } else {
            miniz_oxide::inflate::decompress_to_vec_with_limit(body, size).map_err(|_| {
                Error::new(
                    ErrorKind::LayerInvalid,
                    "8.1",
                    format!("{name:?} does not inflate to its declared size"),
                )
            })?
        };
        if content.len() != size || crc32(&content) != crc {
            return Err(Error::new(
                ErrorKind::LayerInvalid,
                "8.1",
                format!("{name:?}: size or CRC-32 differs from the zip directory"),
            ));
        }
        let digest = ring::digest::digest(&ring::digest::SHA256, &content);
        let mut sha256 = [0u8; 32];
        sha256.copy_from_slice(digest.as_ref());
        let keep = is_record(&name) || name == MANIFEST;
        if keep && size > limits::DOC {
            return Err(too_large(format!(
                "{name:?} is over the {}-byte limit",
                limits::DOC
            )));
        }
        members.insert(
            name,
            Member {
                sha256,
                size,
                kept: keep.then_some(content),
            },
        );
    }
    Ok(members)
}

/// One `RECORD` row naming a file inside the layer.
struct Row {
    path: String,
    sha256: Option<[u8; 32]>,
    size: Option<usize>,
}

/// Split one CSV line (RFC 4180 quoting, as Python's csv module writes it).
fn csv_fields(line: &str) -> Option<Vec<String>> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    chars.next();
                    cur.push('"');
                } else {
                    quoted = false;
                }
            } else {
                cur.push(c);
            }
        } else if c == '"' && at_start {
            quoted = true;
            at_start = false;
        } else if c == ',' {
            fields.push(std::mem::take(&mut cur));
            at_start = true;
        } else if c == '"' {
            return None;
        } else {
            cur.push(c);
            at_start = false;
        }
    }
    if quoted {
        return None;
    }
    fields.push(cur);
    Some(fields)
}

/// `path` relative to `python/`, lexically resolved; `None` when it leaves
/// `python/` (console scripts and data files, which a layer does not carry).
fn resolve(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for c in path.split('/') {
        match c {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            _ => parts.push(c),
        }
    }
    (!parts.is_empty()).then(|| format!("{ROOT}{}", parts.join("/")))
}

/// Parse the `RECORD` at `record` (step 8.2).
fn parse_record(record: &str, data: &[u8]) -> Result<Vec<Row>> {
    let bad = |detail: String| {
        Error::new(
            ErrorKind::LayerInvalid,
            "8.2",
            format!("{record}: {detail}"),
        )
    };
    let text = std::str::from_utf8(data).map_err(|_| bad("not UTF-8".into()))?;
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.is_empty() {
            continue;
        }
        let fields = csv_fields(line).ok_or_else(|| bad(format!("line {}: bad CSV", n + 1)))?;
        let [path, hash, size] = fields.as_slice() else {
            return Err(bad(format!("line {}: expected 3 fields", n + 1)));
        };
        if path.contains('\\') || path.starts_with('/') {
            return Err(bad(format!("line {}: unsafe path {path:?}", n + 1)));
        }
        let Some(resolved) = resolve(path) else {
            continue;
        };
        let sha256 = if hash.is_empty() {
            None
        } else {
            let b64 = hash
                .strip_prefix("sha256=")
                .ok_or_else(|| bad(format!("line {}: {hash:?} is not a sha256 hash", n + 1)))?;
            let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(b64)
                .ok()
                .and_then(|v| <[u8; 32]>::try_from(v).ok())
                .ok_or_else(|| bad(format!("line {}: malformed sha256 {b64:?}", n + 1)))?;
            Some(raw)
        };
        let size = if size.is_empty() {
            None
        } else {
            Some(
                size.parse::<usize>()
                    .map_err(|_| bad(format!("line {}: malformed size {size:?}", n + 1)))?,
            )
        };
        if sha256.is_none() && resolved != record {
            return Err(bad(format!("line {}: {path:?} has no hash", n + 1)));
        }
        rows.push(Row {
            path: resolved,
            sha256,
            size,
        });
    }
    Ok(rows)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Check the manifest's wheels against the `RECORD`s found (step 8.6).
fn check_manifest(data: &[u8], records: &BTreeMap<String, String>) -> Result<Value> {
    let doc = json::parse(data, limits::DOC, MANIFEST)?;
    let top = Obj::new(&doc, ErrorKind::LayerInvalid, "8.6", MANIFEST)?;
    let mut named = BTreeMap::new();
    for (i, w) in top.arr("wheels", limits::LAYER_ENTRIES)?.iter().enumerate() {
        let w = Obj::new(
            w,
            ErrorKind::LayerInvalid,
            "8.6",
            &format!("{MANIFEST} wheels[{i}]"),
        )?;
        let dist_info = w.str("dist_info")?.to_owned();
        let sha = w.str("record_sha256")?.to_owned();
        if named.insert(dist_info.clone(), sha).is_some() {
            return Err(Error::new(
                ErrorKind::LayerInvalid,
                "8.6",
                format!("{MANIFEST} names {dist_info} twice"),
            ));
        }
    }
    for (dist_info, sha) in records {
        match named.get(dist_info) {
            None => {
                return Err(Error::new(
                    ErrorKind::LayerMismatch,
                    "8.6",
                    format!("added: python/{dist_info}/RECORD is not in the manifest"),
                ))
            }
            Some(expected) if expected != sha => {
                return Err(Error::mismatch(
                    ErrorKind::LayerMismatch,
                    "8.6",
                    &format!("changed: sha256 of python/{dist_info}/RECORD"),
                    expected,
                    sha,
                ))
            }
            Some(_) => {}
        }
    }
    if let Some(gone) = named.keys().find(|k| !records.contains_key(*k)) {
        return Err(Error::new(
            ErrorKind::LayerMismatch,
            "8.6",
            format!("removed: the manifest names python/{gone}/RECORD, which is not in the zip"),
        ));
    }
    Ok(doc)
}

/// Check the layer zip at `path`; the report as JSON.
///
/// With `require_manifest`, the zip must hold [`MANIFEST`] and it must name
/// exactly its `RECORD`s; with `expected_manifest`, the manifest inside must
/// be byte-identical to it (the copy kept beside the zip).
///
/// # Errors
/// `LayerInvalid` for a malformed zip or `RECORD`, `InputTooLarge` over a
/// limit, `LayerMismatch` for a file changed, removed or added.
pub fn check_layer(
    path: &Path,
    require_manifest: bool,
    expected_manifest: Option<&[u8]>,
) -> Result<Value> {
    let members = read_zip(path)?;
    // Step 8.2-8.4: every row names a file with its hash and size.
    let mut covered = BTreeSet::new();
    let mut records = BTreeMap::new();
    for (name, m) in &members {
        let Some(dist_info) = record_dist_info(name) else {
            continue;
        };
        records.insert(dist_info.to_owned(), hex(&m.sha256));
        let rows = parse_record(name, m.kept.as_deref().unwrap_or_default())?;
        for row in rows {
            if row.path == *name {
                continue;
            }
            let Some(file) = members.get(&row.path) else {
                return Err(Error::new(
                    ErrorKind::LayerMismatch,
                    "8.4",
                    format!("removed: {} is in {name} but not in the zip", row.path),
                ));
            };
            if row.sha256 != Some(file.sha256) || row.size.is_some_and(|s| s != file.size) {
                return Err(Error::new(
                    ErrorKind::LayerMismatch,
                    "8.3",
                    format!(
                        "changed: {} is not the file {name} names (sha256 {}, {} bytes)",
                        row.path,
                        hex(&file.sha256),
                        file.size
                    ),
                ));
            }
            covered.insert(row.path);
        }
    }
    // Step 8.5: nothing that no RECORD names.
    if let Some(extra) = members
        .keys()
        .find(|n| *n != MANIFEST && !is_record(n) && !covered.contains(*n))
    {
        return Err(Error::new(
            ErrorKind::LayerMismatch,
            "8.5",
            format!("added: {extra} is in the zip but in no wheel's RECORD"),
        ));
    }
    // Step 8.6: the RECORDs are the manifest's.
    let manifest = match members.get(MANIFEST).and_then(|m| m.kept.as_deref()) {
        Some(data) => {
            if let Some(expected) = expected_manifest {
                if expected != data {
                    return Err(Error::new(
                        ErrorKind::LayerMismatch,
                        "8.6",
                        format!(
                            "changed: the {MANIFEST} inside the zip differs from the one given"
                        ),
                    ));
                }
            }
            check_manifest(data, &records)?
        }
        None if require_manifest || expected_manifest.is_some() => {
            return Err(Error::new(
                ErrorKind::LayerMismatch,
                "8.6",
                format!("removed: the zip has no {MANIFEST}"),
            ))
        }
        None => Value::Null,
    };
    let wheels: Vec<Value> = records
        .iter()
        .map(|(d, s)| json!({"dist_info": d, "record_sha256": s}))
        .collect();
    Ok(json!({"files": covered.len(), "records": wheels, "manifest": manifest}))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stored (uncompressed) zip of `entries`; `declared` overrides every
    /// member's uncompressed size in the central directory.
    fn zip(entries: &[(&str, &[u8])], declared: Option<u32>) -> Vec<u8> {
        let mut out = Vec::new();
        let mut central = Vec::new();
        for (name, data) in entries {
            let offset = u32::try_from(out.len()).unwrap_or(0);
            let size = u32::try_from(data.len()).unwrap_or(0);
            let nlen = u16::try_from(name.len()).unwrap_or(0);
            let crc = crc32(data);
            out.extend_from_slice(&LOCAL_SIG.to_le_bytes());
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            for v in [crc, size, size] {
                out.extend_from_slice(&v.to_le_bytes());
            }
            out.extend_from_slice(&nlen.to_le_bytes());
            out.extend_from_slice(&[0, 0]);
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(data);
            central.extend_from_slice(&CENTRAL_SIG.to_le_bytes());
            central.extend_from_slice(&[20, 3, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            for v in [crc, size, declared.unwrap_or(size)] {
                central.extend_from_slice(&v.to_le_bytes());
            }
            central.extend_from_slice(&nlen.to_le_bytes());
            central.extend_from_slice(&[0; 8]);
            central.extend_from_slice(&(0o100_644u32 << 16).to_le_bytes());
            central.extend_from_slice(&offset.to_le_bytes());
            central.extend_from_slice(name.as_bytes());
        }
        let cd_offset = u32::try_from(out.len()).unwrap_or(0);
        let cd_size = u32::try_from(central.len()).unwrap_or(0);
        let count = u16::try_from(entries.len()).unwrap_or(0);
        out.extend_from_slice(&central);
        out.extend_from_slice(&EOCD_SIG.to_le_bytes());
        out.extend_from_slice(&[0; 4]);
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&count.to_le_bytes());
        out.extend_from_slice(&cd_size.to_le_bytes());
        out.extend_from_slice(&cd_offset.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out
    }

    fn check(bytes: &[u8]) -> Result<Value> {
        let dir = std::env::temp_dir().join(format!(
            "slsa-verify-layer-test-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        std::fs::create_dir_all(&dir)
            .map_err(|e| Error::new(ErrorKind::UsageError, "1.1", e.to_string()))?;
        let path = dir.join("layer.zip");
        std::fs::write(&path, bytes)
            .map_err(|e| Error::new(ErrorKind::UsageError, "1.1", e.to_string()))?;
        let result = check_layer(&path, true, None);
        let _ = std::fs::remove_dir_all(&dir);
        result
    }

    fn layer(module: &[u8]) -> Vec<u8> {
        let digest = ring::digest::digest(&ring::digest::SHA256, b"x = 1\n");
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest.as_ref());
        let record =
            format!("a.py,sha256={b64},6\na-1.dist-info/RECORD,,\n../../bin/a,sha256={b64},6\n");
        let record_sha =
            hex(ring::digest::digest(&ring::digest::SHA256, record.as_bytes()).as_ref());
        let manifest = format!(
            r#"{{"wheels":[{{"dist_info":"a-1.dist-info","record_sha256":"{record_sha}"}}]}}"#
        );
        zip(
            &[
                ("python/a-1.dist-info/RECORD", record.as_bytes()),
                ("python/a.py", module),
                (MANIFEST, manifest.as_bytes()),
            ],
            None,
        )
    }

    #[test]
    fn a_layer_checks_and_a_changed_file_is_a_mismatch() {
        let ok = check(&layer(b"x = 1\n"));
        assert_eq!(ok.ok().and_then(|v| v.get("files").cloned()), Some(json!(1)));
        let bad = check(&layer(b"x = 2\n")).err();
        assert_eq!(
            bad.as_ref().map(Error::kind),
            Some(ErrorKind::LayerMismatch)
        );
        assert_eq!(bad.as_ref().map(Error::step), Some("8.3"));
    }

    #[test]
    fn declared_sizes_over_the_limit_are_refused_before_inflating() {
        let huge = u32::try_from(limits::LAYER_UNZIPPED).unwrap_or(u32::MAX - 1) + 1;
        let e = check(&zip(&[("python/a.py", b"x")], Some(huge))).err();
        assert_eq!(e.map(|e| e.kind()), Some(ErrorKind::InputTooLarge));
    }

    #[test]
    fn crc32_matches_the_standard_check_value() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }

    #[test]
    fn unsafe_names_are_refused() {
        for name in [
            "/etc/passwd",
            "python/../x",
            "python\\x",
            "C:/x",
            "a//b",
            "./a",
            "a\n",
        ] {
            let e = check_name(name.as_bytes()).err().map(|e| e.kind());
            assert_eq!(e, Some(ErrorKind::LayerInvalid), "{name}");
        }
        assert!(check_name(b"python/abi3info/__init__.py").is_ok());
    }

    #[test]
    fn record_paths_resolve_inside_python_only() {
        assert_eq!(resolve("a/b.py").as_deref(), Some("python/a/b.py"));
        assert_eq!(resolve("../../bin/x"), None);
        assert_eq!(resolve("a/../b").as_deref(), Some("python/b"));
    }

    #[test]
    fn csv_quoting() {
        assert_eq!(
            csv_fields("\"a,b\",sha256=x,3"),
            Some(vec!["a,b".into(), "sha256=x".into(), "3".into()])
        );
        assert_eq!(csv_fields("\"a,b"), None);
    }
}
