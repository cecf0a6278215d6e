//! Secret detection and redaction.
//!
//! An Anthropic API key starts with `sk-ant-` and continues with letters, digits, `-` and `_`.
//! Anything matching that shape is treated as a secret wherever it appears: source text,
//! messages, labels, hints. Detection is a linear scan (no regex engine needed).

use std::borrow::Cow;
use std::ops::Range;

/// The marker every secret prefix starts with.
pub const SECRET_PREFIX: &str = "sk-ant-";
/// What renderers print instead of a secret.
pub const REDACTED: &str = "***REDACTED***";

fn is_key_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

/// Byte ranges of every secret-looking token in `text`, in order, non-overlapping.
pub fn find_secrets(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(pos) = text.get(from..).and_then(|t| t.find(SECRET_PREFIX)) {
        let start = from + pos;
        let mut end = start + SECRET_PREFIX.len();
        while end < bytes.len() && is_key_char(bytes[end]) {
            end += 1;
        }
        out.push(start..end);
        from = end;
    }
    out
}

/// Whether `text` contains something that looks like an Anthropic API key.
pub fn contains_secret(text: &str) -> bool {
    text.contains(SECRET_PREFIX)
}

/// `text` with every secret-looking token replaced by [`REDACTED`].
pub fn redact_str(text: &str) -> Cow<'_, str> {
    let found = find_secrets(text);
    if found.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for r in found {
        out.push_str(&text[last..r.start]);
        out.push_str(REDACTED);
        last = r.end;
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_and_redacts() {
        let t = "a sk-ant-api03-AbC_d-1 b sk-ant- c";
        let f = find_secrets(t);
        assert_eq!(f.len(), 2);
        assert_eq!(&t[f[0].clone()], "sk-ant-api03-AbC_d-1");
        assert_eq!(redact_str(t), "a ***REDACTED*** b ***REDACTED*** c");
        assert!(matches!(redact_str("nothing"), Cow::Borrowed(_)));
    }
}
