// SPDX-License-Identifier: Apache-2.0
//! RFC 3161 timestamp responses, re-read strictly before `sigstore-verify`
//! sees them (spec §5.3, §5.6; issue 10).
//!
//! The crate parses a token leniently enough that a byte changed inside a
//! certificate the token embeds still verified: when the trusted root pins
//! the TSA's certificate, the embedded copies are never looked at. Here a
//! token must be strict DER — the whole `TimeStampResp` is consumed, it
//! re-encodes to the same bytes, every length is minimal and definite — and
//! every certificate it embeds must be byte for byte a certificate of a
//! timestamp authority of the trusted root (all genuine tokens in the test
//! data embed none or exactly the pinned TSA leaf). A token failing either
//! rule is fatal (§5.9.2, §10 D-28), never skipped.

use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::asn1::{BitString, ObjectIdentifier, OctetString};
use der::{Decode, Encode, Sequence};

use crate::error::{Error, ErrorKind, Result};

const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ID_CT_TST_INFO: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.16.1.4");

/// Deepest DER nesting we walk (a TSTInfo is about 6 deep).
const MAX_DEPTH: usize = 32;

/// `PKIStatusInfo` (RFC 3161 §2.4.2).
#[derive(Sequence)]
struct PkiStatusInfo {
    status: u8,
    #[asn1(optional = "true")]
    status_string: Option<Vec<String>>,
    #[asn1(optional = "true")]
    fail_info: Option<BitString>,
}

/// `TimeStampResp` (RFC 3161 §2.4.2).
#[derive(Sequence)]
struct TimeStampResp {
    status: PkiStatusInfo,
    #[asn1(optional = "true")]
    time_stamp_token: Option<ContentInfo>,
}

fn malformed(detail: String) -> Error {
    Error::new(
        ErrorKind::TimestampMalformed,
        "5.3",
        format!("RFC 3161 timestamp: {detail}"),
    )
}

/// Check one DER `TimeStampResp` against §5.3 (strict DER) and the
/// embedded-certificate rule; `trusted` are the DER certificates of the
/// trusted root's timestamp authorities.
///
/// # Errors
/// `TimestampMalformed` when the token is not strict DER or not a signed
/// TSTInfo; `TimestampUntrustedAuthority` when it embeds a certificate that
/// is not one of `trusted`.
pub(crate) fn check(bytes: &[u8], trusted: &[Vec<u8>]) -> Result<()> {
    strict_der(bytes, 0)?;
    let resp = TimeStampResp::from_der(bytes).map_err(|e| malformed(e.to_string()))?;
    if resp.to_der().ok().as_deref() != Some(bytes) {
        return Err(malformed("does not re-encode to the same bytes".into()));
    }
    if resp.status.status > 1 {
        return Err(malformed(format!(
            "status {} is neither granted nor grantedWithMods",
            resp.status.status
        )));
    }
    let token = resp
        .time_stamp_token
        .ok_or_else(|| malformed("the response carries no token".into()))?;
    if token.content_type != ID_SIGNED_DATA {
        return Err(malformed("the token is not CMS SignedData".into()));
    }
    let signed: SignedData = token
        .content
        .decode_as()
        .map_err(|e| malformed(e.to_string()))?;
    let encap = &signed.encap_content_info;
    if encap.econtent_type != ID_CT_TST_INFO {
        return Err(malformed("the signed content is not a TSTInfo".into()));
    }
    let econtent = encap
        .econtent
        .as_ref()
        .ok_or_else(|| malformed("the TSTInfo is missing".into()))?;
    let tst_info: OctetString = econtent.decode_as().map_err(|e| malformed(e.to_string()))?;
    strict_der(tst_info.as_bytes(), 0)?;
    if signed.signer_infos.0.len() != 1 {
        return Err(malformed(
            "the token must carry exactly one SignerInfo".into(),
        ));
    }
    for choice in signed.certificates.iter().flat_map(|c| c.0.iter()) {
        let CertificateChoices::Certificate(cert) = choice else {
            return Err(untrusted("embeds a non-X.509 certificate".into()));
        };
        let der = cert.to_der().map_err(|e| malformed(e.to_string()))?;
        if !trusted.contains(&der) {
            return Err(untrusted(
                "embeds a certificate that is not one of the trusted root's timestamp authorities"
                    .into(),
            ));
        }
    }
    // After the authority rule, so that an untrusted TSA is reported as
    // such even when its token is also not DER (a SET OF out of order).
    if signed.to_der().ok() != token.content.to_der().ok() {
        return Err(malformed(
            "SignedData does not re-encode to the same bytes".into(),
        ));
    }
    Ok(())
}

fn untrusted(detail: String) -> Error {
    Error::new(
        ErrorKind::TimestampUntrustedAuthority,
        "5.6",
        format!("RFC 3161 timestamp: {detail}"),
    )
}

