// SPDX-License-Identifier: Apache-2.0
//! GitHub artifact attestations by digest (docs/github.md): ask
//! `GET {api}/repos/OWNER/REPO/attestations/sha256:<hex>` and verify every
//! bundle it returns as untrusted input, against the caller's policy.
//!
//! Only the transport and the choice of result live here; each bundle goes
//! through the same checks as a bundle the user already has
//! (`wheel::verify_attestation`).

use std::path::Path;

use serde_json::{json, Value};
use url::Url;

use super::http::{display_url, net, ApiAnswer, Http};
use crate::error::{Error, ErrorKind, Result};
use crate::io::hex;
use crate::limits;
use crate::policy::Policy;
use crate::trust_root::TrustedRoot;
use crate::verify::Verification;

/// GitHub's public API.
pub const DEFAULT_API: &str = "https://api.github.com";

/// The most one page of answers may weigh.
const PAGE_LIMIT: u64 = 16 << 20;
/// The most all pages together may weigh.
const TOTAL_LIMIT: usize = limits::ATTESTATION_FILE;
/// The most pages we follow.
pub const MAX_PAGES: usize = 10;
/// The most attestations we verify for one digest.
const MAX_ATTESTATIONS: usize = limits::JSONL_LINES;
/// GitHub's media type.
const ACCEPT: &str = "application/vnd.github+json";

/// Where to ask, and the token to send there (and nowhere else).
#[derive(Clone)]
pub struct GitHubApi {
    base: Url,
    token: Option<String>,
}

impl std::fmt::Debug for GitHubApi {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitHubApi")
            .field("base", &display_url(&self.base))
            .field("token", &self.token.as_ref().map(|_| "***"))
            .finish()
    }
}

impl GitHubApi {
    /// `api` checked by [`check_url`]; `token` is sent as
    /// `Authorization: Bearer` to that URL's origin only.
    ///
    /// # Errors
    /// `UsageError` for an unusable URL.
    pub fn new(api: &str, token: Option<String>) -> Result<Self> {
        Ok(Self {
            base: check_url(api)?,
            token: token.filter(|t| !t.trim().is_empty()),
        })
    }

    /// `api`, else `$GITHUB_API_URL`, else [`DEFAULT_API`]; the token from
    /// `GH_TOKEN`, else `GITHUB_TOKEN` (as `gh` reads them).
    ///
    /// # Errors
    /// `UsageError` for an unusable URL.
    pub fn from_env(api: Option<&str>) -> Result<Self> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        let api = api
            .map(str::to_owned)
            .or_else(|| env("GITHUB_API_URL"))
            .unwrap_or_else(|| DEFAULT_API.to_owned());
        Self::new(&api, env("GH_TOKEN").or_else(|| env("GITHUB_TOKEN")))
    }

    /// The API base URL, for messages.
    #[must_use]
    pub fn base(&self) -> String {
        display_url(&self.base)
    }

    /// Whether a token is configured.
    #[must_use]
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// The token, only for a URL of the API's own origin.
    fn bearer_for(&self, url: &Url) -> Option<&str> {
        (url.origin() == self.base.origin())
            .then_some(self.token.as_deref())
            .flatten()
    }

    /// `e` with the token removed from its text, should a server echo it.
    fn scrub(&self, e: Error) -> Error {
        match &self.token {
            Some(t) if e.detail().contains(t.as_str()) => {
                let out = Error::new(e.kind(), e.step(), e.detail().replace(t.as_str(), "***"));
                match e.attestation_index() {
                    Some(i) => out.at_attestation(i),
                    None => out,
                }
            }
            _ => e,
        }
    }
}

/// Check `--github-api`: https, or http to 127.0.0.1 (tests); no
/// credentials, query or fragment.
///
/// # Errors
/// `UsageError`.
pub fn check_url(api: &str) -> Result<Url> {
    let usage = |d: String| Error::new(ErrorKind::UsageError, "online", d);
    let u = Url::parse(api).map_err(|e| usage(format!("--github-api {api:?}: {e}")))?;
    let loopback = u.scheme() == "http" && u.host_str() == Some("127.0.0.1");
    if u.scheme() != "https" && !loopback {
        return Err(usage(format!(
            "--github-api must be an https URL (http only to 127.0.0.1), not {}",
            display_url(&u)
        )));
    }
    if !u.username().is_empty()
        || u.password().is_some()
        || u.query().is_some()
        || u.fragment().is_some()
        || u.cannot_be_a_base()
    {
        return Err(usage(
            "--github-api takes no credentials, query or fragment (the token comes from \
             GH_TOKEN or GITHUB_TOKEN)"
                .into(),
        ));
    }
    Ok(u)
}

