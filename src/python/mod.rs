// SPDX-License-Identifier: Apache-2.0
//! The only module that names pyo3 (house style, boundary rule 4): it
//! converts types, releases the GIL around core calls, and maps errors once.

use std::path::PathBuf;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::pybacked::PyBackedBytes;
use pyo3::types::PyType;

use crate::error::Error;
use crate::policy::Policy;
use crate::verify::{self, ArtifactInput, BundleSigner};

/// Raise the `slsa_verify.errors` class named like the error's kind.
fn raise(py: Python<'_>, e: &Error) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let cls = py.import("slsa_verify.errors")?.getattr(e.kind().name())?;
        let kwargs = pyo3::types::PyDict::new(py);
        kwargs.set_item("step", e.step())?;
        kwargs.set_item("attestation_index", e.attestation_index())?;
        let exc = cls.call((e.detail(),), Some(&kwargs))?;
        Ok(PyErr::from_value(exc))
    };
    build().unwrap_or_else(|err| err)
}

/// A Sigstore trusted root, parsed and validated once.
#[pyclass(name = "TrustedRoot", module = "slsa_verify._core", frozen)]
struct PyTrustedRoot {
    inner: crate::TrustedRoot,
    /// The `trust show` report of the material, when known.
    status: Option<crate::trust_root::TrustStatus>,
}

impl PyTrustedRoot {
    fn plain(inner: crate::TrustedRoot) -> Self {
        Self {
            inner,
            status: None,
        }
    }

    fn with_status(t: crate::trust_root::Trust) -> Self {
        Self {
            inner: t.root,
            status: Some(t.status),
        }
    }
}

fn now_or(now: Option<&str>) -> crate::Result<jiff::Timestamp> {
    match now {
        None => Ok(jiff::Timestamp::now()),
        Some(s) => s.parse().map_err(|e| {
            Error::new(
                crate::ErrorKind::UsageError,
                "2.6",
                format!("now must be an RFC 3339 time: {e}"),
            )
        }),
    }
}

#[pymethods]
impl PyTrustedRoot {
    /// The Sigstore public-good production root embedded in this wheel.
    #[classmethod]
    fn production(_cls: &Bound<'_, PyType>, py: Python<'_>) -> PyResult<Self> {
        crate::TrustedRoot::production()
            .map(Self::plain)
            .map_err(|e| raise(py, &e))
    }

    /// The Sigstore public-good staging root embedded in this wheel.
    #[classmethod]
    fn staging(_cls: &Bound<'_, PyType>, py: Python<'_>) -> PyResult<Self> {
        crate::TrustedRoot::staging()
            .map(Self::plain)
            .map_err(|e| raise(py, &e))
    }

    /// Load a `trusted_root.json` file.
    #[classmethod]
    fn from_file(_cls: &Bound<'_, PyType>, py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        py.detach(|| crate::TrustedRoot::from_file(&path))
            .map(Self::plain)
            .map_err(|e| raise(py, &e))
    }

    /// Parse a `trusted_root.json` document.
    #[classmethod]
    fn from_json(_cls: &Bound<'_, PyType>, py: Python<'_>, data: Vec<u8>) -> PyResult<Self> {
        py.detach(|| crate::TrustedRoot::from_json(&data, "<bytes>"))
            .map(Self::plain)
            .map_err(|e| raise(py, &e))
    }

    /// The freshest verified trust on disk: the TUF cache (re-verified from
    /// the pinned root) when it is not older than the vendored set, else the
    /// vendored set. `max_age_days` turns older material into `TrustRootStale`.
    #[classmethod]
    #[pyo3(signature = (cache_dir=None, tuf_url=None, max_age_days=None))]
    fn current(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        cache_dir: Option<PathBuf>,
        tuf_url: Option<String>,
        max_age_days: Option<u32>,
    ) -> PyResult<Self> {
        py.detach(|| {
            let t = crate::trust_root::current(cache_dir.as_deref(), tuf_url.as_deref())?;
            t.status.check_age(jiff::Timestamp::now(), max_age_days)?;
            Ok(t)
        })
        .map(Self::with_status)
        .map_err(|e| raise(py, &e))
    }

    /// A `trusted_root.json` file, with its `trust show` status (source `file`).
    #[classmethod]
    fn from_file_with_status(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        path: PathBuf,
    ) -> PyResult<Self> {
        py.detach(|| crate::trust_root::from_file_with_status(&path))
            .map(Self::with_status)
            .map_err(|e| raise(py, &e))
    }

