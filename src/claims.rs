// SPDX-License-Identifier: Apache-2.0
//! The signing certificate's identity claims (spec §3.2.4, §7.1, §7.2):
//! exactly one SAN, Fulcio extensions decoded strictly, legacy and current
//! pairs required to agree. Policies (`policy.rs`) read only this type.

use std::collections::BTreeMap;

use x509_cert::der::asn1::Utf8StringRef;
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::SubjectAltName;
use x509_cert::Certificate;

use crate::error::{Error, ErrorKind, Result};
use crate::limits;

/// Fulcio extension numbers under 1.3.6.1.4.1.57264.1 (fulcio `docs/oid-info.md`).
#[allow(missing_docs)]
pub mod oid {
    pub const ISSUER_LEGACY: u32 = 1;
    pub const TRIGGER_LEGACY: u32 = 2;
    pub const SHA_LEGACY: u32 = 3;
    pub const REPOSITORY_LEGACY: u32 = 5;
    pub const REF_LEGACY: u32 = 6;
    pub const ISSUER: u32 = 8;
    pub const BUILD_SIGNER_URI: u32 = 9;
    pub const BUILD_SIGNER_DIGEST: u32 = 10;
    pub const RUNNER_ENVIRONMENT: u32 = 11;
    pub const SOURCE_REPOSITORY_URI: u32 = 12;
    pub const SOURCE_REPOSITORY_DIGEST: u32 = 13;
    pub const SOURCE_REPOSITORY_REF: u32 = 14;
    pub const SOURCE_REPOSITORY_IDENTIFIER: u32 = 15;
    pub const SOURCE_REPOSITORY_OWNER_URI: u32 = 16;
    pub const SOURCE_REPOSITORY_OWNER_IDENTIFIER: u32 = 17;
    pub const BUILD_CONFIG_URI: u32 = 18;
    pub const BUILD_CONFIG_DIGEST: u32 = 19;
    pub const BUILD_TRIGGER: u32 = 20;
    pub const RUN_INVOCATION_URI: u32 = 21;
    pub const SOURCE_REPOSITORY_VISIBILITY: u32 = 22;
    pub const DEPLOYMENT_ENVIRONMENT: u32 = 23;
}

const FULCIO_ARC: &str = "1.3.6.1.4.1.57264.1.";
const SAN_OTHERNAME_USERNAME: &str = "1.3.6.1.4.1.57264.1.7";

/// The kind of the single Subject Alternative Name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SanKind {
    /// A URI (CI workloads).
    Uri,
    /// An e-mail address (people, Google service accounts).
    Email,
    /// Fulcio's username otherName.
    Username,
}

/// Decoded identity claims of a Fulcio leaf certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claims {
    /// The SAN value, byte-for-byte (§7.2).
    pub san: String,
    /// Its kind.
    pub san_kind: SanKind,
    ext: BTreeMap<u32, String>,
}