/// `OWNER/REPO` with GitHub's name characters.
///
/// # Errors
/// `UsageError`.
pub fn check_repository(s: &str) -> Result<(&str, &str)> {
    let valid = |n: &str| {
        !n.is_empty()
            && n != "."
            && n != ".."
            && n.len() <= 100
            && n.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    s.split_once('/')
        .filter(|(o, r)| valid(o) && valid(r))
        .ok_or_else(|| {
            Error::new(
                ErrorKind::UsageError,
                "online",
                format!("{s:?} is not OWNER/REPO"),
            )
        })
}

/// The first URL of the attestation list of `digest` in `repository`.
fn list_url(api: &GitHubApi, owner: &str, repo: &str, digest: &[u8; 32]) -> Url {
    let mut u = api.base.clone();
    if let Ok(mut segs) = u.path_segments_mut() {
        segs.pop_if_empty().extend([
            "repos",
            owner,
            repo,
            "attestations",
            &format!("sha256:{}", hex(digest)),
        ]);
    }
    u.set_query(Some("per_page=100"));
    u
}

/// The `rel="next"` target of a `Link` header (RFC 8288), if any.
fn next_link(header: &str) -> Option<&str> {
    let mut rest = header;
    loop {
        let open = rest.find('<')?;
        let after = rest.get(open + 1..)?;
        let close = after.find('>')?;
        let target = after.get(..close)?;
        let params_and_more = after.get(close + 1..)?;
        // the parameters run to the next link (a `,` followed by `<`)
        let end = params_and_more.find('<').unwrap_or(params_and_more.len());
        // without the `,` that separates it from the next link
        let params = params_and_more.get(..end)?.trim().trim_end_matches(',');
        let is_next = params.split(';').any(|p| {
            let Some((k, v)) = p.split_once('=') else {
                return false;
            };
            k.trim().eq_ignore_ascii_case("rel")
                && v.trim()
                    .trim_matches('"')
                    .split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("next"))
        });
        if is_next {
            return Some(target);
        }
        rest = params_and_more.get(end..)?;
    }
}

/// GitHub's `message` of an error answer, short and quoted.
fn message(body: &[u8]) -> String {
    let text = serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|v| v.get("message").and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default();
    let short: String = text.chars().take(200).collect();
    if short.is_empty() {
        String::new()
    } else {
        format!(": {short:?}")
    }
}

/// Whether an answer says the rate limit was reached.
fn rate_limited(a: &ApiAnswer) -> bool {
    a.status == 429
        || (a.status == 403
            && (a.headers.ratelimit_remaining.as_deref().map(str::trim) == Some("0")
                || a.headers.retry_after.is_some()))
}

fn rate_limit_error(api: &GitHubApi, a: &ApiAnswer, url: &str) -> Error {
    let mut when = Vec::new();
    if let Some(r) = &a.headers.retry_after {
        when.push(format!("retry after {} s", r.trim()));
    }
    if let Some(reset) = a
        .headers
        .ratelimit_reset
        .as_deref()
        .and_then(|r| r.trim().parse::<i64>().ok())
        .and_then(|s| jiff::Timestamp::from_second(s).ok())
    {
        when.push(format!(
            "the limit resets at {}",
            reset.strftime("%Y-%m-%dT%H:%M:%SZ")
        ));
    }
    let when = if when.is_empty() {
        String::new()
    } else {
        format!("; {}", when.join(", "))
    };
    let hint = if api.has_token() {
        "the token's limit is used up: wait, or use another token"
    } else {
        "set GH_TOKEN (or GITHUB_TOKEN) to a GitHub token for a higher limit"
    };
    net(format!(
        "GitHub API rate limit reached (HTTP {} from {url}{when}): {hint}",
        a.status
    ))
}

