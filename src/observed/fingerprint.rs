//! Fingerprints of observed remote objects: `sha256:<hex>` over a canonical JSON form (object
//! keys sorted recursively, no insignificant whitespace).
//!
//! A saved plan records the fingerprint of every object it was planned against; `apply PLANFILE`
//! refreshes them and refuses the plan when any fingerprint differs. Invariant: the fingerprint of
//! an object depends only on its meaning, never on the order a provider happened to list sets in
//! (each observed type sorts its sets in `canonical_value`) nor on JSON formatting.

use std::fmt;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::{Digest, Sha256};

/// `sha256:<64 lowercase hex>`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Fingerprint(String);

impl Fingerprint {
    /// The fingerprint of a canonical value.
    pub fn of_value(value: &Value) -> Self {
        let text = canonical_json(value);
        let digest = Sha256::digest(text.as_bytes());
        Fingerprint(format!("sha256:{}", hex::encode(digest)))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Fingerprint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Observed objects that can be fingerprinted.
pub trait Fingerprinted {
    /// The value the fingerprint covers: the object's meaning, with sets sorted.
    fn canonical_value(&self) -> Value;

    fn fingerprint(&self) -> Fingerprint {
        Fingerprint::of_value(&self.canonical_value())
    }
}

/// Serializes `value` with object keys sorted at every depth and no whitespace.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// `serde_json::to_value` for the observed types, which only hold strings, numbers, booleans,
/// maps with string keys and JSON values, so conversion cannot fail; a failure would mean a
/// programming error, rendered as a JSON string that still changes the fingerprint.
pub(crate) fn to_value_lossless<T: Serialize>(v: &T) -> Value {
    serde_json::to_value(v).unwrap_or_else(|e| Value::String(format!("unserializable: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_order_and_whitespace_do_not_matter() {
        let a: Value = serde_json::from_str(r#"{"b": 1, "a": {"y": [1, 2], "x": null}}"#).unwrap();
        let b: Value = serde_json::from_str(r#"{"a":{"x":null,"y":[1,2]},"b":1}"#).unwrap();
        assert_eq!(canonical_json(&a), r#"{"a":{"x":null,"y":[1,2]},"b":1}"#);
        assert_eq!(Fingerprint::of_value(&a), Fingerprint::of_value(&b));
    }

    #[test]
    fn array_order_and_values_matter() {
        assert_ne!(
            Fingerprint::of_value(&json!([1, 2])),
            Fingerprint::of_value(&json!([2, 1]))
        );
        assert_ne!(
            Fingerprint::of_value(&json!({"a": "1"})),
            Fingerprint::of_value(&json!({"a": 1}))
        );
    }

    #[test]
    fn format_is_stable() {
        let f = Fingerprint::of_value(&json!({}));
        // sha256("{}")
        assert_eq!(
            f.as_str(),
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a"
        );
    }

    #[test]
    fn escapes_keys() {
        assert_eq!(canonical_json(&json!({"a\"b": "c\n"})), r#"{"a\"b":"c\n"}"#);
    }
}
