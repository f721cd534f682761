// SPDX-License-Identifier: Apache-2.0
//! Issue 12: the TUF refresh against a loopback server serving the real
//! Sigstore production TUF snapshot (`tests/assets/tuf/prod-2026-08-21`),
//! with a clock before its timestamp's expiry. Failures assert their kind,
//! and a failed refresh never writes what it refused into the cache.
#![cfg(feature = "online")]
#![expect(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure"
)]

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use slsa_verify::online::{tuf, Http, HttpConfig};
use slsa_verify::{trust_root, ErrorKind};

const TARGET: &str =
    "targets/6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66.trusted_root.json";

fn assets() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/assets/tuf")
}

fn snapshot_dir() -> PathBuf {
    assets().join("prod-2026-08-21")
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(snapshot_dir().join(name)).unwrap()
}

fn clock() -> jiff::Timestamp {
    "2026-08-22T00:00:00Z".parse().unwrap()
}

/// A static HTTP server on 127.0.0.1 over an in-memory file map that
/// records every path requested; files can be swapped between requests.
struct Server {
    url: String,
    files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    log: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl Server {
    fn start() -> Self {
        let mut files = HashMap::new();
        for entry in walk(&snapshot_dir()) {
            let rel = entry
                .strip_prefix(snapshot_dir())
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/");
            files.insert(rel, std::fs::read(&entry).unwrap());
        }
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let files = Arc::new(Mutex::new(files));
        let log = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (f, l, s) = (files.clone(), log.clone(), stop.clone());
        std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        stream.set_nonblocking(false).unwrap();
                        serve(stream, &f, &l);
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
        });
        Self {
            url,
            files,
            log,
            stop,
        }
    }

    fn set(&self, name: &str, bytes: Vec<u8>) {
        self.files.lock().unwrap().insert(name.to_owned(), bytes);
    }

    fn requests(&self) -> Vec<String> {
        std::mem::take(&mut *self.log.lock().unwrap())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn serve(
    stream: std::net::TcpStream,
    files: &Mutex<HashMap<String, Vec<u8>>>,
    log: &Mutex<Vec<String>>,
) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
            break;
        }
    }
    let path = line
        .split_whitespace()
        .nth(1)
        .unwrap_or("/")
        .trim_start_matches('/')
        .to_owned();
    log.lock().unwrap().push(path.clone());
    let body = files.lock().unwrap().get(&path).cloned();
    let mut out = stream;
    let _ = match body {
        Some(b) => out
            .write_all(
                format!(
                    "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n",
                    b.len()
                )
                .as_bytes(),
            )
            .and_then(|()| out.write_all(&b)),
        None => out.write_all(
            b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        ),
    };
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn http() -> Arc<Http> {
    Arc::new(
        Http::new(HttpConfig {
            timeout: Duration::from_secs(10),
            retries: 0,
            backoff: Duration::from_millis(1),
            ..HttpConfig::default()
        })
        .unwrap(),
    )
}