/// Every attestation GitHub lists for `digest` in `repository`: the bundle
/// of each (`Value::Null` when one has no inline bundle), following
/// `Link: rel="next"` on the API's own origin for at most [`MAX_PAGES`]
/// pages and [`TOTAL_LIMIT`] bytes.
///
/// # Errors
/// `NoAttestations` (404, or an empty list); `NetworkError` for a rate
/// limit (with a hint), another status, a redirect, a next page on another
/// origin, too many pages or bytes, or an answer that is not GitHub's
/// attestation list; `UsageError` for a malformed repository.
pub fn fetch(
    http: &Http,
    api: &GitHubApi,
    repository: &str,
    digest: &[u8; 32],
) -> Result<Vec<Value>> {
    fetch_inner(http, api, repository, digest).map_err(|e| api.scrub(e))
}

fn fetch_inner(
    http: &Http,
    api: &GitHubApi,
    repository: &str,
    digest: &[u8; 32],
) -> Result<Vec<Value>> {
    let (owner, repo) = check_repository(repository)?;
    let mut url = list_url(api, owner, repo, digest);
    let mut bundles = Vec::new();
    let mut total = 0usize;
    for page in 1..=MAX_PAGES {
        let shown = display_url(&url);
        let answer = http.api_get(url.as_str(), ACCEPT, api.bearer_for(&url), PAGE_LIMIT)?;
        match answer.status {
            200 => {}
            404 if page == 1 => {
                return Err(Error::new(
                    ErrorKind::NoAttestations,
                    "7.7.3",
                    format!(
                        "GitHub has no attestation for sha256:{} in {repository} \
                         (GET {shown}: HTTP 404{}); a private repository needs GH_TOKEN",
                        hex(digest),
                        message(&answer.body)
                    ),
                ))
            }
            _ if rate_limited(&answer) => return Err(rate_limit_error(api, &answer, &shown)),
            401 => {
                return Err(net(format!(
                    "GET {shown}: HTTP 401{}: GitHub refused the token in GH_TOKEN/GITHUB_TOKEN",
                    message(&answer.body)
                )))
            }
            s => {
                return Err(net(format!(
                    "GET {shown}: HTTP {s}{}",
                    message(&answer.body)
                )))
            }
        }
        total = total.saturating_add(answer.body.len());
        if total > TOTAL_LIMIT {
            return Err(net(format!(
                "GitHub's attestations for sha256:{} exceed {TOTAL_LIMIT} bytes",
                hex(digest)
            )));
        }
        let not_list = |why: &str| {
            net(format!(
                "GitHub at {} answered something that is not an attestation list ({why})",
                api.base()
            ))
        };
        let doc = crate::json::parse(&answer.body, PAGE_LIMIT as usize, "GitHub answer")
            .map_err(|e| not_list(e.detail()))?;
        let list = doc
            .get("attestations")
            .and_then(Value::as_array)
            .ok_or_else(|| not_list("no attestations array"))?;
        for a in list {
            let obj = a
                .as_object()
                .ok_or_else(|| not_list("an attestation is not an object"))?;
            let bundle = match obj.get("bundle") {
                None | Some(Value::Null) => Value::Null,
                Some(b @ Value::Object(_)) => b.clone(),
                Some(_) => return Err(not_list("a bundle is not an object")),
            };
            if bundles.len() == MAX_ATTESTATIONS {
                return Err(net(format!(
                    "GitHub lists more than {MAX_ATTESTATIONS} attestations for sha256:{}",
                    hex(digest)
                )));
            }
            bundles.push(bundle);
        }
        let Some(next) = answer.headers.link.as_deref().and_then(next_link) else {
            if bundles.is_empty() {
                return Err(Error::new(
                    ErrorKind::NoAttestations,
                    "7.7.3",
                    format!(
                        "GitHub lists no attestation for sha256:{} in {repository}",
                        hex(digest)
                    ),
                ));
            }
            return Ok(bundles);
        };
        let next = url
            .join(next)
            .map_err(|e| not_list(&format!("a bad next-page link: {e}")))?;
        if next.origin() != api.base.origin() {
            return Err(net(format!(
                "GitHub's next page is on another origin ({}); refused",
                display_url(&next)
            )));
        }
        url = next;
    }
    Err(net(format!(
        "GitHub's attestations for sha256:{} run over more than {MAX_PAGES} pages",
        hex(digest)
    )))
}

