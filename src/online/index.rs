// SPDX-License-Identifier: Apache-2.0
//! Simple-repository project pages: PEP 691 JSON and PEP 503 HTML, with the
//! PEP 740 provenance link of each file (`provenance` key, `data-provenance`
//! attribute).
//!
//! Parsing is linear in the page: JSON through typed serde structs that
//! borrow from the body (no generic `Value` tree), HTML through the
//! `html5gum` WHATWG tokenizer, URLs through the `url` crate.

use html5gum::emitters::callback::{CallbackEmitter, CallbackEvent};
use html5gum::Tokenizer;
use serde::Deserialize;
use std::borrow::Cow;
use url::Url;

use super::http::net;
use crate::error::{Error, Result};

/// One file a project page lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexFile {
    /// The file name.
    pub filename: String,
    /// Absolute URL, without fragment (the raw link if it does not parse).
    pub url: String,
    /// The sha256 the index publishes (JSON `hashes`, or the URL fragment).
    pub sha256: Option<String>,
    /// The provenance link: `Some(Some(url))` given, `Some(None)` the index
    /// says there is none (JSON `null`), `None` the page does not say.
    pub provenance: Option<Option<String>>,
}

/// A listed file with the fields a verifying index passes on to installers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageFile {
    /// The file, its URL, hash and provenance link.
    pub file: IndexFile,
    /// `requires-python` (`data-requires-python`), if given.
    pub requires_python: Option<String>,
    /// `Some(reason)` (possibly empty) when the file is yanked.
    pub yanked: Option<String>,
    /// PEP 658/714 metadata: `None` not offered, `Some(None)` offered without
    /// a hash, `Some(Some(hex))` offered with its sha256.
    pub core_metadata: Option<Option<String>>,
}

/// The PEP 691 `Accept` header: JSON preferred, HTML accepted.
pub const ACCEPT: &str =
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1";

pub use crate::dist::normalize;

fn bad(detail: String) -> Error {
    net(detail)
}

/// Parse a project page fetched from `page_url`.
///
/// # Errors
/// `NetworkError` when the page is neither valid PEP 691 JSON nor HTML.
pub fn parse_page(body: &[u8], content_type: &str, page_url: &str) -> Result<Vec<IndexFile>> {
    Ok(parse_page_full(body, content_type, page_url)?
        .into_iter()
        .map(|f| f.file)
        .collect())
}

/// [`parse_page`] with the requires-python, yanked and metadata fields.
///
/// # Errors
/// `NetworkError` when the page is neither valid PEP 691 JSON nor HTML.
pub fn parse_page_full(body: &[u8], content_type: &str, page_url: &str) -> Result<Vec<PageFile>> {
    let page = Url::parse(page_url).map_err(|e| bad(format!("{page_url}: {e}")))?;
    if content_type.contains("json") {
        parse_json(body, &page)
    } else {
        let text = std::str::from_utf8(body)
            .map_err(|_| bad(format!("{page_url}: the project page is not UTF-8")))?;
        Ok(parse_html(text, &page))
    }
}

/// The PEP 691 fields we read; everything else is skipped unparsed.
#[derive(Deserialize)]
struct JsonPage<'a> {
    #[serde(borrow)]
    files: Vec<JsonFile<'a>>,
}

#[derive(Deserialize)]
struct JsonFile<'a> {
    #[serde(borrow)]
    filename: Cow<'a, str>,
    #[serde(borrow)]
    url: Cow<'a, str>,
    #[serde(default, borrow)]
    hashes: Option<Hashes<'a>>,
    #[serde(default, borrow, deserialize_with = "present")]
    provenance: Option<Option<Cow<'a, str>>>,
    #[serde(default, rename = "requires-python")]
    requires_python: Option<String>,
    #[serde(default)]
    yanked: Option<BoolOrText>,
    #[serde(default, rename = "core-metadata")]
    core_metadata: Option<MetaLink>,
    #[serde(default, rename = "dist-info-metadata")]
    dist_info_metadata: Option<MetaLink>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum BoolOrText {
    Bool(bool),
    Text(String),
}

