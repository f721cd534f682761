// SPDX-License-Identifier: Apache-2.0
//! Bounded file reading and streamed artifact hashing (spec §1.1).

use std::io::Read;
use std::path::Path;

use crate::error::{Error, ErrorKind, Result};

/// Read at most `max` bytes of `path`; more is `InputTooLarge`, never a
/// partial read.
///
/// # Errors
/// `UsageError` if the file cannot be read; `InputTooLarge` over `max`.
pub fn read_limited(path: &Path, max: usize, what: &str) -> Result<Vec<u8>> {
    let file = std::fs::File::open(path).map_err(|e| unreadable(path, what, &e))?;
    let mut buf = Vec::new();
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    file.take(limit)
        .read_to_end(&mut buf)
        .map_err(|e| unreadable(path, what, &e))?;
    if buf.len() > max {
        return Err(Error::new(
            ErrorKind::InputTooLarge,
            "0.5",
            format!(
                "{what} {} is larger than the {max}-byte limit",
                path.display()
            ),
        ));
    }
    Ok(buf)
}

fn unreadable(path: &Path, what: &str, e: &std::io::Error) -> Error {
    Error::new(
        ErrorKind::UsageError,
        "1.1",
        format!("cannot read {what} {}: {e}", path.display()),
    )
}

/// SHA-256 of a file, streamed in 1 MiB reads (spec §1.1.1).
///
/// # Errors
/// `UsageError` if the file cannot be read.
pub fn sha256_file(path: &Path) -> Result<[u8; 32]> {
    let mut file = std::fs::File::open(path).map_err(|e| unreadable(path, "artifact", &e))?;
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    // 1 MiB reads for big files; a small file gets a buffer its size (+1
    // to see EOF in one read) instead of a zeroed MiB per call.
    let size = file.metadata().map_or(1 << 20, |m| m.len());
    let mut buf = vec![
        0u8;
        usize::try_from(size.saturating_add(1))
            .unwrap_or(1 << 20)
            .clamp(4096, 1 << 20)
    ];
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(unreadable(path, "artifact", &e)),
        };
        ctx.update(buf.get(..n).unwrap_or_default());
    }
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    Ok(out)
}

/// Parse `sha256:<64 lowercase-or-uppercase hex>`.
///
/// # Errors
/// `UsageError` if malformed.
pub fn parse_digest_arg(s: &str) -> Result<[u8; 32]> {
    let bad = || {
        Error::new(
            ErrorKind::UsageError,
            "1.1",
            format!("{s:?} is not sha256:<64 hex digits>"),
        )
    };
    let hex = s.strip_prefix("sha256:").ok_or_else(bad)?;
    // `from_str_radix` alone would also take a `+` sign ("+a" as 0x0a).
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, slot) in out.iter_mut().enumerate() {
        let pair = hex.get(2 * i..2 * i + 2).ok_or_else(bad)?;
        *slot = u8::from_str_radix(pair, 16).map_err(|_| bad())?;
    }
    Ok(out)
}

/// Lowercase hex.
#[must_use]
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_digest_with_sign() {
        let ok = format!("sha256:{}", "0a".repeat(32));
        assert_eq!(parse_digest_arg(&ok).ok(), Some([0x0a; 32]));
        for bad in [
            format!("sha256:{}", "+a".repeat(32)),
            format!("sha256:{}", "0a".repeat(31)),
            format!("sha256:{}g0", "0a".repeat(31)),
            "0a".repeat(32),
        ] {
            assert_eq!(
                parse_digest_arg(&bad).map_err(|e| e.kind()),
                Err(ErrorKind::UsageError),
                "{bad}"
            );
        }
    }
}