    /// The `trust show` report as JSON (ages measured now), or None.
    #[pyo3(signature = (now=None))]
    fn status_json(&self, py: Python<'_>, now: Option<String>) -> PyResult<Option<String>> {
        let now = now_or(now.as_deref()).map_err(|e| raise(py, &e))?;
        Ok(self.status.as_ref().map(|s| s.to_json(now).to_string()))
    }

    /// The `trusted_root.json` bytes of a root that carries a status.
    fn export_json(&self, py: Python<'_>) -> PyResult<Option<Vec<u8>>> {
        let Some(st) = &self.status else {
            return Ok(None);
        };
        let bytes = match &st.tuf {
            Some(t) => t.trusted_root.clone(),
            None => crate::io::read_limited(
                std::path::Path::new(&st.location),
                crate::limits::TRUST_ROOT,
                "trusted root",
            )
            .map_err(|e| raise(py, &e))?,
        };
        Ok(Some(bytes))
    }

    /// Where this root came from.
    #[getter]
    fn name(&self) -> String {
        self.inner.name().to_owned()
    }

    fn __repr__(&self) -> String {
        format!("TrustedRoot({:?})", self.inner.name())
    }
}

/// An attestation given as content (`bytes`) or as a path (`str`/`PathLike`).
enum Source {
    Bytes(PyBackedBytes),
    Path(PathBuf),
}

impl<'a, 'py> FromPyObject<'a, 'py> for Source {
    type Error = PyErr;

    fn extract(ob: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(b) = ob.extract::<PyBackedBytes>() {
            return Ok(Self::Bytes(b));
        }
        Ok(Self::Path(ob.extract::<PathBuf>()?))
    }
}

impl Source {
    /// The content, reading a path with the core's size limit.
    fn load(&self) -> crate::Result<std::borrow::Cow<'_, [u8]>> {
        match self {
            Self::Bytes(b) => Ok(std::borrow::Cow::Borrowed(b.as_ref())),
            Self::Path(p) => {
                crate::io::read_limited(p, crate::limits::ATTESTATION_FILE, "attestation")
                    .map(std::borrow::Cow::Owned)
            }
        }
    }
}

fn root_or_default(py: Python<'_>, root: Option<&PyTrustedRoot>) -> PyResult<crate::TrustedRoot> {
    match root {
        Some(r) => Ok(r.inner.clone()),
        // The freshest verified trust on disk (TUF cache or vendored set).
        None => py
            .detach(|| crate::trust_root::current(None, None))
            .map(|t| t.root)
            .map_err(|e| raise(py, &e)),
    }
}

fn to_json(v: &verify::Verification) -> PyResult<String> {
    serde_json::to_string(v).map_err(|e| PyRuntimeError::new_err(e.to_string()))
}

/// Verify a Sigstore bundle; returns the result as JSON text.
#[pyfunction]
#[pyo3(signature = (bundle, *, artifact=None, digest=None, policy=None, key=None, trusted_root=None))]
fn verify_bundle(
    py: Python<'_>,
    bundle: Source,
    artifact: Option<PathBuf>,
    digest: Option<String>,
    policy: Option<String>,
    key: Option<String>,
    trusted_root: Option<PyRef<'_, PyTrustedRoot>>,
) -> PyResult<String> {
    let root = root_or_default(py, trusted_root.as_deref())?;
    let result = py.detach(|| {
        let signer = match (policy, key) {
            (Some(p), None) => BundleSigner::Policy(Policy::from_json(&p)?),
            (None, Some(k)) => BundleSigner::Key(k),
            _ => {
                return Err(Error::new(
                    crate::ErrorKind::UsageError,
                    "7.3",
                    "give exactly one of policy and key",
                ))
            }
        };
        let input = match (&artifact, &digest) {
            (Some(path), None) => ArtifactInput::Path(path),
            (None, Some(d)) => ArtifactInput::Digest(crate::io::parse_digest_arg(d)?),
            _ => {
                return Err(Error::new(
                    crate::ErrorKind::UsageError,
                    "1.1",
                    "give exactly one of artifact and digest",
                ))
            }
        };
        verify::verify_bundle(&input, &bundle.load()?, &signer, &root)
    });
    match result {
        Ok(v) => to_json(&v),
        Err(e) => Err(raise(py, &e)),
    }
}

fn known_digest(sha256: Option<&str>) -> crate::Result<Option<[u8; 32]>> {
    sha256
        .map(|d| {
            crate::io::parse_digest_arg(&format!("sha256:{}", d.trim_start_matches("sha256:")))
        })
        .transpose()
}

