// SPDX-License-Identifier: Apache-2.0
//! Strict JSON (spec §0.4): UTF-8 without BOM, RFC 8259, whole input consumed,
//! no duplicate keys at any depth, nesting at most [`limits::JSON_DEPTH`].
//! Everything we read from an attestation goes through [`parse`] first.

use std::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::{Error, ErrorKind, Result};
use crate::limits;

/// Parse `bytes` strictly into a [`Value`], refusing more than `max_len` bytes.
///
/// # Errors
/// `InputTooLarge` over `max_len`; `MalformedJson` for anything §0.4 rejects.
pub fn parse(bytes: &[u8], max_len: usize, what: &str) -> Result<Value> {
    if bytes.len() > max_len {
        return Err(Error::new(
            ErrorKind::InputTooLarge,
            "0.5",
            format!("{what} is {} bytes; the limit is {max_len}", bytes.len()),
        ));
    }
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return Err(Error::new(
            ErrorKind::MalformedJson,
            "0.4.1",
            format!("{what} starts with a byte-order mark"),
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        Error::new(
            ErrorKind::MalformedJson,
            "0.4.1",
            format!("{what} is not UTF-8: {e}"),
        )
    })?;
    let mut de = serde_json::Deserializer::from_str(text);
    // Our depth budget (64) trips before serde_json's own (128).
    let value = Strict { depth: 0 }
        .deserialize(&mut de)
        .map_err(|e| json_error(what, &e))?;
    de.end().map_err(|e| json_error(what, &e))?;
    Ok(value)
}

/// [`parse`], but a malformed document is reported as `kind` at `step`
/// (the caller's context: a statement, a trusted root, a JSON line).
/// `InputTooLarge` keeps its kind.
///
/// # Errors
/// `InputTooLarge` over `max_len`; `kind` for anything else §0.4 rejects.
pub fn parse_as(
    bytes: &[u8],
    max_len: usize,
    what: &str,
    kind: ErrorKind,
    step: &'static str,
) -> Result<Value> {
    parse(bytes, max_len, what).map_err(|e| {
        if e.kind() == ErrorKind::InputTooLarge {
            e
        } else {
            Error::new(kind, step, e.detail().to_owned())
        }
    })
}

fn json_error(what: &str, e: &serde_json::Error) -> Error {
    // Spec §9 lists excessive depth under MalformedJson.
    Error::new(
        ErrorKind::MalformedJson,
        "0.4.2",
        format!("{what} is not valid JSON: {e}"),
    )
}

/// A seed that tracks depth and rejects duplicate keys.
#[derive(Clone, Copy)]
struct Strict {
    depth: usize,
}

impl Strict {
    fn deeper<E: de::Error>(self) -> Result<Self, E> {
        if self.depth >= limits::JSON_DEPTH {
            return Err(E::custom(format_args!(
                "nesting deeper than {} levels",
                limits::JSON_DEPTH
            )));
        }
        Ok(Self {
            depth: self.depth + 1,
        })
    }
}

impl<'de> DeserializeSeed<'de> for Strict {
    type Value = Value;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Strict {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let inner = self.deeper()?;
        let mut out = Vec::new();
        while let Some(v) = seq.next_element_seed(inner)? {
            out.push(v);
        }
        Ok(Value::Array(out))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let inner = self.deeper()?;
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(de::Error::custom(format_args!("duplicate key {key:?}")));
            }
            let v = map.next_value_seed(inner)?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}

/// Typed access to a parsed object, with errors of one kind (the caller's).
pub struct Obj<'a> {
    map: &'a Map<String, Value>,
    kind: ErrorKind,
    step: &'static str,
    path: String,
}

impl<'a> Obj<'a> {
    /// View `value` as an object, or fail with `kind`.
    ///
    /// # Errors
    /// `kind` if `value` is not an object.
    pub fn new(value: &'a Value, kind: ErrorKind, step: &'static str, path: &str) -> Result<Self> {
        let map = value
            .as_object()
            .ok_or_else(|| Error::new(kind, step, format!("{path} must be a JSON object")))?;
        Ok(Self {
            map,
            kind,
            step,
            path: path.to_owned(),
        })
    }

