// SPDX-License-Identifier: Apache-2.0
//! In-toto statements (spec §6.3.3–§6.5): payload type, strict parse,
//! subjects and the digest binding.

use serde_json::Value;

use crate::error::{Error, ErrorKind, Result};
use crate::json::{self, Obj};
use crate::limits;

/// In-toto Statement v1.
pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
/// In-toto Statement v0.1 (slsa-github-generator v0.2 provenance).
pub const STATEMENT_V01: &str = "https://in-toto.io/Statement/v0.1";

/// One statement subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subject {
    /// Its name, when present.
    pub name: Option<String>,
    /// Its sha256, when present (lowercase hex).
    pub sha256: Option<String>,
}

/// A parsed statement.
#[derive(Debug, Clone)]
pub struct Statement {
    /// `_type`.
    pub statement_type: String,
    /// Subjects (non-empty).
    pub subjects: Vec<Subject>,
    /// `predicateType`.
    pub predicate_type: String,
    /// `predicate` (Null when absent).
    pub predicate: Value,
}

impl Statement {
    /// Parse a DSSE payload (§6.3.3, §6.4) after checking its type.
    ///
    /// # Errors
    /// `PayloadTypeMismatch`, `StatementMalformed`, `InputTooLarge`.
    pub fn from_envelope(payload_type: &str, payload: &[u8]) -> Result<Self> {
        if payload_type != crate::bundle::IN_TOTO {
            return Err(Error::mismatch(
                ErrorKind::PayloadTypeMismatch,
                "6.3.3",
                "DSSE payloadType",
                &crate::bundle::IN_TOTO,
                &payload_type,
            ));
        }
        let value = json::parse_as(
            payload,
            limits::PAYLOAD,
            "statement",
            ErrorKind::StatementMalformed,
            "6.4.1",
        )?;
        let o = Obj::new(&value, ErrorKind::StatementMalformed, "6.4.3", "statement")?;
        let statement_type = o.str("_type")?.to_owned();
        if statement_type != STATEMENT_V1 && statement_type != STATEMENT_V01 {
            return Err(Error::new(
                ErrorKind::StatementTypeUnsupported,
                "6.4.2",
                format!("unsupported statement _type {statement_type:?}"),
            ));
        }
        let raw_subjects = o.arr("subject", limits::SUBJECTS)?;
        if raw_subjects.is_empty() {
            return Err(o.err("the statement has no subject".into()));
        }
        let mut subjects = Vec::with_capacity(raw_subjects.len());
        for s in raw_subjects {
            let s = Obj::new(s, ErrorKind::StatementMalformed, "6.4.3", "subject")?;
            let digest = s.obj("digest")?;
            if digest.map().is_empty() || digest.map().len() > limits::DIGESTS {
                return Err(s.err("subject.digest must have 1 to 32 entries".into()));
            }
            let mut sha256 = None;
            for (alg, value) in digest.map() {
                let value = value
                    .as_str()
                    .ok_or_else(|| s.err("digest values must be strings".into()))?;
                let want = match alg.as_str() {
                    "sha256" => 64,
                    "sha384" => 96,
                    "sha512" => 128,
                    _ => continue,
                };
                if value.len() != want
                    || !value
                        .bytes()
                        .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
                {
                    return Err(s.err(format!(
                        "subject digest {alg} is not {want} lowercase hex digits"
                    )));
                }
                if alg == "sha256" {
                    sha256 = Some(value.to_owned());
                }
            }
            subjects.push(Subject {
                name: s.opt_str("name")?.map(str::to_owned),
                sha256,
            });
        }
        let predicate_type = o.str("predicateType")?.to_owned();
        if predicate_type.is_empty() {
            return Err(o.err("predicateType is empty".into()));
        }
        let predicate = o.opt("predicate").cloned().unwrap_or(Value::Null);
        if !(predicate.is_object() || predicate.is_null()) {
            return Err(o.err("predicate must be an object or null".into()));
        }
        Ok(Self {
            statement_type,
            subjects,
            predicate_type,
            predicate,
        })
    }

    /// §6.5.1–§6.5.2: the subjects whose sha256 equals the artifact's.
    ///
    /// # Errors
    /// `DigestMismatch` when none does.
    pub fn matching_subject(&self, sha256_hex: &str) -> Result<&Subject> {
        self.subjects
            .iter()
            .find(|s| s.sha256.as_deref() == Some(sha256_hex))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::DigestMismatch,
                    "6.5.2",
                    format!("no statement subject has sha256 {sha256_hex}"),
                )
            })
    }
}