/// Verify a wheel, sdist or any file against its attestation (or sidecar).
#[pyfunction]
#[pyo3(signature = (artifact, attestation=None, *, policy, trusted_root=None, sha256=None, rekor_url=None, github_repository=None, github_api=None))]
#[allow(clippy::too_many_arguments)]
fn verify_wheel(
    py: Python<'_>,
    artifact: PathBuf,
    attestation: Option<Source>,
    policy: String,
    trusted_root: Option<PyRef<'_, PyTrustedRoot>>,
    sha256: Option<String>,
    rekor_url: Option<String>,
    github_repository: Option<String>,
    github_api: Option<String>,
) -> PyResult<String> {
    let root = root_or_default(py, trusted_root.as_deref())?;
    let result = py.detach(|| {
        let policy = Policy::from_json(&policy)?;
        let digest = known_digest(sha256.as_deref())?;
        if let Some(repo) = github_repository {
            if attestation.is_some() || rekor_url.is_some() {
                return Err(Error::new(
                    crate::ErrorKind::UsageError,
                    "online",
                    "github_repository looks attestations up by digest: give no attestation \
                     and no rekor look-up with it",
                ));
            }
            return verify_wheel_github(
                &artifact,
                digest.as_ref(),
                &policy,
                &root,
                &repo,
                github_api.as_deref(),
            );
        }
        if github_api.is_some() {
            return Err(Error::new(
                crate::ErrorKind::UsageError,
                "online",
                "github_api needs github_repository",
            ));
        }
        let data = attestation.as_ref().map(Source::load).transpose()?;
        let provenance = match &attestation {
            Some(Source::Path(p)) => Some(p.as_path()),
            _ => None,
        };
        match rekor_url {
            None => crate::wheel::verify_wheel_with(
                &artifact,
                digest.as_ref(),
                data.as_deref(),
                provenance,
                &policy,
                &root,
                None,
            ),
            Some(url) => verify_wheel_rekor(
                &artifact,
                digest.as_ref(),
                data.as_deref(),
                provenance,
                &policy,
                &root,
                &url,
            ),
        }
    });
    match result {
        Ok(v) => to_json(&v),
        Err(e) => Err(raise(py, &e)),
    }
}

/// [`verify_wheel`] with the §4.9 Rekor look-up for legacy envelope lines.
#[cfg(feature = "online")]
fn verify_wheel_rekor(
    artifact: &std::path::Path,
    digest: Option<&[u8; 32]>,
    data: Option<&[u8]>,
    provenance: Option<&std::path::Path>,
    policy: &Policy,
    root: &crate::TrustedRoot,
    rekor_url: &str,
) -> crate::Result<crate::Verification> {
    crate::online::rekor::verify_wheel(artifact, digest, data, provenance, policy, root, rekor_url)
}

#[cfg(not(feature = "online"))]
fn verify_wheel_rekor(
    _artifact: &std::path::Path,
    _digest: Option<&[u8; 32]>,
    _data: Option<&[u8]>,
    _provenance: Option<&std::path::Path>,
    _policy: &Policy,
    _root: &crate::TrustedRoot,
    _rekor_url: &str,
) -> crate::Result<crate::Verification> {
    Err(crate::Error::new(
        crate::ErrorKind::UsageError,
        "4.9.3",
        "this build has no network support (feature `online`)",
    ))
}

/// [`verify_wheel`] by GitHub's attestation API (issue 13).
#[cfg(feature = "online")]
fn verify_wheel_github(
    artifact: &std::path::Path,
    digest: Option<&[u8; 32]>,
    policy: &Policy,
    root: &crate::TrustedRoot,
    repository: &str,
    api: Option<&str>,
) -> crate::Result<crate::Verification> {
    crate::online::github::verify_wheel(artifact, digest, policy, root, repository, api)
}

#[cfg(not(feature = "online"))]
fn verify_wheel_github(
    _artifact: &std::path::Path,
    _digest: Option<&[u8; 32]>,
    _policy: &Policy,
    _root: &crate::TrustedRoot,
    _repository: &str,
    _api: Option<&str>,
) -> crate::Result<crate::Verification> {
    Err(crate::Error::new(
        crate::ErrorKind::UsageError,
        "online",
        "this build has no network support (feature `online`)",
    ))
}

/// Check that a verified wheel's `METADATA` equals the metadata pip resolved
/// with (`metadata`: one `pip install --report` item's `metadata`, as JSON).
#[pyfunction]
fn check_metadata(py: Python<'_>, wheel: PathBuf, metadata: String) -> PyResult<()> {
    py.detach(|| crate::installed::check_metadata(&wheel, &metadata))
        .map_err(|e| raise(py, &e))
}