impl Claims {
    /// Parse the claims of a DER leaf certificate.
    ///
    /// # Errors
    /// `CertificateMalformed` for DER errors; `CertificateProfileInvalid` for
    /// SAN count or kind, extension encodings and legacy/current conflicts.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        if der.len() > limits::CERT {
            return Err(Error::new(
                ErrorKind::InputTooLarge,
                "0.5",
                "certificate exceeds 32 KiB",
            ));
        }
        let cert = Certificate::from_der(der).map_err(|e| {
            Error::new(
                ErrorKind::CertificateMalformed,
                "3.1.1",
                format!("leaf certificate: {e}"),
            )
        })?;
        let profile = |d: String| Error::new(ErrorKind::CertificateProfileInvalid, "3.2.4", d);
        let mut sans: Option<Vec<GeneralName>> = None;
        let mut ext = BTreeMap::new();
        let mut seen = std::collections::HashSet::new();
        for e in cert.tbs_certificate.extensions.iter().flatten() {
            let id = e.extn_id.to_string();
            if !seen.insert(id.clone()) {
                return Err(Error::new(
                    ErrorKind::CertificateMalformed,
                    "3.1.1",
                    format!("duplicate extension {id}"),
                ));
            }
            let value = e.extn_value.as_bytes();
            if id == "2.5.29.17" {
                let san = SubjectAltName::from_der(value)
                    .map_err(|err| profile(format!("subjectAltName does not parse: {err}")))?;
                sans = Some(san.0);
            } else if let Some(n) = id
                .strip_prefix(FULCIO_ARC)
                .and_then(|n| n.parse::<u32>().ok())
            {
                let text = if n <= 6 {
                    // §7.1.1: legacy extensions hold the raw UTF-8 string.
                    String::from_utf8(value.to_vec()).map_err(|_| {
                        Error::new(
                            ErrorKind::CertificateProfileInvalid,
                            "7.1.1",
                            format!("extension .1.{n} is not UTF-8"),
                        )
                    })?
                } else {
                    // §7.1.2: a DER UTF8String and nothing after it.
                    Utf8StringRef::from_der(value)
                        .map_err(|_| {
                            Error::new(
                                ErrorKind::CertificateProfileInvalid,
                                "7.1.2",
                                format!("extension .1.{n} is not a DER UTF8String"),
                            )
                        })?
                        .as_str()
                        .to_owned()
                };
                ext.insert(n, text);
            }
        }
        let sans = sans.ok_or_else(|| profile("the certificate has no subjectAltName".into()))?;
        let [only] = sans.as_slice() else {
            return Err(profile(format!(
                "the certificate has {} SANs; exactly one is required",
                sans.len()
            )));
        };
        let (san, san_kind) = match only {
            GeneralName::UniformResourceIdentifier(s) => (s.as_str().to_owned(), SanKind::Uri),
            GeneralName::Rfc822Name(s) => (s.as_str().to_owned(), SanKind::Email),
            GeneralName::OtherName(o) if o.type_id.to_string() == SAN_OTHERNAME_USERNAME => {
                let der = o
                    .value
                    .to_der()
                    .map_err(|e| profile(format!("otherName: {e}")))?;
                let s = Utf8StringRef::from_der(&der)
                    .map_err(|e| profile(format!("otherName: {e}")))?;
                (s.as_str().to_owned(), SanKind::Username)
            }
            _ => {
                return Err(profile(
                    "the SAN is not a URI, e-mail or Fulcio username".into(),
                ))
            }
        };
        let claims = Self { san, san_kind, ext };
        claims.check_pairs()?;
        Ok(claims)
    }

    /// Claims built by hand, for policy unit tests.
    #[cfg(test)]
    pub(crate) fn for_test(san: &str, san_kind: SanKind, ext: &[(u32, &str)]) -> Self {
        Self {
            san: san.to_owned(),
            san_kind,
            ext: ext.iter().map(|(k, v)| (*k, (*v).to_owned())).collect(),
        }
    }

    /// §7.1.4: legacy and current extensions must agree when both exist.
    fn check_pairs(&self) -> Result<()> {
        let pairs = [
            (oid::ISSUER_LEGACY, oid::ISSUER, ""),
            (oid::TRIGGER_LEGACY, oid::BUILD_TRIGGER, ""),
            (oid::SHA_LEGACY, oid::SOURCE_REPOSITORY_DIGEST, ""),
            (oid::REF_LEGACY, oid::SOURCE_REPOSITORY_REF, ""),
            (
                oid::REPOSITORY_LEGACY,
                oid::SOURCE_REPOSITORY_URI,
                "https://github.com/",
            ),
        ];
        for (legacy, current, prefix) in pairs {
            if let (Some(l), Some(c)) = (self.ext.get(&legacy), self.ext.get(&current)) {
                // The legacy repository is `owner/repo`; only GitHub set it.
                if format!("{prefix}{l}") != *c {
                    return Err(Error::new(
                        ErrorKind::CertificateProfileInvalid,
                        "7.1.4",
                        format!("extensions .1.{legacy} ({l:?}) and .1.{current} ({c:?}) disagree"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The raw value of extension 1.3.6.1.4.1.57264.1.`n`.
    #[must_use]
    pub fn ext(&self, n: u32) -> Option<&str> {
        self.ext.get(&n).map(String::as_str)
    }

    /// The effective OIDC issuer: .1.8, else legacy .1.1 (§7.1.4).
    #[must_use]
    pub fn issuer(&self) -> Option<&str> {
        self.ext(oid::ISSUER)
            .or_else(|| self.ext(oid::ISSUER_LEGACY))
    }

    /// The effective source repository URI: .1.12, else `https://github.com/` + legacy .1.5.
    #[must_use]
    pub fn source_repository_uri(&self) -> Option<String> {
        self.ext(oid::SOURCE_REPOSITORY_URI)
            .map(str::to_owned)
            .or_else(|| {
                self.ext(oid::REPOSITORY_LEGACY)
                    .map(|r| format!("https://github.com/{r}"))
            })
    }

    /// The effective source ref: .1.14, else legacy .1.6.
    #[must_use]
    pub fn source_ref(&self) -> Option<&str> {
        self.ext(oid::SOURCE_REPOSITORY_REF)
            .or_else(|| self.ext(oid::REF_LEGACY))
    }

    /// The effective source digest: .1.13, else legacy .1.3.
    #[must_use]
    pub fn source_digest(&self) -> Option<&str> {
        self.ext(oid::SOURCE_REPOSITORY_DIGEST)
            .or_else(|| self.ext(oid::SHA_LEGACY))
    }

    /// The effective build trigger: .1.20, else legacy .1.2.
    #[must_use]
    pub fn build_trigger(&self) -> Option<&str> {
        self.ext(oid::BUILD_TRIGGER)
            .or_else(|| self.ext(oid::TRIGGER_LEGACY))
    }

    /// All decoded Fulcio extensions, keyed by their last OID arc.
    #[must_use]
    pub fn extensions(&self) -> &BTreeMap<u32, String> {
        &self.ext
    }
}
