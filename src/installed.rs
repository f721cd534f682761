// SPDX-License-Identifier: Apache-2.0
//! What a verified wheel says about itself, checked against what pip did
//! with it (docs/install.md, the guarantees):
//!
//! - [`check_metadata`]: the wheel's own `METADATA` (from the verified bytes)
//!   equals the metadata pip resolved with (the index's PEP 658 file, which
//!   nothing signs). Otherwise `MetadataMismatch`.
//! - [`check_installed`]: every file pip copies verbatim into site-packages
//!   has the bytes of the verified wheel's member. Otherwise `InstalledMismatch`.
//!
//! The wheel is read by [`crate::zip`]: every size bounded, every member's
//! CRC-32 checked; ZIP64, encrypted members, unsafe or repeated names (which
//! pip's `zipfile` would resolve as "the last one wins") are refused.

use std::fs::File;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use crate::dist::normalize;
use crate::error::{Error, ErrorKind, Result};
use crate::zip::{Archive, Entry, Rules};

/// `METADATA` / `WHEEL` read into memory: 16 MiB each.
const MAX_SMALL_MEMBER: u64 = 16 << 20;

const STEP: &str = "install";

/// How a wheel is read: members (pip's own wheels have ~1 000; the largest on
/// PyPI ~60 000; the end record cannot count more than 65 534 without ZIP64),
/// a 64 MiB central directory, a member up to 4 GiB (no ZIP64, so none is
/// larger anyway); a malformed wheel is `ArtifactNameInvalid`.
const RULES: Rules = Rules {
    invalid: ErrorKind::ArtifactNameInvalid,
    step: STEP,
    max_entries: 200_000,
    max_central_dir: 64 << 20,
    max_member: 4 << 30,
    max_total: u64::MAX,
};

fn mismatch(kind: ErrorKind, detail: impl Into<String>) -> Error {
    Error::new(kind, STEP, detail)
}

/// A verified wheel, its table of contents checked ([`crate::zip`]).
struct Wheel {
    zip: Archive<File>,
}

impl Wheel {
    fn open(path: &Path) -> Result<Self> {
        let file = File::open(path).map_err(|e| {
            Error::new(
                ErrorKind::UsageError,
                STEP,
                format!("cannot read {}: {e}", path.display()),
            )
        })?;
        let zip = Archive::new(file, &path.display().to_string(), RULES)?;
        Ok(Self { zip })
    }

    fn read_small(&mut self, m: &Entry) -> Result<Vec<u8>> {
        self.zip.read(m, MAX_SMALL_MEMBER)
    }

    /// The one top-level `*.dist-info` directory (pip refuses wheels with several).
    fn dist_info(&self) -> Result<String> {
        let mut dirs: Vec<&str> = self
            .zip
            .entries()
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

    fn member(&self, name: &str) -> Option<Entry> {
        self.zip.find(name)
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
    for m in w.zip.entries().to_vec() {
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
        w.zip.stream(&m, &mut |b| ctx.update(b))?;
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