/// Check every file pip installed verbatim from a verified wheel against the
/// wheel's bytes; returns how many files were checked.
#[pyfunction]
fn check_installed(
    py: Python<'_>,
    wheel: PathBuf,
    purelib: PathBuf,
    platlib: PathBuf,
) -> PyResult<usize> {
    py.detach(|| crate::installed::check_installed(&wheel, &purelib, &platlib))
        .map_err(|e| raise(py, &e))
}

/// Verify many `(artifact, sha256, attestation, policy)` items in parallel;
/// one JSON text or one exception object per item, in order.
#[pyfunction]
#[pyo3(signature = (items, *, jobs=0, trusted_root=None))]
fn verify_many(
    py: Python<'_>,
    items: Vec<(PathBuf, Option<String>, Option<Source>, String)>,
    jobs: usize,
    trusted_root: Option<PyRef<'_, PyTrustedRoot>>,
) -> PyResult<Vec<Py<PyAny>>> {
    let root = root_or_default(py, trusted_root.as_deref())?;
    let results = py.detach(|| {
        let mut parsed = Vec::with_capacity(items.len());
        let mut early: Vec<Option<Error>> = Vec::with_capacity(items.len());
        for (path, sha256, attestation, policy) in items {
            let item = Policy::from_json(&policy).and_then(|policy| {
                Ok(crate::wheel::Item {
                    digest: known_digest(sha256.as_deref())?,
                    path,
                    attestation: attestation.map(|a| match a {
                        Source::Bytes(b) => crate::wheel::Attestation::Bytes(b.to_vec()),
                        Source::Path(p) => crate::wheel::Attestation::Path(p),
                    }),
                    policy,
                })
            });
            match item {
                Ok(item) => {
                    parsed.push(item);
                    early.push(None);
                }
                Err(e) => early.push(Some(e)),
            }
        }
        let mut verified = crate::wheel::verify_many(&parsed, jobs, &root).into_iter();
        early
            .into_iter()
            .map(|e| match e {
                Some(e) => Err(e),
                None => verified.next().unwrap_or_else(|| {
                    Err(Error::new(
                        crate::ErrorKind::UsageError,
                        "0.6",
                        "missing result",
                    ))
                }),
            })
            .collect::<Vec<_>>()
    });
    results
        .into_iter()
        .map(|r| match r {
            Ok(v) => Ok(pyo3::types::PyString::new(py, &to_json(&v)?)
                .into_any()
                .unbind()),
            Err(e) => Ok(raise(py, &e).into_value(py).into_any()),
        })
        .collect()
}

/// Verify-then-install's network half: one configured client and policy,
/// used for every file of a resolution.
#[cfg(feature = "online")]
#[pyclass(name = "Fetcher", module = "slsa_verify._core", frozen)]
struct PyFetcher {
    inner: std::sync::Arc<FetcherState>,
}

/// A download's latest (bytes so far, announced length), not yet shown.
#[cfg(feature = "online")]
type LatestProgress = std::sync::Mutex<Option<(u64, Option<u64>)>>;

#[cfg(feature = "online")]
struct FetcherState {
    http: crate::online::Http,
    policy: crate::online::InstallPolicy,
    root: crate::TrustedRoot,
    dir: PathBuf,
}

