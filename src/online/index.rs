// SPDX-License-Identifier: Apache-2.0
//! Simple-repository project pages: PEP 691 JSON and PEP 503 HTML, with the
//! PEP 740 provenance link of each file (`provenance` key, `data-provenance`
//! attribute).

use serde_json::Value;

use crate::error::{Error, ErrorKind, Result};
use crate::json;

/// One file a project page lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexFile {
    /// The file name.
    pub filename: String,
    /// Absolute URL, without fragment.
    pub url: String,
    /// The sha256 the index publishes (JSON `hashes`, or the URL fragment).
    pub sha256: Option<String>,
    /// The provenance link: `Some(Some(url))` given, `Some(None)` the index
    /// says there is none (JSON `null`), `None` the page does not say.
    pub provenance: Option<Option<String>>,
}

/// The PEP 691 `Accept` header: JSON preferred, HTML accepted.
pub const ACCEPT: &str =
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1";

pub use crate::dist::normalize;

fn bad(detail: String) -> Error {
    Error::new(ErrorKind::NetworkError, "online", detail)
}

/// Parse a project page fetched from `page_url`.
///
/// # Errors
/// `NetworkError` when the page is neither valid PEP 691 JSON nor HTML.
pub fn parse_page(body: &[u8], content_type: &str, page_url: &str) -> Result<Vec<IndexFile>> {
    if content_type.contains("json") {
        parse_json(body, page_url)
    } else {
        let text = std::str::from_utf8(body)
            .map_err(|_| bad(format!("{page_url}: the project page is not UTF-8")))?;
        Ok(parse_html(text, page_url))
    }
}

fn parse_json(body: &[u8], page_url: &str) -> Result<Vec<IndexFile>> {
    let doc = json::parse(body, body.len().max(1), "project page")
        .map_err(|e| bad(format!("{page_url}: {}", e.detail())))?;
    let files = doc
        .get("files")
        .and_then(Value::as_array)
        .ok_or_else(|| bad(format!("{page_url}: no `files` list (PEP 691)")))?;
    let mut out = Vec::with_capacity(files.len());
    for f in files {
        let (Some(filename), Some(url)) = (
            f.get("filename").and_then(Value::as_str),
            f.get("url").and_then(Value::as_str),
        ) else {
            return Err(bad(format!("{page_url}: a file lacks filename or url")));
        };
        let (url, fragment_hash) = split_fragment(&join(page_url, url));
        let sha256 = f
            .pointer("/hashes/sha256")
            .and_then(Value::as_str)
            .map(str::to_ascii_lowercase)
            .or(fragment_hash);
        let provenance = match f.get("provenance") {
            None => None,
            Some(Value::String(p)) => Some(Some(join(page_url, p))),
            Some(_) => Some(None),
        };
        out.push(IndexFile {
            filename: filename.to_owned(),
            url,
            sha256,
            provenance,
        });
    }
    Ok(out)
}

/// `url#sha256=<hex>` → (url, Some(hex)).
fn split_fragment(url: &str) -> (String, Option<String>) {
    match url.split_once('#') {
        Some((base, frag)) => (
            base.to_owned(),
            frag.strip_prefix("sha256=").map(str::to_ascii_lowercase),
        ),
        None => (url.to_owned(), None),
    }
}

fn parse_html(text: &str, page_url: &str) -> Vec<IndexFile> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = find_ci(rest, "<a") {
        let after = rest.get(start + 2..).unwrap_or("");
        // `<a` must be followed by whitespace or `>` (not `<abbr`).
        if !after.starts_with(|c: char| c.is_ascii_whitespace() || c == '>') {
            rest = after;
            continue;
        }
        let Some(end) = after.find('>') else { break };
        let attrs = parse_attrs(after.get(..end).unwrap_or(""));
        let body_start = after.get(end + 1..).unwrap_or("");
        let close = find_ci(body_start, "</a").unwrap_or(body_start.len());
        let label = unescape(body_start.get(..close).unwrap_or("").trim());
        rest = body_start.get(close..).unwrap_or("");
        let Some(href) = attr(&attrs, "href") else {
            continue;
        };
        let (url, sha256) = split_fragment(&join(page_url, &href));
        let filename = if label.is_empty() {
            url.rsplit('/').next().unwrap_or("").to_owned()
        } else {
            label
        };
        let provenance = attr(&attrs, "data-provenance").map(|p| Some(join(page_url, &p)));
        out.push(IndexFile {
            filename,
            url,
            sha256,
            provenance,
        });
    }
    out
}

