// SPDX-License-Identifier: Apache-2.0
//! `pip-verify serve`, the decisions half: a verifying simple index on
//! 127.0.0.1 in front of upstream indexes. Python routes requests and sends
//! bytes; this module decides which files a page lists, where their URLs
//! point, and whether a file (or its PEP 658 metadata) may be served at all.
//!
//! A file is served only from `<cache>/<sha256>/<filename>`, written there
//! (by a directory rename) only after [`super::fetch_and_verify`] verified
//! it and its metadata passed; a file that failed is remembered and refused
//! again without another fetch.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::Serialize;

use super::{fetch_and_verify, http, index, FileRequest, Http, InstallPolicy, PAGE_LIMIT};
use crate::dist::Dist;
use crate::error::{Error, ErrorKind, Result};
use crate::io::hex;
use crate::trust_root::TrustedRoot;

/// What the server was started with.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The upstream indexes, their policy, `--allow-unattested`.
    pub policy: InstallPolicy,
    /// `--allow-sdist`: list and serve sdists (verified, like wheels).
    pub allow_sdist: bool,
    /// The cache root for this configuration (see [`cache_dir`]).
    pub cache: PathBuf,
}

/// The verifying index's state, shared by all request threads.
pub struct Server {
    http: Http,
    cfg: ServeConfig,
    trust: TrustedRoot,
    /// sha256 → why it failed verification (never served afterwards).
    failed: Mutex<HashMap<String, Error>>,
    /// sha256 → a lock held while one thread fetches and verifies it.
    busy: Mutex<HashMap<String, Arc<Mutex<()>>>>,
}

fn usage(detail: String) -> Error {
    Error::new(ErrorKind::UsageError, "serve", detail)
}

/// The cache directory of one configuration: `<base>/serve/<key>`, the key
/// a digest of the policy, `--allow-unattested`, `--allow-sdist` and the
/// trust root, so a file verified under one policy is never served under
/// another.
#[must_use]
pub fn cache_dir(base: &Path, cfg_key: &str) -> PathBuf {
    let digest = ring::digest::digest(&ring::digest::SHA256, cfg_key.as_bytes());
    base.join("serve")
        .join(hex(digest.as_ref()).get(..32).unwrap_or_default())
}

#[derive(Serialize)]
struct OutFile<'a> {
    filename: &'a str,
    url: String,
    hashes: HashMap<&'static str, &'a str>,
    #[serde(rename = "requires-python", skip_serializing_if = "Option::is_none")]
    requires_python: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    yanked: Option<serde_json::Value>,
    #[serde(rename = "core-metadata", skip_serializing_if = "Option::is_none")]
    core_metadata: Option<serde_json::Value>,
    #[serde(
        rename = "data-dist-info-metadata",
        skip_serializing_if = "Option::is_none"
    )]
    dist_info_metadata: Option<serde_json::Value>,
}

