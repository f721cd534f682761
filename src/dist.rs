// SPDX-License-Identifier: Apache-2.0
//! Distribution filenames (spec §6.6): wheel and sdist parsing, name
//! normalisation, PEP 440 version equality, order-insensitive tag sets.

use std::collections::BTreeSet;

use crate::error::{Error, ErrorKind, Result};

/// A parsed distribution filename; equal values are equivalent names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dist {
    /// A wheel: name, version, build tag, tag triples.
    Wheel {
        /// Normalised project name.
        name: String,
        /// Canonical PEP 440 version.
        version: Version,
        /// `(number, suffix)`; `None` without a build tag.
        build: Option<(u64, String)>,
        /// Expanded `(python, abi, platform)` triples.
        tags: BTreeSet<(String, String, String)>,
    },
    /// An sdist (`.tar.gz` or `.zip`).
    Sdist {
        /// Normalised project name.
        name: String,
        /// Canonical PEP 440 version.
        version: Version,
    },
}

fn invalid(name: &str, why: &str) -> Error {
    Error::new(
        ErrorKind::ArtifactNameInvalid,
        "6.6",
        format!("{name:?} is not a distribution filename: {why}"),
    )
}

fn normalize_name(raw: &str, full: &str) -> Result<String> {
    let ok = !raw.is_empty()
        && !raw.contains("__")
        && raw
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !ok {
        return Err(invalid(full, "bad project name"));
    }
    Ok(normalize(raw))
}

/// PEP 503 name normalisation: runs of `-`, `_`, `.` become one `-`, lower case.
#[must_use]
pub fn normalize(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut sep = false;
    for c in raw.chars() {
        if matches!(c, '-' | '_' | '.') {
            sep = true;
        } else {
            if sep && !out.is_empty() {
                out.push('-');
            }
            sep = false;
            out.extend(c.to_lowercase());
        }
    }
    out
}

impl Dist {
    /// The version the filename names.
    #[must_use]
    pub fn version(&self) -> &Version {
        match self {
            Self::Wheel { version, .. } | Self::Sdist { version, .. } => version,
        }
    }

    /// Parse a wheel or sdist filename (no directories allowed).
    ///
    /// # Errors
    /// `ArtifactNameInvalid`.
    pub fn parse(filename: &str) -> Result<Self> {
        if filename.contains(['/', '\\']) {
            return Err(invalid(filename, "contains a path separator"));
        }
        if let Some(stem) = filename.strip_suffix(".whl") {
            let parts: Vec<&str> = stem.split('-').collect();
            let (name, version, build, py, abi, plat) = match parts.as_slice() {
                [n, v, p, a, pl] => (n, v, None, p, a, pl),
                [n, v, b, p, a, pl] => (n, v, Some(*b), p, a, pl),
                _ => {
                    return Err(invalid(
                        filename,
                        "a wheel name has 5 or 6 dash-separated parts",
                    ))
                }
            };
            let build = match build {
                None => None,
                Some(b) => {
                    let digits: String = b.chars().take_while(char::is_ascii_digit).collect();
                    let n = digits
                        .parse::<u64>()
                        .map_err(|_| invalid(filename, "bad build tag"))?;
                    Some((n, b.get(digits.len()..).unwrap_or("").to_owned()))
                }
            };
            let split = |s: &str| s.split('.').map(str::to_lowercase).collect::<Vec<_>>();
            let mut tags = BTreeSet::new();
            for p in split(py) {
                for a in split(abi) {
                    for pl in split(plat) {
                        tags.insert((p.clone(), a.clone(), pl));
                    }
                }
            }
            return Ok(Self::Wheel {
                name: normalize_name(name, filename)?,
                version: Version::parse(version)
                    .ok_or_else(|| invalid(filename, "bad PEP 440 version"))?,
                build,
                tags,
            });
        }
        let stem = filename
            .strip_suffix(".tar.gz")
            .or_else(|| filename.strip_suffix(".zip"))
            .ok_or_else(|| invalid(filename, "not .whl, .tar.gz or .zip"))?;
        let (name, version) = stem
            .rsplit_once('-')
            .ok_or_else(|| invalid(filename, "no version"))?;
        Ok(Self::Sdist {
            name: normalize_name(name, filename)?,
            version: Version::parse(version)
                .ok_or_else(|| invalid(filename, "bad PEP 440 version"))?,
        })
    }
}

/// A PEP 440 version in comparable canonical form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    epoch: u64,
    release: Vec<u64>,
    pre: Option<(u8, u64)>,
    post: Option<u64>,
    dev: Option<u64>,
    local: Vec<String>,
}