#[cfg(feature = "online")]
#[pymethods]
impl PyFetcher {
    #[new]
    #[pyo3(signature = (*, directory, indexes, policy=None, allow_unattested=Vec::new(), timeout=15.0, retries=3, cert=None, proxy=None, trusted_root=None, lock=None, github_repository=None, github_api=None))]
    #[expect(
        clippy::too_many_arguments,
        reason = "keyword-only constructor mirroring the CLI"
    )]
    fn new(
        py: Python<'_>,
        directory: PathBuf,
        indexes: Vec<String>,
        policy: Option<String>,
        allow_unattested: Vec<String>,
        timeout: f64,
        retries: u32,
        cert: Option<PathBuf>,
        proxy: Option<String>,
        trusted_root: Option<PyRef<'_, PyTrustedRoot>>,
        lock: Option<Vec<u8>>,
        github_repository: Option<String>,
        github_api: Option<String>,
    ) -> PyResult<Self> {
        let root = root_or_default(py, trusted_root.as_deref())?;
        let built = (|| {
            let explicit = policy.as_deref().map(Policy::from_json).transpose()?;
            let http = make_http(timeout, retries, cert.as_deref(), proxy)?;
            let lock = lock
                .as_deref()
                .map(crate::lock::LockFile::parse)
                .transpose()?;
            let github = match github_repository {
                Some(repo) => {
                    crate::online::github::check_repository(&repo)?;
                    let api = crate::online::github::GitHubApi::from_env(github_api.as_deref())?;
                    Some((api, repo))
                }
                None => None,
            };
            Ok((http, explicit, lock, github))
        })();
        let (http, explicit, lock, github) = built.map_err(|e| raise(py, &e))?;
        Ok(Self {
            inner: std::sync::Arc::new(FetcherState {
                http,
                policy: crate::online::InstallPolicy {
                    explicit,
                    allow_unattested,
                    indexes,
                    lock,
                    github,
                },
                root,
                dir: directory,
            }),
        })
    }

    /// Fetch, download and verify one file; returns the outcome as JSON.
    ///
    /// The work runs on its own thread while this one waits without the GIL
    /// and checks for signals, so Ctrl-C interrupts at once (the abandoned
    /// thread ends at its next timeout, in a directory the caller removes).
    /// `progress(done, total)` is called from this thread, with the GIL, as
    /// the download goes (`total` is None when the server sent no length);
    /// the worker only leaves its latest count behind, so it never touches
    /// Python, and an exception the callable raises ends the fetch as Ctrl-C
    /// does.
    #[pyo3(signature = (project, version, url, sha256, requested, progress=None))]
    #[expect(
        clippy::too_many_arguments,
        reason = "the file's identity plus the optional callback"
    )]
    fn fetch(
        &self,
        py: Python<'_>,
        project: String,
        version: String,
        url: String,
        sha256: String,
        requested: bool,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<String> {
        let req = crate::online::FileRequest {
            project,
            version,
            url,
            sha256: sha256.to_ascii_lowercase(),
            requested,
        };
        let state = std::sync::Arc::clone(&self.inner);
        let latest: std::sync::Arc<LatestProgress> = std::sync::Arc::default();
        let wants_progress = progress.is_some();
        let seen = std::sync::Arc::clone(&latest);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let s = &*state;
            let report = move |done: u64, total: Option<u64>| {
                if let Ok(mut slot) = seen.lock() {
                    *slot = Some((done, total));
                }
            };
            let _ = tx.send(crate::online::fetch_and_verify_with_progress(
                &s.http,
                &req,
                &s.policy,
                &s.root,
                &s.dir,
                wants_progress.then_some(&report as &dyn Fn(u64, Option<u64>)),
            ));
        });
        let tell = |py: Python<'_>| -> PyResult<()> {
            let news = latest.lock().ok().and_then(|mut slot| slot.take());
            match (&progress, news) {
                (Some(cb), Some(args)) => cb.call1(py, args).map(drop),
                _ => Ok(()),
            }
        };
        let mut rx = rx;
        let result = loop {
            let tick = std::time::Duration::from_millis(100);
            // The receiver is Send but not Sync: move it across and back.
            let (got, back) = py.detach(move || (rx.recv_timeout(tick), rx));
            rx = back;
            match got {
                Ok(r) => break r,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    py.check_signals()?;
                    tell(py)?;
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(PyRuntimeError::new_err("the fetch thread stopped"))
                }
            }
        };
        if result.is_ok() {
            tell(py)?;
        }
        match result {
            Ok(o) => serde_json::to_string(&o).map_err(|e| PyRuntimeError::new_err(e.to_string())),
            Err(e) => Err(raise(py, &e)),
        }
    }
}

#[cfg(feature = "online")]
fn make_http(
    timeout: f64,
    retries: u32,
    cert: Option<&std::path::Path>,
    proxy: Option<String>,
) -> crate::Result<crate::online::Http> {
    let cert_pem = cert
        .map(|p| crate::io::read_limited(p, crate::limits::TRUST_ROOT, "certificate bundle"))
        .transpose()?;
    if retries > 10 {
        return Err(Error::new(
            crate::ErrorKind::UsageError,
            "online",
            "retries must be between 0 and 10",
        ));
    }
    if !(timeout.is_finite() && timeout > 0.0 && timeout <= 3600.0) {
        return Err(Error::new(
            crate::ErrorKind::UsageError,
            "online",
            "timeout must be between 0 and 3600 seconds",
        ));
    }
    crate::online::Http::new(crate::online::HttpConfig {
        timeout: std::time::Duration::from_secs_f64(timeout),
        retries,
        cert_pem,
        proxy,
        ..crate::online::HttpConfig::default()
    })
}

/// `pip-verify serve`: the verifying index's decisions (pages, files, metadata).
#[cfg(feature = "online")]
#[pyclass(name = "Server", module = "slsa_verify._core", frozen)]
struct PyServer {
    inner: std::sync::Arc<crate::online::serve::Server>,
    cache: PathBuf,
}

