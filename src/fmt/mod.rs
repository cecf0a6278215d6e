//! `fmt/`: the canonical formatter for cmek specs, in the spirit of `terraform fmt`.
//!
//! Pipeline: hcl-edit parses the file losslessly (every comment and line break is kept in the
//! decor of the nodes) → [`printer`] walks the tree and emits tokens with canonical spacing →
//! [`layout`] indents (2 spaces per level), aligns `=` in runs of single-line attributes and
//! trailing comments, collapses blank lines, and ends the file with exactly one newline.
//!
//! Guarantees, checked on every call before a result is returned (a failed check is a
//! [`FormatError::Internal`], so a caller never writes a damaged file):
//! - the output parses;
//! - the output means the same: its hcl-rs syntax tree equals the input's;
//! - every comment of the input is in the output, in the same order.
//!
//! Formatting is idempotent (`format(format(x)) == format(x)`); the tests check it on every
//! fixture. Line breaks inside values are kept as written (a multi-line list stays
//! multi-line), only re-indented. Heredoc bodies and string contents are never touched.
//! CRLF line endings become LF.

mod comments;
mod diff;
pub mod files;
mod layout;
mod printer;
mod trivia;

use std::fmt;

pub use diff::unified_diff;

/// A syntax error in the input, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// 1-based.
    pub line: usize,
    /// 1-based, in characters.
    pub column: usize,
    pub message: String,
    /// The full source line holding the error.
    pub source_line: String,
}

impl ParseError {
    fn from_hcl(e: &hcl_edit::parser::Error) -> ParseError {
        ParseError {
            line: e.location().line(),
            column: e.location().column(),
            message: e.message().to_string(),
            source_line: e.line().to_string(),
        }
    }

    /// `error: <path>:<line>:<col>: <message>` followed by the line and a caret under the
    /// column.
    pub fn render(&self, path: &str) -> String {
        let num = self.line.to_string();
        let gutter = " ".repeat(num.len());
        let caret_pad: String = self
            .source_line
            .chars()
            .take(self.column.saturating_sub(1))
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        format!(
            "error: {path}:{line}:{col}: {msg}\n{gutter} |\n{num} | {src}\n{gutter} | {caret_pad}^\n",
            line = self.line,
            col = self.column,
            msg = self.message,
            src = self.source_line,
        )
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FormatError {
    /// The input is not valid HCL.
    Parse(ParseError),
    /// The formatter could not keep its guarantees for this input (a bug); nothing is written.
    Internal(String),
}

impl fmt::Display for FormatError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FormatError::Parse(e) => write!(f, "{}:{}: {}", e.line, e.column, e.message),
            FormatError::Internal(m) => write!(
                f,
                "internal formatter error ({m}); the file was left untouched, please report this"
            ),
        }
    }
}

impl std::error::Error for FormatError {}

/// Formats HCL source text. See the module docs for the guarantees.
pub fn format_source(src: &str) -> Result<String, FormatError> {
    let body = hcl_edit::parser::parse_body(src)
        .map_err(|e| FormatError::Parse(ParseError::from_hcl(&e)))?;
    let toks = printer::print(src, &body)?;
    let out = layout::render(toks);
    verify(src, &out)?;
    Ok(out)
}

/// Whether `src` is already in canonical form.
pub fn is_formatted(src: &str) -> Result<bool, FormatError> {
    Ok(format_source(src)? == src)
}

fn verify(src: &str, out: &str) -> Result<(), FormatError> {
    if let Err(e) = hcl_edit::parser::parse_body(out) {
        return Err(FormatError::Internal(format!(
            "output does not parse: {}",
            e.message()
        )));
    }
    let before: Result<hcl::Body, _> = hcl::parse(src);
    let after: Result<hcl::Body, _> = hcl::parse(out);
    match (before, after) {
        (Ok(a), Ok(b)) if a == b => {}
        _ => {
            return Err(FormatError::Internal(
                "output would not mean the same as the input".to_string(),
            ));
        }
    }
    if comments::census(src) != comments::census(out) {
        return Err(FormatError::Internal(
            "output would not keep every comment".to_string(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests;