#[derive(Deserialize)]
struct OwnedHashes {
    #[serde(default)]
    sha256: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum MetaLink {
    Bool(bool),
    Hashes(OwnedHashes),
}

impl MetaLink {
    fn offered(self) -> Option<Option<String>> {
        match self {
            Self::Bool(false) => None,
            Self::Bool(true) => Some(None),
            Self::Hashes(h) => Some(h.sha256.map(|h| h.to_ascii_lowercase())),
        }
    }
}

/// `data-core-metadata="true"` or `"sha256=<hex>"`.
fn html_meta(value: &str) -> Option<Option<String>> {
    match value.trim() {
        "false" => None,
        v => Some(
            v.strip_prefix("sha256=")
                .map(|h| h.trim().to_ascii_lowercase()),
        ),
    }
}

#[derive(Deserialize)]
struct Hashes<'a> {
    #[serde(default, borrow)]
    sha256: Option<Cow<'a, str>>,
}

/// A key that is present: `Some(value)`, so `null` stays `Some(None)`.
fn present<'de, D, T>(d: D) -> std::result::Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    T::deserialize(d).map(Some)
}

fn parse_json(body: &[u8], page: &Url) -> Result<Vec<PageFile>> {
    let doc: JsonPage<'_> = serde_json::from_slice(body).map_err(|e| {
        bad(format!(
            "{}: not a PEP 691 project page: {e}",
            super::http::display_url(page)
        ))
    })?;
    let mut out = Vec::with_capacity(doc.files.len());
    for f in doc.files {
        let (url, fragment_hash) = split_fragment(page, &f.url);
        let sha256 = f
            .hashes
            .and_then(|h| h.sha256)
            .map(|h| h.to_ascii_lowercase())
            .or(fragment_hash);
        let provenance = f.provenance.map(|p| p.map(|p| resolve(page, &p)));
        let yanked = match f.yanked {
            None | Some(BoolOrText::Bool(false)) => None,
            Some(BoolOrText::Bool(true)) => Some(String::new()),
            Some(BoolOrText::Text(t)) => Some(t),
        };
        let core_metadata = f
            .core_metadata
            .or(f.dist_info_metadata)
            .and_then(MetaLink::offered);
        out.push(PageFile {
            file: IndexFile {
                filename: f.filename.into_owned(),
                url,
                sha256,
                provenance,
            },
            requires_python: f.requires_python,
            yanked,
            core_metadata,
        });
    }
    Ok(out)
}

/// `href` resolved against `base`, as a string; the raw `href` when it does
/// not parse (fetching it then fails at once as a malformed URL).
fn resolve(base: &Url, href: &str) -> String {
    base.join(href)
        .map_or_else(|_| href.to_owned(), String::from)
}

/// `href#sha256=<hex>` resolved → (url without fragment, Some(hex)).
fn split_fragment(base: &Url, href: &str) -> (String, Option<String>) {
    match base.join(href) {
        Ok(mut u) => {
            let hash = u
                .fragment()
                .and_then(|f| f.strip_prefix("sha256="))
                .map(str::to_ascii_lowercase);
            u.set_fragment(None);
            (u.into(), hash)
        }
        Err(_) => (href.to_owned(), None),
    }
}

/// The last path segment of `url`, percent-decoded.
#[must_use]
pub fn last_segment(url: &str) -> String {
    let tail = match Url::parse(url) {
        Ok(u) => u
            .path_segments()
            .and_then(|mut s| s.next_back())
            .unwrap_or("")
            .to_owned(),
        Err(_) => url
            .split(['#', '?'])
            .next()
            .and_then(|u| u.rsplit('/').next())
            .unwrap_or("")
            .to_owned(),
    };
    percent_encoding::percent_decode_str(&tail)
        .decode_utf8_lossy()
        .into_owned()
}

