// SPDX-License-Identifier: Apache-2.0
//! slsa-verify-rs: prove a Python wheel (or any file) was built by the CI
//! workflow you expect, from its PEP 740, SLSA or Sigstore attestation.
//!
//! Every check is documented step by step in `docs/checks.md`; the Sigstore cryptography is
//! the `sigstore-verify` crate, behind `adapter`. `verify::verify_bundle` and
//! `wheel::verify_wheel` are the entry points.

pub(crate) mod adapter;
pub mod bundle;
pub mod claims;
pub mod dist;
pub mod error;
pub mod installed;
pub mod io;
pub mod json;
pub mod layer;
pub mod legacy;
pub mod limits;
pub mod lock;
#[cfg(feature = "online")]
pub mod online;
pub mod policy;
pub mod slsa;
pub mod statement;
pub mod trust_root;
mod tsr;
pub mod verify;
pub mod wheel;
pub mod zip;

#[cfg(feature = "python")]
mod python;

pub use error::{Error, ErrorKind, Result};
pub use policy::Policy;
pub use trust_root::TrustedRoot;
pub use verify::{verify_bundle, ArtifactInput, BundleSigner, Verification};

/// The crypto backend compiled in (`ring+p256/p384` or `aws-lc-rs`).
#[must_use]
pub fn crypto_backend() -> &'static str {
    adapter::backend_name()
}

/// Median time of the signature checks one keyless verification needs
/// (1× ECDSA P-384 + 4× P-256) with the compiled-in backend, over
/// `iterations` sets: the floor `nox -s bench` compares against.
///
/// # Errors
/// `UsageError` for zero iterations; `SignatureInvalid` if the backend
/// rejects a freshly made signature.
pub fn signature_floor(iterations: u32) -> Result<std::time::Duration> {
    adapter::floor::signature_floor(iterations)
}
