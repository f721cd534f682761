// SPDX-License-Identifier: Apache-2.0
//! Our `sigstore-crypto` provider: ring for hashes and signatures over whole
//! messages, the RustCrypto `p256`/`p384` crates for ECDSA over a precomputed
//! digest, which ring cannot do (dependencies.md, "Facts worth knowing").
//! Installed once per process by [`install`].

use std::sync::Once;

use p256::ecdsa::signature::hazmat::PrehashVerifier;
use ring::digest;
use ring::signature as sig;
use sigstore_crypto::{CryptoProvider, HashContext, SigningScheme};
use sigstore_types::HashAlgorithm;

/// The ring-backed provider.
#[derive(Debug)]
struct RingProvider;

static PROVIDER: RingProvider = RingProvider;
static INSTALL: Once = Once::new();

/// Install our provider as sigstore-crypto's process default (idempotent).
///
/// By default (feature `aws-lc`) upstream's aws-lc-rs provider is left in
/// place: it is the faster backend (issue 5's measurement). With the
/// `ring-backend` feature, or without `aws-lc`, ours is installed, so the same
/// fixtures run through a second implementation.
pub(crate) fn install() {
    INSTALL.call_once(|| {
        if USE_RING {
            // An Err means another provider was installed first (by an
            // embedding application); that provider is then used as-is.
            let _ = sigstore_crypto::install_default_provider(&PROVIDER);
        }
    });
}

/// Name of the backend in use, for diagnostics and the benchmark.
#[must_use]
pub(crate) fn backend_name() -> &'static str {
    if USE_RING {
        "ring+p256/p384"
    } else {
        "aws-lc-rs"
    }
}

/// Whether our ring provider is the one in use.
const USE_RING: bool = cfg!(feature = "ring-backend") || cfg!(not(feature = "aws-lc"));

struct RingHash(digest::Context);

impl HashContext for RingHash {
    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }
    fn finalize(self: Box<Self>) -> Vec<u8> {
        self.0.finish().as_ref().to_vec()
    }
}

fn ring_hash(algorithm: HashAlgorithm) -> sigstore_crypto::Result<&'static digest::Algorithm> {
    match algorithm {
        HashAlgorithm::Sha2256 => Ok(&digest::SHA256),
        HashAlgorithm::Sha2384 => Ok(&digest::SHA384),
        HashAlgorithm::Sha2512 => Ok(&digest::SHA512),
        other => Err(sigstore_crypto::Error::UnsupportedAlgorithm(format!(
            "cannot compute {other} digests"
        ))),
    }
}

fn ring_alg(scheme: SigningScheme) -> Option<&'static dyn sig::VerificationAlgorithm> {
    Some(match scheme {
        SigningScheme::EcdsaP256Sha256 => &sig::ECDSA_P256_SHA256_ASN1,
        SigningScheme::EcdsaP256Sha384 => &sig::ECDSA_P256_SHA384_ASN1,
        SigningScheme::EcdsaP384Sha256 => &sig::ECDSA_P384_SHA256_ASN1,
        SigningScheme::EcdsaP384Sha384 => &sig::ECDSA_P384_SHA384_ASN1,
        SigningScheme::Ed25519 => &sig::ED25519,
        SigningScheme::RsaPssSha256 => &sig::RSA_PSS_2048_8192_SHA256,
        SigningScheme::RsaPssSha384 => &sig::RSA_PSS_2048_8192_SHA384,
        SigningScheme::RsaPssSha512 => &sig::RSA_PSS_2048_8192_SHA512,
        SigningScheme::RsaPkcs1Sha256 => &sig::RSA_PKCS1_2048_8192_SHA256,
        SigningScheme::RsaPkcs1Sha384 => &sig::RSA_PKCS1_2048_8192_SHA384,
        SigningScheme::RsaPkcs1Sha512 => &sig::RSA_PKCS1_2048_8192_SHA512,
        // ML-DSA is not in ring: refuse (fails closed), see the aws-lc feature.
        _ => return None,
    })
}

fn invalid(scheme: SigningScheme) -> sigstore_crypto::Error {
    sigstore_crypto::Error::Verification(format!("{} signature invalid", scheme.name()))
}

fn unsupported(scheme: SigningScheme) -> sigstore_crypto::Error {
    sigstore_crypto::Error::UnsupportedAlgorithm(format!(
        "{} is not supported by the ring provider",
        scheme.name()
    ))
}

impl CryptoProvider for RingProvider {
    fn hash(&self, algorithm: HashAlgorithm) -> sigstore_crypto::Result<Box<dyn HashContext>> {
        Ok(Box::new(RingHash(digest::Context::new(ring_hash(
            algorithm,
        )?))))
    }

    fn sha256(&self, data: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        out.copy_from_slice(digest::digest(&digest::SHA256, data).as_ref());
        out
    }

    fn verify_raw(
        &self,
        scheme: SigningScheme,
        spki_pubkey_bytes: &[u8],
        data: &[u8],
        signature: &[u8],
    ) -> sigstore_crypto::Result<()> {
        let alg = ring_alg(scheme).ok_or_else(|| unsupported(scheme))?;
        sig::UnparsedPublicKey::new(alg, spki_pubkey_bytes)
            .verify(data, signature)
            .map_err(|_| invalid(scheme))
    }

    fn verify_prehashed(
        &self,
        scheme: SigningScheme,
        spki_pubkey_bytes: &[u8],
        digest: &[u8],
        signature: &[u8],
    ) -> sigstore_crypto::Result<()> {
        match scheme {
            SigningScheme::EcdsaP256Sha256 | SigningScheme::EcdsaP256Sha384 => {
                let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(spki_pubkey_bytes)
                    .map_err(|_| invalid(scheme))?;
                let s = p256::ecdsa::Signature::from_der(signature).map_err(|_| invalid(scheme))?;
                key.verify_prehash(digest, &s).map_err(|_| invalid(scheme))
            }
            SigningScheme::EcdsaP384Sha256 | SigningScheme::EcdsaP384Sha384 => {
                let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(spki_pubkey_bytes)
                    .map_err(|_| invalid(scheme))?;
                let s = p384::ecdsa::Signature::from_der(signature).map_err(|_| invalid(scheme))?;
                key.verify_prehash(digest, &s).map_err(|_| invalid(scheme))
            }
            // RSA over a digest is not in ring or the RustCrypto crates we
            // carry; no Sigstore public-good signer produces it.
            _ => Err(unsupported(scheme)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_match_known_vectors() {
        // FIPS 180-2 "abc" vectors.
        assert_eq!(PROVIDER.sha256(b"abc")[..4], [0xba, 0x78, 0x16, 0xbf]);
        let digest = PROVIDER.hash(HashAlgorithm::Sha2384).map(|mut c| {
            c.update(b"abc");
            c.finalize()
        });
        assert_eq!(
            digest.ok().and_then(|d| d.get(..4).map(<[u8]>::to_vec)),
            Some(vec![0xcb, 0x00, 0x75, 0x3f])
        );
    }

    #[test]
    fn rejects_garbage_prehashed_signature() {
        let r =
            PROVIDER.verify_prehashed(SigningScheme::EcdsaP256Sha256, &[4; 65], &[0; 32], &[0; 8]);
        assert!(
            matches!(r, Err(sigstore_crypto::Error::Verification(_))),
            "{r:?}"
        );
        let r = PROVIDER.verify_prehashed(SigningScheme::RsaPkcs1Sha256, &[], &[0; 32], &[]);
        assert!(
            matches!(r, Err(sigstore_crypto::Error::UnsupportedAlgorithm(_))),
            "{r:?}"
        );
    }
}
