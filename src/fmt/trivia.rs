//! Trivia: the whitespace and comments hcl-edit keeps in the `Decor` of every node.
//!
//! The formatter throws away spaces and tabs (it decides spacing itself) but keeps every line
//! break and every comment, in order. A decor string only ever holds whitespace and comments
//! (that is how the parser builds it); anything else is reported as an internal error rather
//! than dropped, so a comment can never disappear silently.

use super::FormatError;

/// One piece of trivia, in source order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Trivia {
    /// A line break (`\n` or `\r\n`).
    Newline,
    /// `# ...` or `// ...`, without the line break that ends it, trailing whitespace removed.
    LineComment(String),
    /// `/* ... */`; may span lines (its inner lines have trailing whitespace removed).
    BlockComment(String),
}

/// Splits a decor string into trivia.
pub(crate) fn parse(raw: &str) -> Result<Vec<Trivia>, FormatError> {
    let mut out = Vec::new();
    let mut rest = raw;
    while let Some(c) = rest.chars().next() {
        if c == '\n' {
            out.push(Trivia::Newline);
            rest = &rest[1..];
        } else if c == ' ' || c == '\t' || c == '\r' {
            rest = &rest[c.len_utf8()..];
        } else if c == '#' || rest.starts_with("//") {
            let end = rest.find('\n').unwrap_or(rest.len());
            out.push(Trivia::LineComment(rest[..end].trim_end().to_string()));
            rest = &rest[end..];
        } else if rest.starts_with("/*") {
            let Some(close) = rest[2..].find("*/") else {
                return Err(FormatError::Internal(
                    "unterminated block comment in trivia".to_string(),
                ));
            };
            let end = 2 + close + 2;
            let text = rest[..end]
                .split('\n')
                .map(str::trim_end)
                .collect::<Vec<_>>()
                .join("\n");
            out.push(Trivia::BlockComment(text));
            rest = &rest[end..];
        } else {
            return Err(FormatError::Internal(format!(
                "unexpected text {:?} between tokens",
                rest.chars().take(20).collect::<String>()
            )));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_whitespace_and_comments() {
        let t = parse("  # a  \n\n  // b\n /* c\n d  */ ").unwrap();
        assert_eq!(
            t,
            vec![
                Trivia::LineComment("# a".into()),
                Trivia::Newline,
                Trivia::Newline,
                Trivia::LineComment("// b".into()),
                Trivia::Newline,
                Trivia::BlockComment("/* c\n d  */".into()),
            ]
        );
    }

    #[test]
    fn crlf_is_one_newline() {
        assert_eq!(parse("\r\n").unwrap(), vec![Trivia::Newline]);
    }

    #[test]
    fn rejects_non_trivia() {
        assert!(parse(" x ").is_err());
    }
}