fn temp_dir() -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let d = std::env::temp_dir().join(format!(
        "slsa-verify-tuf-test-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

/// Every file in the cache, relative, sorted.
fn cached(base: &Path, url: &str) -> Vec<String> {
    let dir = trust_root::tuf_cache_dir(base, url);
    if !dir.exists() {
        return Vec::new();
    }
    let mut v: Vec<String> = walk(&dir)
        .iter()
        .map(|p| {
            p.strip_prefix(&dir)
                .unwrap()
                .to_string_lossy()
                .replace('\\', "/")
        })
        .collect();
    v.sort();
    v
}

fn refresh(
    s: &Server,
    base: &Path,
    now: jiff::Timestamp,
    pinned: Option<&[u8]>,
) -> slsa_verify::Result<trust_root::Trust> {
    // Root v16 as these tests' pin even after `nox -s trust-refresh` moves src/trust/.
    let v16 = std::fs::read(assets().join("root.v16.json")).unwrap();
    tuf::refresh(
        http(),
        Some(&s.url),
        Some(base),
        now,
        Some(pinned.unwrap_or(&v16)),
    )
}

fn production_sha256() -> String {
    trust_root::vendored().unwrap().status.trusted_root_sha256
}

#[test]
fn bootstrap_from_v16_takes_five_requests() {
    let s = Server::start();
    let base = temp_dir();
    let t = refresh(&s, &base, clock(), None).unwrap();
    assert_eq!(
        s.requests(),
        [
            "17.root.json",
            "timestamp.json",
            "165.snapshot.json",
            "14.targets.json",
            TARGET
        ]
    );
    let st = t.status.tuf.as_ref().unwrap();
    assert_eq!(
        (
            st.root.version,
            st.timestamp.version,
            st.snapshot.version,
            st.targets.version
        ),
        (16, 762, 165, 14)
    );
    assert_eq!(t.status.source, "cache");
    assert_eq!(t.status.trusted_root_sha256, production_sha256());
    assert_eq!(
        t.status.trusted_root_sha256,
        "6494e21ea73fa7ee769f85f57d5a3e6a08725eae1e38c755fc3517c9e6bc0b66"
    );
    assert_eq!(
        t.status.signed_at().unwrap().to_string(),
        "2026-08-21T19:25:56Z"
    );
    let files = cached(&base, &s.url);
    for f in [
        "timestamp.json",
        "snapshot.json",
        "targets.json",
        "targets/trusted_root.json",
    ] {
        assert!(files.contains(&f.to_owned()), "{f} not cached: {files:?}");
    }
}

#[test]
fn bootstrap_from_v15_takes_five_requests() {
    let s = Server::start();
    let base = temp_dir();
    let t = refresh(&s, &base, clock(), Some(&read("15.root.json"))).unwrap();
    assert_eq!(s.requests().len(), 5);
    assert_eq!(t.status.tuf.as_ref().unwrap().root.version, 15);
}

#[test]
fn forward_walk_from_an_older_root() {
    let s = Server::start();
    let base = temp_dir();
    let t = refresh(&s, &base, clock(), Some(&read("5.root.json"))).unwrap();
    let reqs = s.requests();
    let roots: Vec<String> = (6..=16).map(|v| format!("{v}.root.json")).collect();
    assert_eq!(reqs[..11], roots[..]);
    assert_eq!(reqs.len(), 15);
    assert_eq!(t.status.tuf.as_ref().unwrap().root.version, 15);
    assert!(cached(&base, &s.url).contains(&"root_history/15.root.json".to_owned()));
}

#[test]
fn warm_cache_takes_two_requests_and_works_offline() {
    let s = Server::start();
    let base = temp_dir();
    refresh(&s, &base, clock(), None).unwrap();
    s.requests();
    let t = refresh(&s, &base, clock(), None).unwrap();
    assert_eq!(s.requests(), ["17.root.json", "timestamp.json"]);
    assert_eq!(t.status.tuf.as_ref().unwrap().timestamp.version, 762);
    let url = s.url.clone();
    drop(s);
    // Offline: the cache is re-verified from the pinned root, no request.
    let cur = trust_root::current(Some(&base), Some(&url)).unwrap();
    assert_eq!(cur.status.source, "cache");
    assert!(cur.status.notes.is_empty());
    assert_eq!(cur.status.trusted_root_sha256, production_sha256());
    assert_eq!(cur.status.tuf.as_ref().unwrap().snapshot.version, 165);
}

#[test]
fn flipped_byte_in_the_target_is_refused_and_not_cached() {
    let s = Server::start();
    let base = temp_dir();
    let mut bad = read(TARGET);
    bad[100] ^= 1;
    s.set(TARGET, bad);
    let e = refresh(&s, &base, clock(), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TrustUpdateFailed, "{e}");
    assert!(e.detail().contains("hash"), "{e}");
    assert!(!cached(&base, &s.url).contains(&"targets/trusted_root.json".to_owned()));
}

#[test]
fn version_edited_timestamp_fails_its_signatures() {
    let s = Server::start();
    let base = temp_dir();
    let ts = String::from_utf8(read("timestamp.json")).unwrap();
    assert!(ts.contains("\"version\": 762"));
    s.set(
        "timestamp.json",
        ts.replace("\"version\": 762", "\"version\": 763")
            .into_bytes(),
    );
    let e = refresh(&s, &base, clock(), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TrustUpdateFailed, "{e}");
    assert!(e.detail().contains("signature"), "{e}");
    let files = cached(&base, &s.url);
    assert!(!files.contains(&"timestamp.json".to_owned()), "{files:?}");
}

#[test]
fn oversized_timestamp_is_refused() {
    let s = Server::start();
    let base = temp_dir();
    let mut ts = read("timestamp.json");
    ts.extend(std::iter::repeat_n(b' ', 17_000));
    s.set("timestamp.json", ts);
    let e = refresh(&s, &base, clock(), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InputTooLarge, "{e}");
    assert!(!cached(&base, &s.url).contains(&"timestamp.json".to_owned()));
}

#[test]
fn rollback_to_an_older_timestamp_is_refused() {
    let s = Server::start();
    let base = temp_dir();
    refresh(&s, &base, clock(), None).unwrap();
    let cache = trust_root::tuf_cache_dir(&base, &s.url);
    let before = std::fs::read(cache.join("timestamp.json")).unwrap();
    s.set(
        "timestamp.json",
        std::fs::read(assets().join("timestamp.v761.json")).unwrap(),
    );
    let e = refresh(&s, &base, clock(), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TrustUpdateFailed, "{e}");
    assert!(e.detail().contains("rollback"), "{e}");
    assert_eq!(std::fs::read(cache.join("timestamp.json")).unwrap(), before);
}

#[test]
fn expired_metadata_today_is_stale() {
    let s = Server::start();
    let base = temp_dir();
    let today: jiff::Timestamp = "2026-11-28T00:00:00Z".parse().unwrap();
    let e = refresh(&s, &base, today, None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TrustRootStale, "{e}");
    assert!(e.detail().contains("expired"), "{e}");
    assert!(!cached(&base, &s.url).contains(&"timestamp.json".to_owned()));
    // With root v15 (expired 2026-11-20) the root itself is stale.
    let e = refresh(&s, &base, today, Some(&read("15.root.json"))).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TrustRootStale, "{e}");
}

#[test]
fn corrupted_cache_falls_back_to_vendored_and_a_refresh_repairs_it() {
    let s = Server::start();
    let base = temp_dir();
    refresh(&s, &base, clock(), None).unwrap();
    s.requests();
    let cache = trust_root::tuf_cache_dir(&base, &s.url);
    let target = cache.join("targets/trusted_root.json");
    let mut bytes = std::fs::read(&target).unwrap();
    bytes[50] ^= 1;
    std::fs::write(&target, bytes).unwrap();
    let cur = trust_root::current(Some(&base), Some(&s.url)).unwrap();
    assert_eq!(cur.status.source, "vendored");
    assert!(
        cur.status.notes[0].contains("did not verify"),
        "{:?}",
        cur.status.notes
    );
    assert_eq!(
        trust_root::from_cache(&cache, &s.url).unwrap_err().kind(),
        ErrorKind::TrustUpdateFailed
    );
    // A corrupted timestamp is a cache miss for the updater, not a failure.
    std::fs::write(cache.join("timestamp.json"), b"{not json").unwrap();
    let t = refresh(&s, &base, clock(), None).unwrap();
    assert_eq!(
        s.requests(),
        [
            "17.root.json",
            "timestamp.json",
            "165.snapshot.json",
            "14.targets.json",
            TARGET
        ]
    );
    assert_eq!(t.status.trusted_root_sha256, production_sha256());
    let cur = trust_root::current(Some(&base), Some(&s.url)).unwrap();
    assert_eq!(cur.status.source, "cache");
}

#[test]
fn server_down_is_a_network_error() {
    let s = Server::start();
    let url = s.url.clone();
    drop(s);
    std::thread::sleep(Duration::from_millis(50));
    let base = temp_dir();
    let e = tuf::refresh(http(), Some(&url), Some(&base), clock(), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NetworkError, "{e}");
    // No cache: offline use is the vendored set, silently.
    let cur = trust_root::current(Some(&base), Some(&url)).unwrap();
    assert_eq!(cur.status.source, "vendored");
}

/// Issue 12, acceptance 3: the vendored TUF set re-verifies offline at its
/// own signing time from the pinned root, and the target it authorises is
/// exactly the embedded production trusted root.
#[test]
fn embedded_trusted_root_is_the_tuf_authorised_target() {
    // `vendored()` verifies src/trust/ forward from the pinned root at the
    // timestamp's signing time, with the embedded production trusted root as
    // the target whose length and sha256 targets.json must pin.
    let v = trust_root::vendored().unwrap();
    let st = v.status.tuf.as_ref().unwrap();
    assert!(st.root.version >= 16 && st.timestamp.version >= 762);
    assert_eq!(v.status.source, "vendored");
    assert_eq!(
        v.root.name(),
        slsa_verify::TrustedRoot::production().unwrap().name()
    );
    // Today's embedded root is the 2026-08-21 snapshot's target, byte for byte.
    assert_eq!(st.trusted_root, read(TARGET));
    // A vendored set whose target is another trusted root fails closed.
    let load = |name: &str| -> Option<Vec<u8>> {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/trust");
        if name == "targets/trusted_root.json" {
            let mut b = read(TARGET);
            b[10] ^= 1;
            return Some(b);
        }
        std::fs::read(src.join(name)).ok()
    };
    let e = trust_root::verify_tuf_set(trust_root::PINNED_TUF_ROOT, &load).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TrustUpdateFailed, "{e}");
}

#[test]
fn a_failed_refresh_defers_the_next_automatic_try_and_writes_nothing_into_the_cache() {
    let s = Server::start();
    let base = temp_dir();
    let mut bad = read(TARGET);
    bad[100] ^= 1;
    s.set(TARGET, bad);
    assert!(tuf::retry_wait(Some(&base), Some(&s.url)).is_none());
    let e = refresh(&s, &base, clock(), None).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::TrustUpdateFailed, "{e}");
    let wait = tuf::retry_wait(Some(&base), Some(&s.url)).unwrap();
    assert!(
        wait <= tuf::RETRY_AFTER_FAILURE && wait.as_secs() > 3000,
        "{wait:?}"
    );
    // The marker lives beside the cache folder, not in it.
    assert!(!cached(&base, &s.url).iter().any(|f| f.contains("failed")));
    // A successful refresh clears it.
    s.set(TARGET, read(TARGET));
    refresh(&s, &base, clock(), None).unwrap();
    assert!(tuf::retry_wait(Some(&base), Some(&s.url)).is_none());
}
