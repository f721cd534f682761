// SPDX-License-Identifier: Apache-2.0
//! The signature-check floor for `nox -s bench` (issue 5): the time of only
//! the public-key operations one keyless PEP 740 verification needs, through
//! the crypto provider in use, so the benchmark can say how close a whole
//! verification comes to it.
//!
//! One set is one ECDSA P-384/SHA-384 verification (spec §3.3: the Fulcio
//! intermediate's signature on the leaf) and four ECDSA P-256/SHA-256 ones
//! (§3.4 SCT, §4.5 SET, §4.4.5 checkpoint, §6.3.2 DSSE). Keys are made fresh
//! with ring; the verifications go through sigstore-crypto's default provider
//! (`verify_raw`), so they measure our ring provider, or upstream's aws-lc-rs
//! with the `aws-lc` feature.
//!
//! The set counts distinct checks. sigstore-verify 0.15.1 makes one more
//! P-256 call per Rekor v1 entry: it verifies the SET twice (`verify_set`
//! from `verify_prepared` and again from `verify_entry_inclusion`, counted
//! with uprobes on `verify_raw`: 6 calls per PEP 740 verification).

use std::time::{Duration, Instant};

use ring::rand::SystemRandom;
use ring::signature::{
    EcdsaKeyPair, EcdsaSigningAlgorithm, KeyPair, ECDSA_P256_SHA256_ASN1_SIGNING,
    ECDSA_P384_SHA384_ASN1_SIGNING,
};
use sigstore_crypto::{CryptoProvider, SigningScheme};

use crate::error::{Error, ErrorKind, Result};

/// Bytes signed per check: about a Fulcio leaf's TBS or a DSSE PAE. Hashing
/// this much costs under a microsecond, against ~100 µs per ECDSA check.
const MESSAGE_LEN: usize = 1024;

/// P-256 checks per set: SCT, SET, checkpoint, DSSE.
const P256_PER_SET: usize = 4;

/// Median wall time of one set (1× P-384 + 4× P-256 verification) over
/// `iterations` timed sets, after one untimed warm-up set.
///
/// # Errors
/// `UsageError` for zero iterations; `SignatureInvalid` if ring cannot make
/// the keys or the provider rejects a signature (the measurement would be
/// meaningless).
pub(crate) fn signature_floor(iterations: u32) -> Result<Duration> {
    if iterations == 0 {
        return Err(Error::new(
            ErrorKind::UsageError,
            "bench",
            "signature_floor needs at least one iteration",
        ));
    }
    super::provider::install();
    let provider = sigstore_crypto::try_default_provider()
        .ok_or_else(|| failed("no sigstore-crypto provider is installed".to_owned()))?;
    let message = vec![0x5a_u8; MESSAGE_LEN];
    let p384 = Signed::new(
        &ECDSA_P384_SHA384_ASN1_SIGNING,
        SigningScheme::EcdsaP384Sha384,
        &message,
    )?;
    let p256 = Signed::new(
        &ECDSA_P256_SHA256_ASN1_SIGNING,
        SigningScheme::EcdsaP256Sha256,
        &message,
    )?;

    let one_set = || -> Result<()> {
        p384.verify(provider, &message)?;
        for _ in 0..P256_PER_SET {
            p256.verify(provider, &message)?;
        }
        Ok(())
    };
    one_set()?;
    let mut samples = Vec::with_capacity(iterations as usize);
    for _ in 0..iterations {
        let start = Instant::now();
        one_set()?;
        samples.push(start.elapsed());
    }
    samples.sort_unstable();
    samples
        .get(samples.len() / 2)
        .copied()
        .ok_or_else(|| failed("no samples".to_owned()))
}

/// A public key (raw SEC1 point, as the provider gets it from a
/// certificate) and its DER signature over the message.
struct Signed {
    scheme: SigningScheme,
    public_key: Vec<u8>,
    signature: Vec<u8>,
}

impl Signed {
    fn new(
        alg: &'static EcdsaSigningAlgorithm,
        scheme: SigningScheme,
        message: &[u8],
    ) -> Result<Self> {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(alg, &rng)
            .map_err(|_| failed(format!("ring cannot generate a {} key", scheme.name())))?;
        let pair = EcdsaKeyPair::from_pkcs8(alg, pkcs8.as_ref(), &rng)
            .map_err(|e| failed(format!("ring rejected its own {} key: {e}", scheme.name())))?;
        let signature = pair
            .sign(&rng, message)
            .map_err(|_| failed(format!("ring cannot sign with {}", scheme.name())))?;
        Ok(Self {
            scheme,
            public_key: pair.public_key().as_ref().to_vec(),
            signature: signature.as_ref().to_vec(),
        })
    }

    fn verify(&self, provider: &dyn CryptoProvider, message: &[u8]) -> Result<()> {
        provider
            .verify_raw(self.scheme, &self.public_key, message, &self.signature)
            .map_err(|e| failed(format!("{}: {e}", self.scheme.name())))
    }
}

fn failed(detail: String) -> Error {
    Error::new(ErrorKind::SignatureInvalid, "bench", detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_fresh_keys_and_times_a_set() {
        let r = signature_floor(3);
        assert!(matches!(r, Ok(d) if d > Duration::ZERO), "{r:?}");
    }

    #[test]
    fn rejects_zero_iterations() {
        let r = signature_floor(0);
        assert!(
            matches!(&r, Err(e) if e.kind() == ErrorKind::UsageError),
            "{r:?}"
        );
    }
}