impl Version {
    /// Parse a PEP 440 version (case-insensitive, `v` prefix allowed).
    #[must_use]
    pub fn parse(raw: &str) -> Option<Self> {
        let s = raw.trim().to_lowercase();
        let s = s.strip_prefix('v').unwrap_or(&s);
        let (public, local) = s.split_once('+').map_or((s, None), |(a, b)| (a, Some(b)));
        let local: Vec<String> = match local {
            None => Vec::new(),
            Some(l) => {
                let parts: Vec<String> = l
                    .split(['.', '-', '_'])
                    .map(|p| {
                        p.parse::<u64>()
                            .map_or_else(|_| p.to_owned(), |n| n.to_string())
                    })
                    .collect();
                if parts
                    .iter()
                    .any(|p| p.is_empty() || !p.chars().all(|c| c.is_ascii_alphanumeric()))
                {
                    return None;
                }
                parts
            }
        };
        let (epoch, rest) = match public.split_once('!') {
            Some((e, r)) => (e.parse().ok()?, r),
            None => (0, public),
        };
        let digits_end = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (rel, mut tail) = rest.split_at(digits_end);
        let rel = rel
            .strip_suffix('.')
            .filter(|_| !tail.is_empty())
            .unwrap_or(rel);
        let mut release: Vec<u64> = rel
            .split('.')
            .map(|p| p.parse().ok())
            .collect::<Option<_>>()?;
        while release.len() > 1 && release.last() == Some(&0) {
            release.pop();
        }
        let take_num = |t: &mut &str| -> u64 {
            let t2 = t.trim_start_matches(['.', '-', '_']);
            let end = t2.find(|c: char| !c.is_ascii_digit()).unwrap_or(t2.len());
            let n = t2.get(..end).and_then(|d| d.parse().ok()).unwrap_or(0);
            *t = t2.get(end..).unwrap_or("");
            n
        };
        let mut pre = None;
        let mut post = None;
        let mut dev = None;
        let labels: [(&str, u8); 8] = [
            ("alpha", 0),
            ("a", 0),
            ("beta", 1),
            ("b", 1),
            ("preview", 2),
            ("pre", 2),
            ("rc", 2),
            ("c", 2),
        ];
        let t = tail.trim_start_matches(['.', '-', '_']);
        if let Some((label, rank)) = labels.iter().find(|(l, _)| t.starts_with(l)) {
            tail = t.get(label.len()..).unwrap_or("");
            pre = Some((*rank, take_num(&mut tail)));
        }
        let t = tail.trim_start_matches(['.', '-', '_']);
        for label in ["post", "rev", "r"] {
            if let Some(r) = t.strip_prefix(label) {
                tail = r;
                post = Some(take_num(&mut tail));
                break;
            }
        }
        if post.is_none()
            && tail.starts_with('-')
            && tail
                .get(1..2)
                .is_some_and(|c| c.chars().all(|c| c.is_ascii_digit()))
        {
            post = Some(take_num(&mut tail));
        }
        let t = tail.trim_start_matches(['.', '-', '_']);
        if let Some(r) = t.strip_prefix("dev") {
            tail = r;
            dev = Some(take_num(&mut tail));
        }
        if !tail.is_empty() {
            return None;
        }
        Some(Self {
            epoch,
            release,
            pre,
            post,
            dev,
            local,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(a: &str, b: &str) -> bool {
        Dist::parse(a).ok() == Dist::parse(b).ok() && Dist::parse(a).is_ok()
    }

    #[test]
    fn accepts_equivalent_names() {
        assert!(same(
            "Foo_Bar-1.0-py3-none-any.whl",
            "foo.bar-1.0.0-py3-none-any.whl"
        ));
        assert!(same(
            "a-1.0-py2.py3-none-any.whl",
            "a-1.0-py3.py2-none-any.whl"
        ));
        assert!(same("a-1.0a1.tar.gz", "a-1.0.0alpha1.tar.gz"));
        assert!(same("a-1.0.post1.tar.gz", "a-1.0.POST1.tar.gz"));
        assert!(same("a-1.0rc1.dev2.tar.gz", "a-1.0c1_dev2.tar.gz"));
        assert!(same("a-1.0+Local.1.tar.gz", "a-1.0+local_1.tar.gz"));
        assert!(same(
            "spt3g-1.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "spt3g-1.0-cp310-cp310-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"
        ));
    }

    #[test]
    fn rejects_different_or_invalid_names() {
        assert!(!same("a-1.0-py3-none-any.whl", "a-1.0.tar.gz"));
        assert!(!same("a-1.0-py3-none-any.whl", "b-1.0-py3-none-any.whl"));
        assert!(!same("a-1.0-py3-none-any.whl", "a-1.1-py3-none-any.whl"));
        assert!(!same("a-1.0-py3-none-any.whl", "a-1.0-1-py3-none-any.whl"));
        for bad in [
            "a.whl",
            "x/a-1.0.tar.gz",
            "a__b-1.0.tar.gz",
            "a-1.0.exe",
            "a-notaversion.tar.gz",
        ] {
            assert_eq!(
                Dist::parse(bad).map_err(|e| e.kind()),
                Err(ErrorKind::ArtifactNameInvalid),
                "{bad}"
            );
        }
    }
}