/// One `<a>` before its URLs are resolved (a later `<base href>` applies too).
#[derive(Default)]
struct Anchor {
    href: Option<String>,
    provenance: Option<String>,
    requires_python: Option<String>,
    yanked: Option<String>,
    core_metadata: Option<String>,
    label: Vec<u8>,
}

/// What the tokenizer's events build: the anchors and the first `<base href>`.
#[derive(Default)]
struct Links {
    anchors: Vec<Anchor>,
    base: Option<String>,
    base_seen: bool,
    /// The start tag being read: `a`, `base` or another.
    tag: Tag,
    attr: Vec<u8>,
    pending: Anchor,
    pending_base: Option<String>,
    /// Inside `<a>…</a>`: text is the label.
    open: bool,
    /// The attribute being read is the anchor's first `data-yanked`.
    yank_first: bool,
}

#[derive(Default, PartialEq, Eq, Clone, Copy)]
enum Tag {
    #[default]
    Other,
    A,
    Base,
}

impl Links {
    fn event(&mut self, event: CallbackEvent<'_>) {
        match event {
            CallbackEvent::OpenStartTag { name } => {
                self.tag = match name {
                    b"a" => Tag::A,
                    b"base" => Tag::Base,
                    _ => Tag::Other,
                };
                self.pending = Anchor::default();
                self.pending_base = None;
                self.attr.clear();
            }
            CallbackEvent::AttributeName { name } => {
                self.attr.clear();
                self.attr.extend_from_slice(name);
                // `data-yanked` may have no value (`data-yanked` or `=""`)
                self.yank_first =
                    self.tag == Tag::A && name == b"data-yanked" && self.pending.yanked.is_none();
                if self.yank_first {
                    self.pending.yanked = Some(String::new());
                }
            }
            CallbackEvent::AttributeValue { value } => {
                let text = || String::from_utf8_lossy(value).into_owned();
                // the first of duplicate attributes counts (WHATWG)
                match (self.tag, self.attr.as_slice()) {
                    (Tag::A, b"href") if self.pending.href.is_none() => {
                        self.pending.href = Some(text());
                    }
                    (Tag::A, b"data-provenance") if self.pending.provenance.is_none() => {
                        self.pending.provenance = Some(text());
                    }
                    (Tag::A, b"data-requires-python") if self.pending.requires_python.is_none() => {
                        self.pending.requires_python = Some(text());
                    }
                    (Tag::A, b"data-yanked") if self.yank_first => {
                        self.pending.yanked = Some(text());
                    }
                    (Tag::A, b"data-core-metadata" | b"data-dist-info-metadata")
                        if self.pending.core_metadata.is_none() =>
                    {
                        self.pending.core_metadata = Some(text());
                    }
                    (Tag::Base, b"href") if self.pending_base.is_none() => {
                        self.pending_base = Some(text());
                    }
                    _ => {}
                }
            }
            CallbackEvent::CloseStartTag { self_closing } => match self.tag {
                Tag::A => {
                    self.anchors.push(std::mem::take(&mut self.pending));
                    self.open = !self_closing;
                }
                Tag::Base if !self.base_seen && self.pending_base.is_some() => {
                    self.base_seen = true;
                    self.base = self.pending_base.take();
                }
                _ => {}
            },
            CallbackEvent::EndTag { name: b"a" } => self.open = false,
            CallbackEvent::String { value } if self.open => {
                if let Some(a) = self.anchors.last_mut() {
                    a.label.extend_from_slice(value);
                }
            }
            _ => {}
        }
    }
}