/// How telling a failure is: a bundle about another digest, or with no
/// inline bundle, says less than one that was about this file and failed.
fn specificity(kind: ErrorKind) -> u8 {
    match kind {
        ErrorKind::DigestMismatch => 0,
        ErrorKind::OnlineLookupRequired => 1,
        _ => 2,
    }
}

/// Verify each of `bundles` (GitHub attestation bundles) for the artifact
/// `name` with `digest` against `policy`: the first that verifies wins;
/// if none does, the most specific failure (the first bundle about this
/// digest that failed, else the first failure).
///
/// # Errors
/// The chosen failure's kind, `at_attestation` its index;
/// `NoAttestations` when `bundles` is empty.
pub fn verify_bundles(
    name: &str,
    digest: &[u8; 32],
    bundles: &[Value],
    policy: &Policy,
    trust: &TrustedRoot,
) -> Result<Verification> {
    let mut best: Option<Error> = None;
    for (i, b) in bundles.iter().enumerate() {
        // One attestation at a time, in the API's own shape: the same
        // checks as `verify --attestation` on a saved answer.
        let doc = json!({"attestations": [{"bundle": b}]}).to_string();
        match crate::wheel::verify_attestation(name, digest, doc.as_bytes(), policy, trust) {
            Ok(v) => return Ok(v),
            Err(e) => {
                let e = Error::new(e.kind(), e.step(), e.detail()).at_attestation(i);
                if best
                    .as_ref()
                    .is_none_or(|b| specificity(e.kind()) > specificity(b.kind()))
                {
                    best = Some(e);
                }
            }
        }
    }
    Err(best.unwrap_or_else(|| {
        Error::new(
            ErrorKind::NoAttestations,
            "7.7.3",
            "GitHub returned no attestation",
        )
    }))
}

/// [`verify_bundles`], but every bundle that verifies: `(index, result)`,
/// for comparing them (verify-release). None verifies: the error
/// [`verify_bundles`] would give.
///
/// # Errors
/// As [`verify_bundles`].
pub fn verify_all(
    name: &str,
    digest: &[u8; 32],
    bundles: &[Value],
    policy: &Policy,
    trust: &TrustedRoot,
) -> Result<Vec<(usize, Verification)>> {
    let mut ok = Vec::new();
    let mut first_error = None;
    for (i, b) in bundles.iter().enumerate() {
        match verify_bundles(name, digest, std::slice::from_ref(b), policy, trust) {
            Ok(v) => ok.push((i, v)),
            Err(e) => {
                let e = Error::new(e.kind(), e.step(), e.detail()).at_attestation(i);
                if first_error
                    .as_ref()
                    .is_none_or(|f: &Error| specificity(e.kind()) > specificity(f.kind()))
                {
                    first_error = Some(e);
                }
            }
        }
    }
    if ok.is_empty() {
        return Err(first_error.unwrap_or_else(|| {
            Error::new(
                ErrorKind::NoAttestations,
                "7.7.3",
                "GitHub returned no attestation",
            )
        }));
    }
    Ok(ok)
}

/// Fetch GitHub's attestations for `digest` in `repository` and verify
/// them ([`fetch`], then [`verify_bundles`]).
///
/// # Errors
/// As [`fetch`] and [`verify_bundles`].
pub fn verify_digest(
    http: &Http,
    api: &GitHubApi,
    repository: &str,
    name: &str,
    digest: &[u8; 32],
    policy: &Policy,
    trust: &TrustedRoot,
) -> Result<Verification> {
    let bundles = fetch(http, api, repository, digest)?;
    verify_bundles(name, digest, &bundles, policy, trust).map_err(|e| api.scrub(e))
}