    /// Fail if any key is outside `allowed` (spec §0.4.7).
    ///
    /// # Errors
    /// `kind` naming the first unknown key.
    pub fn only(&self, allowed: &[&str]) -> Result<()> {
        match self.map.keys().find(|k| !allowed.contains(&k.as_str())) {
            Some(k) => Err(self.err(format!("unknown field {k:?} in {}", self.path))),
            None => Ok(()),
        }
    }

    /// The error this view raises, with its path.
    #[must_use]
    pub fn err(&self, detail: String) -> Error {
        Error::new(self.kind, self.step, detail)
    }

    /// An optional member; JSON `null` counts as absent.
    #[must_use]
    pub fn opt(&self, key: &str) -> Option<&'a Value> {
        self.map.get(key).filter(|v| !v.is_null())
    }

    /// A required member.
    ///
    /// # Errors
    /// `kind` if absent or null.
    pub fn req(&self, key: &str) -> Result<&'a Value> {
        self.opt(key)
            .ok_or_else(|| self.err(format!("{}.{key} is required", self.path)))
    }

    /// A required string member.
    ///
    /// # Errors
    /// `kind` if absent or not a string.
    pub fn str(&self, key: &str) -> Result<&'a str> {
        self.req(key)?
            .as_str()
            .ok_or_else(|| self.err(format!("{}.{key} must be a string", self.path)))
    }

    /// An optional string member.
    ///
    /// # Errors
    /// `kind` if present and not a string.
    pub fn opt_str(&self, key: &str) -> Result<Option<&'a str>> {
        match self.opt(key) {
            None => Ok(None),
            Some(v) => v
                .as_str()
                .map(Some)
                .ok_or_else(|| self.err(format!("{}.{key} must be a string", self.path))),
        }
    }

    /// A nested object member.
    ///
    /// # Errors
    /// `kind` if absent or not an object.
    pub fn obj(&self, key: &str) -> Result<Obj<'a>> {
        Obj::new(
            self.req(key)?,
            self.kind,
            self.step,
            &format!("{}.{key}", self.path),
        )
    }

    /// An array member (required), at most `max` long.
    ///
    /// # Errors
    /// `kind` if absent or not an array; `InputTooLarge` over `max`.
    pub fn arr(&self, key: &str, max: usize) -> Result<&'a Vec<Value>> {
        let v = self
            .req(key)?
            .as_array()
            .ok_or_else(|| self.err(format!("{}.{key} must be an array", self.path)))?;
        if v.len() > max {
            return Err(Error::new(
                ErrorKind::InputTooLarge,
                "0.5",
                format!(
                    "{}.{key} has {} elements; the limit is {max}",
                    self.path,
                    v.len()
                ),
            ));
        }
        Ok(v)
    }

    /// The underlying map.
    #[must_use]
    pub fn map(&self) -> &'a Map<String, Value> {
        self.map
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(input: &[u8]) -> ErrorKind {
        parse(input, 1 << 20, "test").map_or_else(|e| e.kind(), |_| ErrorKind::UsageError)
    }

    #[test]
    fn accepts_plain_objects() {
        assert!(parse(br#"{"a":[1,{"b":null}],"c":"d"}"#, 100, "t").is_ok());
    }

    #[test]
    fn rejects_duplicate_keys_at_depth() {
        assert_eq!(kind(br#"{"a":{"b":1,"b":2}}"#), ErrorKind::MalformedJson);
    }

    #[test]
    fn rejects_bom_trailing_data_and_truncation() {
        assert_eq!(kind(b"\xEF\xBB\xBF{}"), ErrorKind::MalformedJson);
        assert_eq!(kind(b"{} x"), ErrorKind::MalformedJson);
        assert_eq!(kind(b"{\"a\":"), ErrorKind::MalformedJson);
        assert_eq!(kind(b"{\"a\":\"\xff\"}"), ErrorKind::MalformedJson);
    }

    #[test]
    fn rejects_deep_nesting_without_overflow() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert_eq!(kind(deep.as_bytes()), ErrorKind::MalformedJson);
        let ok = "[".repeat(limits::JSON_DEPTH) + &"]".repeat(limits::JSON_DEPTH);
        assert!(parse(ok.as_bytes(), 1 << 20, "t").is_ok());
    }

    #[test]
    fn rejects_oversized_input_before_parsing() {
        assert_eq!(
            parse(b"{}", 1, "t").map_err(|e| e.kind()),
            Err(ErrorKind::InputTooLarge)
        );
    }
}