fn parse_html(text: &str, page: &Url) -> Vec<PageFile> {
    let mut links = Links::default();
    let mut emitter =
        CallbackEmitter::new(|event: CallbackEvent<'_>, _span: html5gum::Span<()>| {
            links.event(event);
            None::<()>
        });
    // `<script>`, `<style>`, `<title>`, `<textarea>`… hold text, not tags
    emitter.naively_switch_states(true);
    for _ in Tokenizer::new_with_emitter(text, emitter) {}
    let base = links.base.as_deref().and_then(|b| page.join(b).ok());
    let base = base.as_ref().unwrap_or(page);
    links
        .anchors
        .into_iter()
        .filter_map(|a| {
            let (url, sha256) = split_fragment(base, &a.href?);
            let label = String::from_utf8_lossy(&a.label).trim().to_owned();
            let filename = if label.is_empty() {
                last_segment(&url)
            } else {
                label
            };
            let provenance = a.provenance.map(|p| Some(resolve(base, &p)));
            Some(PageFile {
                file: IndexFile {
                    filename,
                    url,
                    sha256,
                    provenance,
                },
                requires_python: a.requires_python,
                yanked: a.yanked,
                core_metadata: a.core_metadata.as_deref().and_then(html_meta),
            })
        })
        .collect()
}

/// `<index>/<normalized project>/`: the project page on a simple index.
///
/// # Errors
/// `NetworkError` when the index URL does not parse.
pub fn project_url(index_url: &str, project: &str) -> Result<Url> {
    let mut u = Url::parse(index_url).map_err(|e| {
        bad(format!(
            "{}: not a valid index URL: {e}",
            super::http::redact(index_url)
        ))
    })?;
    if u.cannot_be_a_base() {
        return Err(bad(format!(
            "{}: not a valid index URL",
            super::http::redact(index_url)
        )));
    }
    u.set_query(None);
    u.set_fragment(None);
    if let Ok(mut segs) = u.path_segments_mut() {
        segs.pop_if_empty().push(&normalize(project)).push("");
    }
    Ok(u)
}