/// `bytes` is exactly one DER TLV, recursively: definite minimal lengths,
/// low-tag form for tags below 31, primitive strings, minimal INTEGERs and
/// canonical BOOLEANs (X.690 §10–§11).
fn strict_der(bytes: &[u8], depth: usize) -> Result<()> {
    let rest = one_tlv(bytes, depth)?;
    if !rest.is_empty() {
        return Err(malformed(format!("{} trailing bytes", rest.len())));
    }
    Ok(())
}

/// Check the TLV at the start of `bytes`; returns what follows it.
fn one_tlv(bytes: &[u8], depth: usize) -> Result<&[u8]> {
    if depth > MAX_DEPTH {
        return Err(malformed("nested too deeply".into()));
    }
    let (&tag, mut rest) = bytes
        .split_first()
        .ok_or_else(|| malformed("truncated tag".into()))?;
    let constructed = tag & 0x20 != 0;
    let class = tag >> 6;
    let mut number = u64::from(tag & 0x1f);
    if number == 0x1f {
        // High-tag form: base-128, no leading 0x80, only for numbers ≥ 31.
        number = 0;
        let mut first = true;
        loop {
            let (&b, r) = rest
                .split_first()
                .ok_or_else(|| malformed("truncated tag".into()))?;
            rest = r;
            if first && b == 0x80 {
                return Err(malformed("non-minimal tag".into()));
            }
            first = false;
            number = number
                .checked_mul(128)
                .map(|n| n | u64::from(b & 0x7f))
                .filter(|n| *n <= u64::from(u32::MAX))
                .ok_or_else(|| malformed("tag number too large".into()))?;
            if b & 0x80 == 0 {
                break;
            }
        }
        if number < 31 {
            return Err(malformed("non-minimal tag".into()));
        }
    }
    let (&first, r) = rest
        .split_first()
        .ok_or_else(|| malformed("truncated length".into()))?;
    rest = r;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 {
            return Err(malformed("indefinite length".into()));
        }
        if n > 4 || rest.len() < n {
            return Err(malformed("bad length".into()));
        }
        let (len_bytes, r) = rest.split_at(n);
        rest = r;
        if len_bytes.first() == Some(&0) {
            return Err(malformed("non-minimal length".into()));
        }
        let len = len_bytes
            .iter()
            .fold(0_usize, |acc, b| (acc << 8) | usize::from(*b));
        if len < 0x80 {
            return Err(malformed("non-minimal length".into()));
        }
        len
    };
    if rest.len() < len {
        return Err(malformed("truncated value".into()));
    }
    let (value, after) = rest.split_at(len);
    if class == 0 {
        match (number, constructed) {
            (16 | 17, true) => {}
            (16 | 17, false) => return Err(malformed("primitive SEQUENCE or SET".into())),
            (_, true) => return Err(malformed("constructed universal primitive".into())),
            (1, false) if !(value == [0x00] || value == [0xff]) => {
                return Err(malformed("non-canonical BOOLEAN".into()))
            }
            (2 | 10, false) => {
                let minimal = match value {
                    [] => false,
                    [0x00, b, ..] => b & 0x80 != 0,
                    [0xff, b, ..] => b & 0x80 == 0,
                    _ => true,
                };
                if !minimal {
                    return Err(malformed("non-minimal INTEGER".into()));
                }
            }
            _ => {}
        }
    }
    if constructed {
        let mut inner = value;
        while !inner.is_empty() {
            inner = one_tlv(inner, depth + 1)?;
        }
    }
    Ok(after)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(bytes: &[u8]) -> Result<(), ErrorKind> {
        strict_der(bytes, 0).map_err(|e| e.kind())
    }

    #[test]
    fn der_rules() {
        assert_eq!(kind(&[0x30, 0x03, 0x02, 0x01, 0x05]), Ok(()));
        assert_eq!(kind(&[0x30, 0x03, 0x01, 0x01, 0xff]), Ok(()));
        let bad: &[&[u8]] = &[
            &[0x30, 0x03, 0x02, 0x01, 0x05, 0x00],       // trailing byte
            &[0x30, 0x80, 0x02, 0x01, 0x05, 0x00, 0x00], // indefinite length
            &[0x30, 0x81, 0x03, 0x02, 0x01, 0x05],       // non-minimal length
            &[0x30, 0x04, 0x02, 0x02, 0x00, 0x05],       // non-minimal INTEGER
            &[0x30, 0x03, 0x01, 0x01, 0x01],             // BOOLEAN not 00/ff
            &[0x24, 0x03, 0x04, 0x01, 0x05],             // constructed OCTET STRING
            &[0x10, 0x00],                               // primitive SEQUENCE
            &[0x30, 0x05, 0x02, 0x01],                   // truncated
            &[0x30, 0x02, 0x02, 0x00],                   // empty INTEGER
            &[0x1f, 0x05, 0x00],                         // high-tag form below 31
        ];
        for b in bad {
            assert_eq!(kind(b), Err(ErrorKind::TimestampMalformed), "{b:02x?}");
        }
    }
}