/// `&`, `<`, `>`, `"` and `'` as entities: safe in text and in quoted attributes.
fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A PEP 503 page (with PEP 592 yanked, PEP 658/714 metadata and PEP 629
/// version attributes) from the PEP 691 JSON page [`Server::page`] wrote.
fn html_page(json_page: &str) -> Result<String> {
    use serde_json::Value;
    let doc: Value =
        serde_json::from_str(json_page).map_err(|e| usage(format!("cannot read the page: {e}")))?;
    let null = Value::Null;
    let at = |v: &'_ Value, k: &str| -> Value { v.get(k).cloned().unwrap_or(Value::Null) };
    let text = |v: &Value, k: &str| -> String {
        v.get(k)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let name = html_escape(&text(&doc, "name"));
    let mut out = format!(
        "<!DOCTYPE html>\n<html>\n<head>\n<meta name=\"pypi:repository-version\" content=\"1.1\">\n\
         <title>Links for {name}</title>\n</head>\n<body>\n<h1>Links for {name}</h1>\n"
    );
    let files = doc
        .get("files")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for f in files {
        let sha = text(f.get("hashes").unwrap_or(&null), "sha256");
        let mut attrs = format!(
            "href=\"{}#sha256={}\"",
            html_escape(&text(f, "url")),
            html_escape(&sha)
        );
        if let Some(rp) = f.get("requires-python").and_then(Value::as_str) {
            attrs.push_str(&format!(" data-requires-python=\"{}\"", html_escape(rp)));
        }
        match at(f, "yanked") {
            Value::String(r) => attrs.push_str(&format!(" data-yanked=\"{}\"", html_escape(&r))),
            Value::Bool(true) => attrs.push_str(" data-yanked=\"\""),
            _ => {}
        }
        let meta = match at(f, "core-metadata") {
            Value::Object(h) => h
                .get("sha256")
                .and_then(Value::as_str)
                .map(|h| format!("sha256={}", html_escape(h))),
            Value::Bool(true) => Some("true".to_owned()),
            _ => None,
        };
        if let Some(m) = meta {
            attrs.push_str(&format!(
                " data-dist-info-metadata=\"{m}\" data-core-metadata=\"{m}\""
            ));
        }
        out.push_str(&format!(
            "<a {attrs}>{}</a><br/>\n",
            html_escape(&text(f, "filename"))
        ));
    }
    out.push_str("</body>\n</html>\n");
    Ok(out)
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl Server {
    /// A server for `cfg`.
    #[must_use]
    pub fn new(http: Http, cfg: ServeConfig, trust: TrustedRoot) -> Self {
        Self {
            http,
            cfg,
            trust,
            failed: Mutex::new(HashMap::new()),
            busy: Mutex::new(HashMap::new()),
        }
    }

    fn auth(&self) -> http::Credentials {
        http::Credentials::from_urls(&self.cfg.policy.indexes)
    }

    /// The files of `project` on every upstream (first listing of a file
    /// name wins); `None` when no upstream knows the project.
    fn listing(&self, project: &str) -> Result<Option<Vec<index::PageFile>>> {
        let auth = self.auth();
        let inner = || -> Result<Option<Vec<index::PageFile>>> {
            let mut found = false;
            let mut out: Vec<index::PageFile> = Vec::new();
            for base in &self.cfg.policy.indexes {
                let page = index::project_url(base, project)?;
                let fetched = match self.http.fetch(
                    page.as_str(),
                    index::ACCEPT,
                    PAGE_LIMIT,
                    "project page",
                    &auth,
                ) {
                    Ok(f) => f,
                    Err(http::Miss::NotFound) => continue,
                    Err(http::Miss::Failed(e)) => return Err(e),
                };
                found = true;
                for f in index::parse_page_full(&fetched.body, &fetched.content_type, &fetched.url)?
                {
                    if !out.iter().any(|o| o.file.filename == f.file.filename) {
                        out.push(f);
                    }
                }
            }
            Ok(found.then_some(out))
        };
        inner().map_err(|e| self.http.scrub(e, &auth))
    }

    /// Whether this server lists and serves `filename`: a wheel, or an
    /// sdist with `--allow-sdist`, whose name parses and belongs to `project`.
    fn servable(&self, project: &str, filename: &str) -> Result<Dist> {
        super::check_filename(filename)?;
        let dist = Dist::parse(filename)?;
        let (name, sdist) = match &dist {
            Dist::Wheel { name, .. } => (name, false),
            Dist::Sdist { name, .. } => (name, true),
        };
        if *name != index::normalize(project) {
            return Err(usage(format!(
                "{filename} is not a file of the project {project}"
            )));
        }
        if sdist && !self.cfg.allow_sdist {
            return Err(usage(format!(
                "{filename} is an sdist, whose build code would run; serve lists sdists \
                 only with --allow-sdist"
            )));
        }
        Ok(dist)
    }

    /// The PEP 691 JSON page of `project`, every file URL pointing to
    /// `<base>/files/<project>/<sha256>/<filename>`; upstream hashes,
    /// `requires-python`, yanked status and metadata links kept. Files with
    /// no sha256, with unsafe names, of another project, or sdists without
    /// `--allow-sdist`, are left out. `None` when no upstream has the project.
    ///
    /// # Errors
    /// `NetworkError` for an upstream failure or an unreadable page.
    pub fn page(&self, project: &str, base: &str) -> Result<Option<String>> {
        let name = index::normalize(project);
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Ok(None);
        }
        let Some(files) = self.listing(&name)? else {
            return Ok(None);
        };
        let base = base.trim_end_matches('/');
        let mut out = Vec::with_capacity(files.len());
        for f in &files {
            let Some(sha) = f.file.sha256.as_deref().filter(|s| is_hex64(s)) else {
                continue;
            };
            let filename = f.file.filename.as_str();
            let Ok(dist) = self.servable(&name, filename) else {
                continue;
            };
            let wheel = matches!(dist, Dist::Wheel { .. });
            let meta = f.core_metadata.as_ref().filter(|_| wheel).map(|m| match m {
                Some(h) if is_hex64(h) => serde_json::json!({ "sha256": h }),
                _ => serde_json::Value::Bool(true),
            });
            out.push(OutFile {
                filename,
                url: format!("{base}/files/{name}/{sha}/{filename}"),
                hashes: HashMap::from([("sha256", sha)]),
                requires_python: f.requires_python.as_deref(),
                yanked: f.yanked.as_ref().map(|r| {
                    if r.is_empty() {
                        serde_json::Value::Bool(true)
                    } else {
                        serde_json::Value::String(r.clone())
                    }
                }),
                dist_info_metadata: meta.clone(),
                core_metadata: meta,
            });
        }
        let doc = serde_json::json!({
            "meta": { "api-version": "1.1" },
            "name": name,
            "files": out,
        });
        serde_json::to_string(&doc)
            .map(Some)
            .map_err(|e| usage(format!("cannot write the page: {e}")))
    }

    /// The same page as PEP 503 HTML (`text/html` clients): every value the
    /// upstream chose (requires-python, yanked reasons) HTML-escaped.
    ///
    /// # Errors
    /// As [`Self::page`].
    pub fn page_html(&self, project: &str, base: &str) -> Result<Option<String>> {
        self.page(project, base)?.map(|j| html_page(&j)).transpose()
    }

    /// The verified file `<project>/<sha256>/<filename>`: from the cache, or
    /// fetched from the upstream that lists it with that sha256, verified,
    /// its metadata checked, then moved into the cache. Returns its path.
    ///
    /// # Errors
    /// The verification's kind (remembered: the same file fails again
    /// without a fetch), `NoAttestations`, `UsageError` for a file this
    /// server does not list or a direct-URL dependency, `NetworkError`.
    pub fn file(&self, project: &str, sha256: &str, filename: &str) -> Result<PathBuf> {
        let sha = sha256.to_ascii_lowercase();
        if !is_hex64(&sha) {
            return Err(usage(format!("{sha256:?} is not a sha256")));
        }
        let name = index::normalize(project);
        let dist = self.servable(&name, filename)?;
        let final_path = self.cfg.cache.join(&sha).join(filename);
        if let Some(e) = self.failed_before(&sha) {
            return Err(e);
        }
        if let Some(p) = self.cached(&sha, &final_path)? {
            return Ok(p);
        }
        let lock = {
            let mut busy = self
                .busy
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            Arc::clone(busy.entry(sha.clone()).or_default())
        };
        let _held = lock
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(e) = self.failed_before(&sha) {
            return Err(e);
        }
        if let Some(p) = self.cached(&sha, &final_path)? {
            return Ok(p);
        }
        match self.fetch_verify(&name, &sha, filename, &dist) {
            Ok(p) => Ok(p),
            Err(e) => {
                // a network failure may pass; a verification failure never does
                if e.kind() != ErrorKind::NetworkError {
                    self.failed
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .insert(sha, e.clone());
                }
                Err(e)
            }
        }
    }

    /// The `METADATA` of the verified wheel `<project>/<sha256>/<filename>`
    /// (PEP 658): equal to the metadata hash the upstream page lists, if it
    /// lists one.
    ///
    /// # Errors
    /// As [`Server::file`]; `MetadataMismatch` when the upstream's metadata
    /// hash is not the verified wheel's `METADATA`.
    pub fn metadata(&self, project: &str, sha256: &str, filename: &str) -> Result<Vec<u8>> {
        if !filename.ends_with(".whl") {
            return Err(usage(format!("{filename} has no PEP 658 metadata here")));
        }
        let path = self.file(project, sha256, filename)?;
        let meta = crate::installed::wheel_metadata(&path)?;
        let declared = path.with_file_name(".metadata-sha256");
        if let Ok(want) = std::fs::read_to_string(&declared) {
            let got = hex(ring::digest::digest(&ring::digest::SHA256, &meta).as_ref());
            if want.trim() != got {
                let e = Error::mismatch(
                    ErrorKind::MetadataMismatch,
                    "install",
                    &format!(
                        "sha256 of {filename}'s METADATA vs the upstream's PEP 658 metadata hash"
                    ),
                    &want.trim(),
                    &got,
                );
                return Err(e);
            }
        }
        Ok(meta)
    }

    fn failed_before(&self, sha: &str) -> Option<Error> {
        self.failed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(sha)
            .cloned()
    }

    /// The cached file, re-hashed: bytes that no longer match their key are
    /// removed and fetched again.
    fn cached(&self, sha: &str, path: &Path) -> Result<Option<PathBuf>> {
        if !path.is_file() {
            return Ok(None);
        }
        let got = crate::io::sha256_file(path)?;
        if hex(&got) == sha {
            return Ok(Some(path.to_path_buf()));
        }
        let _ = std::fs::remove_dir_all(self.cfg.cache.join(sha));
        Ok(None)
    }

    fn fetch_verify(&self, name: &str, sha: &str, filename: &str, dist: &Dist) -> Result<PathBuf> {
        let files = self.listing(name)?.unwrap_or_default();
        let listed = files
            .into_iter()
            .find(|f| f.file.filename == filename && f.file.sha256.as_deref() == Some(sha))
            .ok_or_else(|| {
                usage(format!(
                    "{filename} with sha256 {sha} is not listed on any upstream index"
                ))
            })?;
        std::fs::create_dir_all(&self.cfg.cache)
            .map_err(|e| usage(format!("cannot create {}: {e}", self.cfg.cache.display())))?;
        let tmp = TempDir::new(&self.cfg.cache)?;
        let version = listed_version(filename, dist);
        let req = FileRequest {
            project: name.to_owned(),
            version,
            url: listed.file.url.clone(),
            sha256: sha.to_owned(),
            requested: true,
        };
        let outcome = fetch_and_verify(&self.http, &req, &self.cfg.policy, &self.trust, &tmp.0)?;
        if matches!(dist, Dist::Wheel { .. }) {
            let meta = crate::installed::wheel_metadata(&outcome.path)?;
            let direct = crate::installed::direct_url_requirements(&meta);
            if let Some(first) = direct.first() {
                return Err(usage(format!(
                    "{filename} depends on {first:?}, a direct URL that bypasses the index \
                     and its provenance; serve refuses it"
                )));
            }
            if let Some(Some(h)) = &listed.core_metadata {
                std::fs::write(tmp.0.join(".metadata-sha256"), h)
                    .map_err(|e| usage(format!("cannot write the cache: {e}")))?;
            }
        }
        let dest = self.cfg.cache.join(sha);
        match std::fs::rename(&tmp.0, &dest) {
            Ok(()) => {}
            // another process verified it first: its copy is as good
            Err(_) if dest.join(filename).is_file() => {}
            Err(e) => return Err(usage(format!("cannot write {}: {e}", dest.display()))),
        }
        Ok(dest.join(filename))
    }
}

/// The version a distribution filename names, as written in it.
fn listed_version(filename: &str, dist: &Dist) -> String {
    let stem = filename
        .strip_suffix(".whl")
        .or_else(|| filename.strip_suffix(".tar.gz"))
        .or_else(|| filename.strip_suffix(".zip"))
        .unwrap_or(filename);
    match dist {
        Dist::Wheel { .. } => stem.split('-').nth(1).unwrap_or("").to_owned(),
        Dist::Sdist { .. } => stem.rsplit_once('-').map_or("", |(_, v)| v).to_owned(),
    }
}

/// A `.tmp-*` directory in the cache (never served: served paths are
/// `<sha256>/<filename>`), removed on drop unless renamed away.
struct TempDir(PathBuf);

impl TempDir {
    fn new(root: &Path) -> Result<Self> {
        use std::sync::atomic::{AtomicU64, Ordering};
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        for _ in 0..100 {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let p = root.join(format!(".tmp-{}-{n}", std::process::id()));
            match std::fs::create_dir(&p) {
                Ok(()) => return Ok(Self(p)),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(usage(format!("cannot create {}: {e}", p.display()))),
            }
        }
        Err(usage(format!(
            "cannot create a directory in {}",
            root.display()
        )))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn html_pages_escape_every_upstream_value() {
        let page = serde_json::json!({
            "meta": {"api-version": "1.1"},
            "name": "evil",
            "files": [
                {"filename": "evil-1-py3-none-any.whl", "url": "http://127.0.0.1:1/files/evil/aa/evil-1-py3-none-any.whl",
                 "hashes": {"sha256": "ab"}, "requires-python": ">=3.8\"><script>x</script>'&",
                 "yanked": "bad <b>release</b>", "core-metadata": {"sha256": "cd"}},
                {"filename": "evil-2-py3-none-any.whl", "url": "http://127.0.0.1:1/files/evil/bb/evil-2-py3-none-any.whl",
                 "hashes": {"sha256": "ef"}, "yanked": true, "core-metadata": true}
            ]
        })
        .to_string();
        let html = html_page(&page).unwrap_or_default();
        assert!(!html.contains("<script>"), "{html}");
        assert!(html.contains(
            "data-requires-python=\"&gt;=3.8&quot;&gt;&lt;script&gt;x&lt;/script&gt;&#39;&amp;\""
        ));
        assert!(html.contains("data-yanked=\"bad &lt;b&gt;release&lt;/b&gt;\""));
        assert!(html.contains(
            "href=\"http://127.0.0.1:1/files/evil/aa/evil-1-py3-none-any.whl#sha256=ab\""
        ));
        assert!(html.contains("data-core-metadata=\"sha256=cd\""));
        assert!(html.contains("data-yanked=\"\" data-dist-info-metadata=\"true\""));
        assert_eq!(html.matches("<a ").count(), 2);
    }

    use super::*;

    #[test]
    fn versions_come_from_the_file_name() {
        let w = "abi3info-2024.10.8-py3-none-any.whl";
        let v = Dist::parse(w).map(|d| listed_version(w, &d));
        assert_eq!(v, Ok("2024.10.8".to_owned()));
        let s = "my-pkg-1.0.tar.gz";
        let v = Dist::parse(s).map(|d| listed_version(s, &d));
        assert_eq!(v, Ok("1.0".to_owned()));
    }

    #[test]
    fn direct_url_requirements_are_found() {
        let meta = b"Name: a\nRequires-Dist: b>=1\nRequires-Dist: c @ https://x/c.whl\nRequires-Dist: d; extra == 'x@y'\n\nbody @ here";
        assert_eq!(
            crate::installed::direct_url_requirements(meta),
            vec!["c @ https://x/c.whl".to_owned()]
        );
    }
}