fn find_ci(hay: &str, needle: &str) -> Option<usize> {
    hay.as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

fn attr(attrs: &[(String, String)], name: &str) -> Option<String> {
    attrs
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.clone())
}

/// `name="v" name='v' name=v name` → pairs, values unescaped.
fn parse_attrs(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = s.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_ascii_whitespace() || c == '/' {
            chars.next();
            continue;
        }
        let mut j = i;
        while let Some(&(k, c)) = chars.peek() {
            if c == '=' || c.is_ascii_whitespace() {
                break;
            }
            j = k + c.len_utf8();
            chars.next();
        }
        let name = s.get(i..j).unwrap_or("").to_owned();
        while chars.peek().is_some_and(|&(_, c)| c.is_ascii_whitespace()) {
            chars.next();
        }
        if chars.peek().map(|&(_, c)| c) != Some('=') {
            out.push((name, String::new()));
            continue;
        }
        chars.next();
        while chars.peek().is_some_and(|&(_, c)| c.is_ascii_whitespace()) {
            chars.next();
        }
        let value = match chars.peek().map(|&(_, c)| c) {
            Some(q @ ('"' | '\'')) => {
                chars.next();
                let mut v = String::new();
                for (_, c) in chars.by_ref() {
                    if c == q {
                        break;
                    }
                    v.push(c);
                }
                v
            }
            _ => {
                let mut v = String::new();
                while let Some(&(_, c)) = chars.peek() {
                    if c.is_ascii_whitespace() {
                        break;
                    }
                    v.push(c);
                    chars.next();
                }
                v
            }
        };
        out.push((name, unescape(&value)));
    }
    out
}