/// `verify_wheel` by GitHub's attestation API: the artifact's digest (read,
/// or `digest` when given) is looked up in `repository` at `api` (default
/// `$GITHUB_API_URL`, else GitHub), with the token of `GH_TOKEN` or
/// `GITHUB_TOKEN`.
///
/// # Errors
/// As [`verify_digest`], plus the artifact's read error.
pub fn verify_wheel(
    artifact: &Path,
    digest: Option<&[u8; 32]>,
    policy: &Policy,
    root: &TrustedRoot,
    repository: &str,
    api: Option<&str>,
) -> Result<Verification> {
    check_repository(repository)?;
    let api = GitHubApi::from_env(api)?;
    let digest = match digest {
        Some(d) => *d,
        None => crate::io::sha256_file(artifact)?,
    };
    let name = artifact
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let http = Http::new(super::HttpConfig::default())?;
    verify_digest(&http, &api, repository, &name, &digest, policy, root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_links() {
        let h = r#"<https://api.github.com/x?page=2>; rel="next", <https://api.github.com/x?page=5>; rel="last""#;
        assert_eq!(next_link(h), Some("https://api.github.com/x?page=2"));
        let h = r#"<https://a/x?page=1>; rel="prev", <https://a/x?page=3>; rel="next""#;
        assert_eq!(next_link(h), Some("https://a/x?page=3"));
        assert_eq!(next_link(r#"<https://a/x?page=1>; rel="prev""#), None);
        assert_eq!(
            next_link("<https://a/x?a=1,2>; rel=next"),
            Some("https://a/x?a=1,2")
        );
        assert_eq!(
            next_link(r#"<https://a/y>; rel="prev next""#),
            Some("https://a/y")
        );
        for bad in ["", "<", "<https://a", "rel=next", ">; rel=next <"] {
            assert_eq!(next_link(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn api_urls_are_checked() {
        assert!(check_url("https://api.github.com").is_ok());
        assert!(check_url("https://ghe.example/api/v3").is_ok());
        assert!(check_url("http://127.0.0.1:8080/api").is_ok());
        for bad in [
            "http://api.github.com",
            "http://localhost:1/",
            "https://u:p@api.github.com",
            "https://api.github.com/?x=1",
            "https://api.github.com/#f",
            "file:///etc",
            "not a url",
        ] {
            assert_eq!(
                check_url(bad).map(|_| ()).map_err(|e| e.kind()),
                Err(ErrorKind::UsageError),
                "{bad}"
            );
        }
    }

    #[test]
    fn repositories_are_checked() {
        assert_eq!(check_repository("o/r").ok(), Some(("o", "r")));
        for bad in [
            "", "o", "o/", "/r", "o/r/x", "o/..", "o/r?x", "o/r#", "o /r",
        ] {
            assert_eq!(
                check_repository(bad).map(|_| ()).map_err(|e| e.kind()),
                Err(ErrorKind::UsageError),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_token_goes_to_the_api_origin_only() {
        let api = GitHubApi::new("https://api.github.com/", Some("tok".into()))
            .unwrap_or_else(|e| unreachable!("{e}"));
        let at = |u: &str| Url::parse(u).map(|u| api.bearer_for(&u).is_some()).ok();
        assert_eq!(at("https://api.github.com/repos/o/r"), Some(true));
        assert_eq!(at("https://api.github.com:444/repos/o/r"), Some(false));
        assert_eq!(at("http://api.github.com/repos/o/r"), Some(false));
        assert_eq!(at("https://evil.example/repos/o/r"), Some(false));
        assert_eq!(at("https://api.github.com.evil.example/"), Some(false));
        assert!(!format!("{api:?}").contains("tok\""));
        let none = GitHubApi::new("https://api.github.com/", Some("  ".into()))
            .unwrap_or_else(|e| unreachable!("{e}"));
        assert!(!none.has_token());
    }

    #[test]
    fn list_urls_name_the_digest() {
        let api = GitHubApi::new("https://ghe.example/api/v3", None)
            .unwrap_or_else(|e| unreachable!("{e}"));
        let u = list_url(&api, "o", "r", &[0xab; 32]);
        assert_eq!(
            u.as_str(),
            format!(
                "https://ghe.example/api/v3/repos/o/r/attestations/sha256:{}?per_page=100",
                "ab".repeat(32)
            )
        );
    }
}