/// `<index root>/integrity/<project>/<version>/<filename>/provenance`, the
/// root being the index URL without its trailing `simple/`.
#[must_use]
pub fn integrity_url(index_url: &str, project: &str, version: &str, filename: &str) -> String {
    let Ok(mut u) = Url::parse(index_url) else {
        return index_url.to_owned();
    };
    u.set_query(None);
    u.set_fragment(None);
    let simple = u
        .path_segments()
        .map(|mut s| s.rfind(|s| !s.is_empty()) == Some("simple"))
        .unwrap_or(false);
    if let Ok(mut segs) = u.path_segments_mut() {
        segs.pop_if_empty();
        if simple {
            segs.pop();
        }
        segs.extend([
            "integrity",
            &normalize(project),
            version,
            filename,
            "provenance",
        ]);
    }
    u.into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;

    fn page(u: &str) -> Url {
        Url::parse(u)
            .unwrap_or_else(|_| Url::parse("http://invalid/").unwrap_or_else(|_| unreachable!()))
    }

    fn html(text: &str) -> Vec<IndexFile> {
        parse_html(text, &page("https://h.example/simple/a/"))
            .into_iter()
            .map(|f| f.file)
            .collect()
    }

    #[test]
    fn joins_like_a_browser() {
        let p = page("https://h.example/simple/abi3info/");
        assert_eq!(
            split_fragment(&p, "../../packages/a/b.whl#sha256=AB"),
            (
                "https://h.example/packages/a/b.whl".to_owned(),
                Some("ab".to_owned())
            )
        );
        assert_eq!(resolve(&p, "/files/x.whl"), "https://h.example/files/x.whl");
        assert_eq!(
            resolve(&p, "x.whl"),
            "https://h.example/simple/abi3info/x.whl"
        );
        assert_eq!(resolve(&p, "//cdn.example/x"), "https://cdn.example/x");
        assert_eq!(resolve(&p, "http://o.example/y"), "http://o.example/y");
        // an unparsable link stays as it is (fetching it fails at once)
        assert_eq!(resolve(&p, "http://[bad"), "http://[bad");
    }

    #[test]
    fn parses_pep503_html_with_provenance() {
        let text = r#"<!DOCTYPE html><html><body><h1>Links</h1>
<a href="../../files/a-1.0-py3-none-any.whl#sha256=ABCD" data-requires-python="&gt;=3.8"
   data-provenance="https://h.example/integrity/a/1.0/a-1.0-py3-none-any.whl/provenance">a-1.0-py3-none-any.whl</a><br/>
<abbr>not a link</abbr>
<A HREF='/files/a-1.0.tar.gz'>a-1.0.tar.gz</A>
</body></html>"#;
        let files = html(text);
        assert_eq!(files.len(), 2);
        let f = files.first().cloned();
        assert_eq!(
            f,
            Some(IndexFile {
                filename: "a-1.0-py3-none-any.whl".into(),
                url: "https://h.example/files/a-1.0-py3-none-any.whl".into(),
                sha256: Some("abcd".into()),
                provenance: Some(Some(
                    "https://h.example/integrity/a/1.0/a-1.0-py3-none-any.whl/provenance".into()
                )),
            })
        );
        assert_eq!(files.get(1).map(|f| f.provenance.clone()), Some(None));
    }

    #[test]
    fn html_edge_cases() {
        let text = "<!-- <a href=\"/evil/a-1.whl\">a-1.whl</a> -->\
            <script>document.write('<a href=\"/evil/a-0.whl\">a-0.whl</a>')</script>\
            <A HREF=/f/a-1.whl DATA-PROVENANCE=/p/a-1>a-1.whl</A>\
            <a href='/f/a-2.whl?x=1&amp;y=2' data-provenance='/p/a&#45;2'>a&#x2D;2.whl</a>\
            <a data-x=\"x>y\" href=\"/f/a-3.whl\" data-provenance=\"/p/a-3\">a-3.whl</a>";
        let files = html(text);
        let got: Vec<(&str, &str, Option<&str>)> = files
            .iter()
            .map(|f| {
                (
                    f.filename.as_str(),
                    f.url.as_str(),
                    f.provenance.as_ref().and_then(|p| p.as_deref()),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    "a-1.whl",
                    "https://h.example/f/a-1.whl",
                    Some("https://h.example/p/a-1")
                ),
                (
                    "a-2.whl",
                    "https://h.example/f/a-2.whl?x=1&y=2",
                    Some("https://h.example/p/a-2")
                ),
                // a quoted `>` does not end the tag and hide data-provenance
                (
                    "a-3.whl",
                    "https://h.example/f/a-3.whl",
                    Some("https://h.example/p/a-3")
                ),
            ]
        );
    }

    #[test]
    fn base_href_applies_to_every_link() {
        let text = "<html><head><base href=\"https://cdn.example/root/\">\
            <base href=\"https://ignored.example/\"></head>\
            <body><a href=\"pkgs/a-1.whl#sha256=AA\" data-provenance=\"prov/a-1\"></a></body>";
        let files = html(text);
        assert_eq!(
            files,
            vec![IndexFile {
                filename: "a-1.whl".into(),
                url: "https://cdn.example/root/pkgs/a-1.whl".into(),
                sha256: Some("aa".into()),
                provenance: Some(Some("https://cdn.example/root/prov/a-1".into())),
            }]
        );
    }

    #[test]
    fn sixty_mib_of_ampersands_parse_in_linear_time() {
        let amps = "&".repeat(60 << 20);
        for text in [
            format!("<a href=\"/f/x.whl\" data-provenance=\"{amps}\">x.whl</a>"),
            format!("<a href=\"/f/x.whl\">{amps}</a>"),
            amps.clone(),
        ] {
            let started = std::time::Instant::now();
            let files = html(&text);
            let took = started.elapsed();
            eprintln!("{} bytes: {took:?}", text.len());
            assert!(took < std::time::Duration::from_secs(20), "{took:?}");
            assert!(files.len() <= 1);
        }
    }

    #[test]
    fn keeps_requires_python_yanked_and_metadata() {
        let doc = br#"{"files":[
 {"filename":"a-1.whl","url":"a-1.whl","hashes":{},"requires-python":">=3.8","yanked":"broken","core-metadata":{"sha256":"CC"}},
 {"filename":"a-2.whl","url":"a-2.whl","hashes":{},"yanked":true,"dist-info-metadata":true},
 {"filename":"a-3.whl","url":"a-3.whl","hashes":{},"yanked":false,"core-metadata":false}]}"#;
        let files = parse_json(doc, &page("http://127.0.0.1:1/simple/a/")).unwrap_or_default();
        let got: Vec<_> = files
            .iter()
            .map(|f| {
                (
                    f.requires_python.clone(),
                    f.yanked.clone(),
                    f.core_metadata.clone(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    Some(">=3.8".into()),
                    Some("broken".into()),
                    Some(Some("cc".into()))
                ),
                (None, Some(String::new()), Some(None)),
                (None, None, None),
            ]
        );
        let html = r#"<a href="a-1.whl#sha256=AA" data-requires-python="&gt;=3.9" data-yanked="" data-core-metadata="sha256=DD">a-1.whl</a>
<a href="a-2.whl" data-dist-info-metadata="true">a-2.whl</a>
<a href="a-3.whl" data-yanked data-yanked="no">a-3.whl</a>
<a href="a-4.whl" data-yanked="bad build" data-core-metadata="false">a-4.whl</a>"#;
        let files = parse_html(html, &page("http://127.0.0.1:1/simple/a/"));
        let got: Vec<_> = files
            .iter()
            .map(|f| {
                (
                    f.requires_python.clone(),
                    f.yanked.clone(),
                    f.core_metadata.clone(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                (
                    Some(">=3.9".into()),
                    Some(String::new()),
                    Some(Some("dd".into()))
                ),
                (None, None, Some(None)),
                (None, Some(String::new()), None),
                (None, Some("bad build".into()), None),
            ]
        );
    }

    #[test]
    fn parses_pep691_json_null_and_absent_provenance() {
        let doc = br#"{"meta":{"api-version":"1.1"},"name":"a","files":[
 {"filename":"a-1.whl","url":"/f/a-1.whl","hashes":{"sha256":"AA"},"provenance":null,"yanked":false},
 {"filename":"a-2.whl","url":"/f/a-2.whl","hashes":{}},
 {"filename":"a-3.whl","url":"/f/a-3.whl#sha256=BB","provenance":"../../p/a-3"}]}"#;
        let full = parse_json(doc, &page("http://127.0.0.1:1/simple/a/")).unwrap_or_default();
        let files: Vec<IndexFile> = full.into_iter().map(|f| f.file).collect();
        assert_eq!(files.len(), 3);
        assert_eq!(
            files.first().map(|f| f.provenance.clone()),
            Some(Some(None))
        );
        assert_eq!(
            files.first().and_then(|f| f.sha256.clone()),
            Some("aa".into())
        );
        assert_eq!(files.get(1).map(|f| f.provenance.clone()), Some(None));
        assert_eq!(
            files.get(2).cloned(),
            Some(IndexFile {
                filename: "a-3.whl".into(),
                url: "http://127.0.0.1:1/f/a-3.whl".into(),
                sha256: Some("bb".into()),
                provenance: Some(Some("http://127.0.0.1:1/p/a-3".into())),
            })
        );
    }

    #[test]
    fn malformed_pages_never_panic() {
        for text in [
            "<a",
            "<a href",
            "<a href=",
            "<a href=\"x",
            "<a href='x'>",
            "<a>",
            "<a =\"x\">y</a>",
            "&#xFFFFFFFF;<a href=&#x110000;>&amp</a>",
            "<A\thref=x\tdata-provenance>n</a",
            "<abbr><a\nhref=/f/\u{e9}.whl>\u{e9}.whl</a>",
            "",
            "<<<<a a a a>",
        ] {
            let files = parse_html(text, &page("http://h/simple/p/"));
            assert!(files.len() <= 2, "{text:?}");
        }
        let u = page("http://h/simple/p/");
        assert_eq!(
            parse_json(b"{}", &u).map_err(|e| e.kind()).err(),
            Some(ErrorKind::NetworkError)
        );
        assert_eq!(
            parse_json(br#"{"files":[{"url":"x"}]}"#, &u)
                .map_err(|e| e.kind())
                .err(),
            Some(ErrorKind::NetworkError)
        );
    }

    #[test]
    fn malformed_page_errors_carry_no_credentials() {
        let err = parse_page(
            b"{not json",
            "application/vnd.pypi.simple.v1+json",
            "https://user:s3cret-token@h.example/simple/a/",
        )
        .err()
        .map(|e| (e.kind(), e.detail().to_owned()));
        let Some((kind, detail)) = err else {
            unreachable!("a malformed page parsed")
        };
        assert_eq!(kind, ErrorKind::NetworkError);
        assert!(!detail.contains("s3cret-token"), "{detail}");
        assert!(!detail.contains("user"), "{detail}");
    }

    #[test]
    fn credentials_never_reach_messages() {
        assert_eq!(
            crate::online::http::redact("GET https://user:tok@h.example/simple/p/: HTTP 500"),
            "GET https://***@h.example/simple/p/: HTTP 500"
        );
        assert_eq!(
            crate::online::http::redact("a http://h/x and https://t@h2"),
            "a http://h/x and https://***@h2"
        );
    }

    #[test]
    fn names_and_integrity_urls() {
        assert_eq!(normalize("Foo.Bar__baz"), "foo-bar-baz");
        assert_eq!(
            integrity_url("https://pypi.org/simple/", "Abi3Info", "2024.10.8", "f.whl"),
            "https://pypi.org/integrity/abi3info/2024.10.8/f.whl/provenance"
        );
        assert_eq!(
            integrity_url("https://h.example/root", "a", "1", "f.whl"),
            "https://h.example/root/integrity/a/1/f.whl/provenance"
        );
        assert_eq!(
            project_url("https://h.example/simple", "Foo_Bar")
                .map(String::from)
                .ok(),
            Some("https://h.example/simple/foo-bar/".to_owned())
        );
        assert_eq!(
            project_url("https://h.example/simple/", "a")
                .map(String::from)
                .ok(),
            Some("https://h.example/simple/a/".to_owned())
        );
        assert_eq!(
            project_url("not a url", "a").map_err(|e| e.kind()).err(),
            Some(ErrorKind::NetworkError)
        );
    }

    fn peak_rss_kib() -> u64 {
        std::fs::read_to_string("/proc/self/status")
            .unwrap_or_default()
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    /// Peak memory of parsing a 60 MiB PEP 691 page: run alone, as
    /// `cargo test --features online --lib json_page_memory -- --ignored --nocapture`
    /// (other tests in the process would move the peak).
    #[test]
    #[ignore = "measures the process's peak RSS; run alone"]
    fn json_page_memory() {
        let mut body = String::from(r#"{"meta":{"api-version":"1.1"},"name":"a","files":["#);
        let mut n = 0u64;
        while body.len() < 60 << 20 {
            if n > 0 {
                body.push(',');
            }
            body.push_str(&format!(
                r#"{{"filename":"a-{n}-py3-none-any.whl","url":"../../files/a-{n}-py3-none-any.whl","hashes":{{"sha256":"{:064x}"}},"requires-python":">=3.8","provenance":null,"yanked":false}}"#,
                n
            ));
            n += 1;
        }
        body.push_str("]}");
        let before = peak_rss_kib();
        let files =
            parse_json(body.as_bytes(), &page("https://h.example/simple/a/")).unwrap_or_default();
        let after = peak_rss_kib();
        let page_kib = (body.len() >> 10) as u64;
        eprintln!(
            "page {page_kib} KiB, {} files: peak RSS {before} KiB before parsing, {after} KiB after (+{} KiB, {:.2}x the page)",
            files.len(),
            after - before,
            (after - before) as f64 / page_kib as f64
        );
        assert_eq!(files.len() as u64, n);
        assert!(after - before < 4 * page_kib);
    }
}