#[cfg(feature = "online")]
#[pymethods]
impl PyServer {
    #[new]
    #[pyo3(signature = (*, upstreams, policy=None, allow_unattested=Vec::new(), allow_sdist=false, cache_dir=None, timeout=15.0, retries=3, cert=None, proxy=None, trusted_root=None, lock=None))]
    #[expect(
        clippy::too_many_arguments,
        reason = "keyword-only constructor mirroring the CLI"
    )]
    fn new(
        py: Python<'_>,
        upstreams: Vec<String>,
        policy: Option<String>,
        allow_unattested: Vec<String>,
        allow_sdist: bool,
        cache_dir: Option<PathBuf>,
        timeout: f64,
        retries: u32,
        cert: Option<PathBuf>,
        proxy: Option<String>,
        trusted_root: Option<PyRef<'_, PyTrustedRoot>>,
        lock: Option<Vec<u8>>,
    ) -> PyResult<Self> {
        let root = root_or_default(py, trusted_root.as_deref())?;
        let built = (|| {
            let explicit = policy.as_deref().map(Policy::from_json).transpose()?;
            if explicit.is_some() && lock.is_some() {
                return Err(Error::new(
                    crate::ErrorKind::UsageError,
                    "serve",
                    "a lock file pins each package's identity: policy flags do not go with --lock",
                ));
            }
            let parsed = lock
                .as_deref()
                .map(crate::lock::LockFile::parse)
                .transpose()?;
            let http = make_http(timeout, retries, cert.as_deref(), proxy)?;
            let base = crate::trust_root::cache_base(cache_dir.as_deref()).ok_or_else(|| {
                Error::new(
                    crate::ErrorKind::UsageError,
                    "serve",
                    "no cache directory: set SLSA_VERIFY_CACHE_DIR",
                )
            })?;
            let mut allowed = allow_unattested.clone();
            allowed.sort();
            let key = serde_json::json!({
                "policy": policy,
                "allow_unattested": allowed,
                "allow_sdist": allow_sdist,
                "trust": root.name(),
                // A file verified under one lock is not re-served under another.
                "lock": lock.as_deref().map(|b| crate::io::hex(
                    ring::digest::digest(&ring::digest::SHA256, b).as_ref()
                )),
            })
            .to_string();
            Ok((
                http,
                explicit,
                parsed,
                crate::online::serve::cache_dir(&base, &key),
            ))
        })();
        let (http, explicit, lock, cache) = built.map_err(|e: Error| raise(py, &e))?;
        let cfg = crate::online::serve::ServeConfig {
            policy: crate::online::InstallPolicy {
                explicit,
                allow_unattested,
                indexes: upstreams,
                // `serve --lock`: only the lock's files, under its pinned identities.
                lock,
                github: None,
            },
            allow_sdist,
            cache: cache.clone(),
        };
        Ok(Self {
            inner: std::sync::Arc::new(crate::online::serve::Server::new(http, cfg, root)),
            cache,
        })
    }

    /// The cache directory of this configuration.
    #[getter]
    fn cache_dir(&self) -> PathBuf {
        self.cache.clone()
    }

    /// The rewritten PEP 691 JSON page of `project` (PEP 503 HTML with
    /// `html=True`), or None.
    #[pyo3(signature = (project, base, *, html=false))]
    fn page(
        &self,
        py: Python<'_>,
        project: &str,
        base: &str,
        html: bool,
    ) -> PyResult<Option<String>> {
        let s = &self.inner;
        py.detach(|| {
            if html {
                s.page_html(project, base)
            } else {
                s.page(project, base)
            }
        })
        .map_err(|e| raise(py, &e))
    }

    /// The path of the verified file (fetched and verified if not cached).
    fn file(
        &self,
        py: Python<'_>,
        project: &str,
        sha256: &str,
        filename: &str,
    ) -> PyResult<PathBuf> {
        let s = &self.inner;
        py.detach(|| s.file(project, sha256, filename))
            .map_err(|e| raise(py, &e))
    }

    /// The verified wheel's METADATA (PEP 658).
    fn metadata(
        &self,
        py: Python<'_>,
        project: &str,
        sha256: &str,
        filename: &str,
    ) -> PyResult<Py<pyo3::types::PyBytes>> {
        let s = &self.inner;
        let meta = py
            .detach(|| s.metadata(project, sha256, filename))
            .map_err(|e| raise(py, &e))?;
        Ok(pyo3::types::PyBytes::new(py, &meta).unbind())
    }
}