/// The HTML character references an index uses in URLs and names.
fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(rest.get(..i).unwrap_or(""));
        let tail = rest.get(i..).unwrap_or("");
        let end = tail.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let ent = tail.get(1..e)?;
            let c = match ent {
                "amp" => '&',
                "lt" => '<',
                "gt" => '>',
                "quot" => '"',
                "apos" | "#39" => '\'',
                _ => {
                    let num = ent.strip_prefix('#')?;
                    let code = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                        None => num.parse().ok()?,
                    };
                    char::from_u32(code)?
                }
            };
            Some((c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = tail.get(e + 1..).unwrap_or("");
            }
            None => {
                out.push('&');
                rest = tail.get(1..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    out
}

/// Resolve `href` against `base` (RFC 3986 §5.2, for the shapes indexes use).
#[must_use]
pub fn join(base: &str, href: &str) -> String {
    if href.contains("://") {
        return href.to_owned();
    }
    let (scheme, after) = base.split_once("://").unwrap_or(("", base));
    if let Some(net_path) = href.strip_prefix("//") {
        return format!("{scheme}://{net_path}");
    }
    let host_end = after.find('/').unwrap_or(after.len());
    let origin = format!("{scheme}://{}", after.get(..host_end).unwrap_or(""));
    let base_path = after.get(host_end..).unwrap_or("");
    let base_path = base_path.split(['?', '#']).next().unwrap_or("");
    let (path, suffix) = match href.find(['?', '#']) {
        Some(i) => (href.get(..i).unwrap_or(""), href.get(i..).unwrap_or("")),
        None => (href, ""),
    };
    let merged = if path.starts_with('/') {
        path.to_owned()
    } else if path.is_empty() {
        base_path.to_owned()
    } else {
        let dir = base_path
            .rfind('/')
            .map_or("/", |i| base_path.get(..=i).unwrap_or("/"));
        format!("{dir}{path}")
    };
    let mut segs: Vec<&str> = Vec::new();
    let parts: Vec<&str> = merged.split('/').collect();
    let last = parts.len().saturating_sub(1);
    for (i, seg) in parts.iter().enumerate() {
        match *seg {
            "." => {
                if i == last {
                    segs.push("");
                }
            }
            ".." => {
                if segs.len() > 1 {
                    segs.pop();
                }
                if i == last {
                    segs.push("");
                }
            }
            s => segs.push(s),
        }
    }
    let mut joined = segs.join("/");
    if !joined.starts_with('/') {
        joined.insert(0, '/');
    }
    format!("{origin}{joined}{suffix}")
}

/// `<index root>/integrity/<project>/<version>/<filename>/provenance`, the
/// root being the index URL without its trailing `simple/`.
#[must_use]
pub fn integrity_url(index_url: &str, project: &str, version: &str, filename: &str) -> String {
    let trimmed = index_url.trim_end_matches('/');
    let root = trimmed.strip_suffix("/simple").unwrap_or(trimmed);
    format!(
        "{root}/integrity/{}/{version}/{filename}/provenance",
        normalize(project)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_like_a_browser() {
        let page = "https://h.example/simple/abi3info/";
        assert_eq!(
            join(page, "../../packages/a/b.whl#sha256=AB"),
            "https://h.example/packages/a/b.whl#sha256=AB"
        );
        assert_eq!(join(page, "/files/x.whl"), "https://h.example/files/x.whl");
        assert_eq!(
            join(page, "x.whl"),
            "https://h.example/simple/abi3info/x.whl"
        );
        assert_eq!(join(page, "//cdn.example/x"), "https://cdn.example/x");
        assert_eq!(join(page, "http://o.example/y"), "http://o.example/y");
    }

    #[test]
    fn parses_pep503_html_with_provenance() {
        let html = r#"<!DOCTYPE html><html><body><h1>Links</h1>
<a href="../../files/a-1.0-py3-none-any.whl#sha256=ABCD" data-requires-python="&gt;=3.8"
   data-provenance="https://h.example/integrity/a/1.0/a-1.0-py3-none-any.whl/provenance">a-1.0-py3-none-any.whl</a><br/>
<abbr>not a link</abbr>
<A HREF='/files/a-1.0.tar.gz'>a-1.0.tar.gz</A>
</body></html>"#;
        let files = parse_html(html, "https://h.example/simple/a/");
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
    fn parses_pep691_json_null_and_absent_provenance() {
        let doc = br#"{"meta":{"api-version":"1.1"},"name":"a","files":[
 {"filename":"a-1.whl","url":"/f/a-1.whl","hashes":{"sha256":"AA"},"provenance":null},
 {"filename":"a-2.whl","url":"/f/a-2.whl","hashes":{}}]}"#;
        let files = parse_json(doc, "http://127.0.0.1:1/simple/a/").unwrap_or_default();
        assert_eq!(files.len(), 2);
        assert_eq!(
            files.first().map(|f| f.provenance.clone()),
            Some(Some(None))
        );
        assert_eq!(
            files.first().and_then(|f| f.sha256.clone()),
            Some("aa".into())
        );
        assert_eq!(files.get(1).map(|f| f.provenance.clone()), Some(None));
    }

    #[test]
    fn malformed_pages_never_panic() {
        for page in [
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
            let files = parse_html(page, "http://h/simple/p/");
            assert!(files.len() <= 2, "{page:?}");
        }
        assert_eq!(
            parse_json(b"{}", "u").map_err(|e| e.kind()).err(),
            Some(ErrorKind::NetworkError)
        );
        assert_eq!(
            parse_json(br#"{"files":[{"url":"x"}]}"#, "u")
                .map_err(|e| e.kind())
                .err(),
            Some(ErrorKind::NetworkError)
        );
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
    }
}
