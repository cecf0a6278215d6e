//! [`Diagnostic`]: one located problem, and [`Diagnostics`]: an ordered collection of them.

use std::fmt;
use std::ops::Range;

use serde::Serialize;

use super::source::FileId;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A byte range in one file of the source map.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: FileId,
    pub range: Range<usize>,
}

impl Span {
    pub fn new(file: FileId, range: Range<usize>) -> Self {
        Span { file, range }
    }

    /// An empty span at the start of a file (for whole-file problems).
    pub fn file_start(file: FileId) -> Self {
        Span { file, range: 0..0 }
    }
}

/// A span with an optional explanation printed next to its underline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One problem. `code` is a stable identifier (`spec::unknown-attribute`) that tools and tests
/// can match on; `message` is for humans and may change.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: String,
    pub message: String,
    /// Where the problem is. `None` only for problems that have no place at all.
    pub primary: Option<Label>,
    pub secondary: Vec<Label>,
    pub help: Option<String>,
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn new(severity: Severity, code: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            code: code.into(),
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            help: None,
            notes: Vec::new(),
        }
    }

    pub fn error(code: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic::new(Severity::Error, code, message)
    }

    pub fn warning(code: impl Into<String>, message: impl Into<String>) -> Self {
        Diagnostic::new(Severity::Warning, code, message)
    }

    /// Sets the primary location with a label text (may be empty).
    pub fn at(mut self, span: Span, label: impl Into<String>) -> Self {
        self.primary = Some(Label {
            span,
            message: label.into(),
        });
        self
    }

    /// Sets the primary location when there is one.
    pub fn at_opt(self, span: Option<Span>, label: impl Into<String>) -> Self {
        match span {
            Some(s) => self.at(s, label),
            None => self,
        }
    }

    pub fn with_label(mut self, span: Span, label: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span,
            message: label.into(),
        });
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_help_opt(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// An ordered collection of diagnostics.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Self {
        Diagnostics::default()
    }

    pub fn push(&mut self, d: Diagnostic) {
        self.items.push(d);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.items.iter()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(Diagnostic::is_error)
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.items.iter().filter(|d| d.severity == severity).count()
    }

    /// Sorts by location (file, then offset); diagnostics without a location go last. Stable,
    /// so diagnostics at the same place keep the order they were found in.
    pub fn sort_by_location(&mut self) {
        self.items.sort_by_key(|d| match &d.primary {
            Some(l) => (0u8, l.span.file, l.span.range.start),
            None => (1u8, super::FileId(u32::MAX), 0),
        });
    }

    /// The summary line: `error: 3 errors, 1 warning in examples/x`, or `None` when there is
    /// nothing to report.
    pub fn summary(&self, what: &str) -> Option<String> {
        let errors = self.count(Severity::Error);
        let warnings = self.count(Severity::Warning);
        let infos = self.count(Severity::Info);
        let mut parts = Vec::new();
        for (n, word) in [(errors, "error"), (warnings, "warning"), (infos, "info")] {
            if n > 0 {
                let plural = if n == 1 || word == "info" { "" } else { "s" };
                parts.push(format!("{n} {word}{plural}"));
            }
        }
        if parts.is_empty() {
            return None;
        }
        let head = if errors > 0 {
            "error"
        } else if warnings > 0 {
            "warning"
        } else {
            "info"
        };
        Some(format!("{head}: {} in {what}", parts.join(", ")))
    }
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

impl<'a> IntoIterator for &'a Diagnostics {
    type Item = &'a Diagnostic;
    type IntoIter = std::slice::Iter<'a, Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.iter()
    }
}

impl FromIterator<Diagnostic> for Diagnostics {
    fn from_iter<T: IntoIterator<Item = Diagnostic>>(iter: T) -> Self {
        Diagnostics {
            items: iter.into_iter().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_counts() {
        let mut d = Diagnostics::new();
        assert_eq!(d.summary("x"), None);
        d.push(Diagnostic::error("a", "m"));
        d.push(Diagnostic::error("a", "m"));
        d.push(Diagnostic::warning("b", "m"));
        assert_eq!(
            d.summary("examples/x").as_deref(),
            Some("error: 2 errors, 1 warning in examples/x")
        );
        assert!(d.has_errors());
    }
}