/// One release file: name, the asset that verified it, JSON or exception,
/// and every source asked: (kind, location, JSON or exception).
#[cfg(feature = "online")]
type ReleaseRow = (
    String,
    Option<String>,
    Py<PyAny>,
    Vec<(&'static str, Option<String>, Py<PyAny>)>,
);

/// `verify-release`: one row per release file on the index.
#[cfg(feature = "online")]
#[pyfunction]
#[pyo3(signature = (*, api, repository, tag, indexes, directory, package=None, timeout=15.0, retries=3, cert=None, proxy=None, trusted_root=None, rekor_url=None))]
#[expect(clippy::too_many_arguments, reason = "keyword-only, mirroring the CLI")]
fn verify_release(
    py: Python<'_>,
    api: String,
    repository: String,
    tag: String,
    indexes: Vec<String>,
    directory: PathBuf,
    package: Option<String>,
    timeout: f64,
    retries: u32,
    cert: Option<PathBuf>,
    proxy: Option<String>,
    trusted_root: Option<PyRef<'_, PyTrustedRoot>>,
    rekor_url: Option<String>,
) -> PyResult<Vec<ReleaseRow>> {
    let root = root_or_default(py, trusted_root.as_deref())?;
    let req = crate::online::release::ReleaseRequest {
        api,
        repository,
        tag,
        package,
        indexes,
        rekor_url,
    };
    let files = py
        .detach(|| {
            let http = make_http(timeout, retries, cert.as_deref(), proxy)?;
            crate::online::release::verify_release(&http, &req, &root, &directory)
        })
        .map_err(|e| raise(py, &e))?;
    let value = |r: crate::Result<crate::Verification>| -> PyResult<Py<PyAny>> {
        Ok(match r {
            Ok(v) => pyo3::types::PyString::new(py, &to_json(&v)?)
                .into_any()
                .unbind(),
            Err(e) => raise(py, &e).into_value(py).into_any(),
        })
    };
    files
        .into_iter()
        .map(|f| {
            let sources = f
                .sources
                .into_iter()
                .map(|s| Ok((s.kind.name(), s.location, value(s.result)?)))
                .collect::<PyResult<Vec<_>>>()?;
            Ok((f.filename, f.asset, value(f.result)?, sources))
        })
        .collect()
}

/// Refresh Sigstore trust through TUF into the cache; returns the root and
/// its `trust show` report. `now` (RFC 3339) pins the clock of the TUF
/// expiry checks only.
#[cfg(feature = "online")]
#[pyfunction]
#[pyo3(signature = (tuf_url=None, cache_dir=None, *, now=None, timeout=15.0, retries=3, cert=None, proxy=None))]
#[expect(
    clippy::too_many_arguments,
    reason = "keyword arguments, mirroring the CLI"
)]
fn refresh_trust(
    py: Python<'_>,
    tuf_url: Option<String>,
    cache_dir: Option<PathBuf>,
    now: Option<String>,
    timeout: f64,
    retries: u32,
    cert: Option<PathBuf>,
    proxy: Option<String>,
) -> PyResult<PyTrustedRoot> {
    py.detach(|| {
        let clock = now_or(now.as_deref())?;
        let http = make_http(timeout, retries, cert.as_deref(), proxy)?;
        crate::online::tuf::refresh(
            std::sync::Arc::new(http),
            tuf_url.as_deref(),
            cache_dir.as_deref(),
            clock,
            None,
        )
    })
    .map(PyTrustedRoot::with_status)
    .map_err(|e| raise(py, &e))
}

/// Whether the cache's last successful refresh is older than `max_age_secs`.
#[cfg(feature = "online")]
#[pyfunction]
#[pyo3(signature = (tuf_url=None, cache_dir=None, *, max_age_secs=86400.0))]
fn trust_refresh_due(
    tuf_url: Option<String>,
    cache_dir: Option<PathBuf>,
    max_age_secs: f64,
) -> bool {
    let age = std::time::Duration::try_from_secs_f64(max_age_secs).unwrap_or_default();
    crate::online::tuf::refresh_due(cache_dir.as_deref(), tuf_url.as_deref(), age)
}

/// Seconds until the next automatic refresh may be tried after a failed one
/// (`None` when no recent try failed).
#[cfg(feature = "online")]
#[pyfunction]
#[pyo3(signature = (tuf_url=None, cache_dir=None))]
fn trust_retry_wait(tuf_url: Option<String>, cache_dir: Option<PathBuf>) -> Option<f64> {
    crate::online::tuf::retry_wait(cache_dir.as_deref(), tuf_url.as_deref())
        .map(|d| d.as_secs_f64())
}

