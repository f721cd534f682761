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
}

#[pymethods]
impl PyTrustedRoot {
    /// The Sigstore public-good production root embedded in this wheel.
    #[classmethod]
    fn production(_cls: &Bound<'_, PyType>, py: Python<'_>) -> PyResult<Self> {
        crate::TrustedRoot::production()
            .map(|inner| Self { inner })
            .map_err(|e| raise(py, &e))
    }

    /// The Sigstore public-good staging root embedded in this wheel.
    #[classmethod]
    fn staging(_cls: &Bound<'_, PyType>, py: Python<'_>) -> PyResult<Self> {
        crate::TrustedRoot::staging()
            .map(|inner| Self { inner })
            .map_err(|e| raise(py, &e))
    }

    /// Load a `trusted_root.json` file.
    #[classmethod]
    fn from_file(_cls: &Bound<'_, PyType>, py: Python<'_>, path: PathBuf) -> PyResult<Self> {
        py.detach(|| crate::TrustedRoot::from_file(&path))
            .map(|inner| Self { inner })
            .map_err(|e| raise(py, &e))
    }

    /// Parse a `trusted_root.json` document.
    #[classmethod]
    fn from_json(_cls: &Bound<'_, PyType>, py: Python<'_>, data: Vec<u8>) -> PyResult<Self> {
        py.detach(|| crate::TrustedRoot::from_json(&data, "<bytes>"))
            .map(|inner| Self { inner })
            .map_err(|e| raise(py, &e))
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
        None => crate::TrustedRoot::production().map_err(|e| raise(py, &e)),
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
#[pyo3(signature = (artifact, attestation=None, *, policy, trusted_root=None, sha256=None))]
fn verify_wheel(
    py: Python<'_>,
    artifact: PathBuf,
    attestation: Option<Source>,
    policy: String,
    trusted_root: Option<PyRef<'_, PyTrustedRoot>>,
    sha256: Option<String>,
) -> PyResult<String> {
    let root = root_or_default(py, trusted_root.as_deref())?;
    let result = py.detach(|| {
        let policy = Policy::from_json(&policy)?;
        let digest = known_digest(sha256.as_deref())?;
        let data = attestation.as_ref().map(Source::load).transpose()?;
        crate::wheel::verify_wheel(&artifact, digest.as_ref(), data.as_deref(), &policy, &root)
    });
    match result {
        Ok(v) => to_json(&v),
        Err(e) => Err(raise(py, &e)),
    }
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
    #[pyo3(signature = (*, directory, indexes, policy=None, allow_unattested=Vec::new(), timeout=15.0, retries=3, cert=None, proxy=None, trusted_root=None))]
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
    ) -> PyResult<Self> {
        let root = root_or_default(py, trusted_root.as_deref())?;
        let built = (|| {
            let explicit = policy.as_deref().map(Policy::from_json).transpose()?;
            let http = make_http(timeout, retries, cert.as_deref(), proxy)?;
            Ok((http, explicit))
        })();
        let (http, explicit) = built.map_err(|e| raise(py, &e))?;
        Ok(Self {
            inner: std::sync::Arc::new(FetcherState {
                http,
                policy: crate::online::InstallPolicy {
                    explicit,
                    allow_unattested,
                    indexes,
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
    fn fetch(
        &self,
        py: Python<'_>,
        project: String,
        version: String,
        url: String,
        sha256: String,
        requested: bool,
    ) -> PyResult<String> {
        let req = crate::online::FileRequest {
            project,
            version,
            url,
            sha256: sha256.to_ascii_lowercase(),
            requested,
        };
        let state = std::sync::Arc::clone(&self.inner);
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let s = &*state;
            let _ = tx.send(crate::online::fetch_and_verify(
                &s.http, &req, &s.policy, &s.root, &s.dir,
            ));
        });
        let mut rx = rx;
        let result = loop {
            let tick = std::time::Duration::from_millis(100);
            // The receiver is Send but not Sync: move it across and back.
            let (got, back) = py.detach(move || (rx.recv_timeout(tick), rx));
            rx = back;
            match got {
                Ok(r) => break r,
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => py.check_signals()?,
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(PyRuntimeError::new_err("the fetch thread stopped"))
                }
            }
        };
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

/// One release file: name, the asset that verified it, JSON or exception.
#[cfg(feature = "online")]
type ReleaseRow = (String, Option<String>, Py<PyAny>);

/// `verify-release`: one row per release file on the index.
#[cfg(feature = "online")]
#[pyfunction]
#[pyo3(signature = (*, api, repository, tag, indexes, directory, package=None, timeout=15.0, retries=3, cert=None, proxy=None, trusted_root=None))]
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
) -> PyResult<Vec<ReleaseRow>> {
    let root = root_or_default(py, trusted_root.as_deref())?;
    let req = crate::online::release::ReleaseRequest {
        api,
        repository,
        tag,
        package,
        indexes,
    };
    let files = py
        .detach(|| {
            let http = make_http(timeout, retries, cert.as_deref(), proxy)?;
            crate::online::release::verify_release(&http, &req, &root, &directory)
        })
        .map_err(|e| raise(py, &e))?;
    files
        .into_iter()
        .map(|f| {
            let value = match f.result {
                Ok(v) => pyo3::types::PyString::new(py, &to_json(&v)?)
                    .into_any()
                    .unbind(),
                Err(e) => raise(py, &e).into_value(py).into_any(),
            };
            Ok((f.filename, f.asset, value))
        })
        .collect()
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
    m.add_function(wrap_pyfunction!(verify_release, m)?)?;
    m.add_function(wrap_pyfunction!(verify_bundle, m)?)?;
    m.add_function(wrap_pyfunction!(verify_wheel, m)?)?;
    m.add_function(wrap_pyfunction!(verify_many, m)?)?;
    m.add_function(wrap_pyfunction!(check_layer, m)?)?;
    m.add_function(wrap_pyfunction!(crypto_backend, m)?)?;
    m.add_function(wrap_pyfunction!(error_kinds, m)?)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