/// Check a Lambda layer zip against its wheels' RECORDs and its manifest;
/// the report as JSON text.
#[pyfunction]
#[pyo3(signature = (path, *, require_manifest=true, expected_manifest=None))]
fn check_layer(
    py: Python<'_>,
    path: PathBuf,
    require_manifest: bool,
    expected_manifest: Option<Source>,
) -> PyResult<String> {
    let result = py.detach(|| {
        let expected = match &expected_manifest {
            Some(Source::Bytes(b)) => Some(std::borrow::Cow::Borrowed(b.as_ref())),
            Some(Source::Path(p)) => Some(std::borrow::Cow::Owned(crate::io::read_limited(
                p,
                crate::limits::DOC,
                "manifest",
            )?)),
            None => None,
        };
        crate::layer::check_layer(&path, require_manifest, expected.as_deref())
    });
    match result {
        Ok(v) => Ok(v.to_string()),
        Err(e) => Err(raise(py, &e)),
    }
}

/// Parse and check a `pylock.toml` (step 9.1); the lock as JSON text.
#[pyfunction]
#[pyo3(signature = (data, *, require_identities=false))]
fn lock_read(py: Python<'_>, data: Vec<u8>, require_identities: bool) -> PyResult<String> {
    let result = (|| {
        let lock = crate::lock::LockFile::parse(&data)?;
        if require_identities {
            lock.require_identities()?;
        }
        let mut doc = serde_json::to_value(&lock)
            .map_err(|e| Error::new(crate::ErrorKind::UsageError, "9.1", e.to_string()))?;
        let pinned = lock
            .packages
            .iter()
            .any(|p| !p.attestation_identities.is_empty());
        if let Some(o) = doc.as_object_mut() {
            o.insert("identities_pinned".into(), pinned.into());
        }
        Ok(doc.to_string())
    })();
    result.map_err(|e: Error| raise(py, &e))
}

/// Write a lock from what `pip-verify lock` verified (JSON), applying the
/// re-lock rules against the `previous` lock's pins; the TOML text.
#[pyfunction]
#[pyo3(signature = (packages, meta, *, previous=None, accept_identity=Vec::new(), allow_downgrade=Vec::new()))]
fn lock_write(
    py: Python<'_>,
    packages: String,
    meta: String,
    previous: Option<Vec<u8>>,
    accept_identity: Vec<String>,
    allow_downgrade: Vec<String>,
) -> PyResult<String> {
    let result = (|| {
        let bad =
            |e: serde_json::Error| Error::new(crate::ErrorKind::UsageError, "9.5", e.to_string());
        let new: Vec<crate::lock::NewPackage> = serde_json::from_str(&packages).map_err(bad)?;
        let meta: crate::lock::LockMeta = serde_json::from_str(&meta).map_err(bad)?;
        let previous = previous
            .as_deref()
            .map(crate::lock::LockFile::parse)
            .transpose()?;
        crate::lock::write(
            &meta,
            &new,
            previous.as_ref(),
            &accept_identity,
            &allow_downgrade,
        )
    })();
    result.map_err(|e: Error| raise(py, &e))
}

/// The crypto backend compiled into this build.
#[pyfunction]
fn crypto_backend() -> &'static str {
    crate::crypto_backend()
}

/// Every error kind as `(name, code, parent)`, for the exception-mapping test.
#[pyfunction]
fn error_kinds() -> Vec<(&'static str, &'static str, &'static str)> {
    crate::ErrorKind::ALL
        .iter()
        .map(|k| (k.name(), k.code(), k.parent()))
        .collect()
}

/// The extension module `slsa_verify._core`.
#[pymodule(gil_used = false)]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyTrustedRoot>()?;
    #[cfg(feature = "online")]
    m.add_class::<PyFetcher>()?;
    #[cfg(feature = "online")]
    m.add_class::<PyServer>()?;
    #[cfg(feature = "online")]
    m.add_function(wrap_pyfunction!(verify_release, m)?)?;
    #[cfg(feature = "online")]
    m.add_function(wrap_pyfunction!(refresh_trust, m)?)?;
    #[cfg(feature = "online")]
    m.add_function(wrap_pyfunction!(trust_refresh_due, m)?)?;
    #[cfg(feature = "online")]
    m.add_function(wrap_pyfunction!(trust_retry_wait, m)?)?;
    m.add_function(wrap_pyfunction!(verify_bundle, m)?)?;
    m.add_function(wrap_pyfunction!(verify_wheel, m)?)?;
    m.add_function(wrap_pyfunction!(check_metadata, m)?)?;
    m.add_function(wrap_pyfunction!(check_installed, m)?)?;
    m.add_function(wrap_pyfunction!(verify_many, m)?)?;
    m.add_function(wrap_pyfunction!(check_layer, m)?)?;
    m.add_function(wrap_pyfunction!(lock_read, m)?)?;
    m.add_function(wrap_pyfunction!(lock_write, m)?)?;
    m.add_function(wrap_pyfunction!(crypto_backend, m)?)?;
    m.add_function(wrap_pyfunction!(error_kinds, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
