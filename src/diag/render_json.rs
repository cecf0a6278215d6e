//! `--format json`: a deterministic JSON array, one object per diagnostic:
//! `severity, code, message, file, line, column, end_line, end_column, hint, labels, notes`.
//! Lines and columns are 1-based (columns in characters); `file` and the positions are `null`
//! for a diagnostic without a location. Secret-looking tokens are redacted in every string.

use serde::Serialize;

use super::diagnostic::{Diagnostic, Diagnostics, Label, Severity};
use super::redact::redact_str;
use super::source::SourceMap;

#[derive(Debug, Serialize)]
pub struct JsonLabel {
    pub file: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
    pub message: String,
}

#[derive(Debug, Serialize)]
pub struct JsonDiagnostic {
    pub severity: Severity,
    pub code: String,
    pub message: String,
    pub file: Option<String>,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub end_line: Option<u32>,
    pub end_column: Option<u32>,
    pub hint: Option<String>,
    pub labels: Vec<JsonLabel>,
    pub notes: Vec<String>,
}

fn json_label(l: &Label, sources: &SourceMap) -> Option<JsonLabel> {
    let f = sources.get(l.span.file)?;
    let (line, column) = f.line_col(l.span.range.start);
    let (end_line, end_column) = f.line_col(l.span.range.end);
    Some(JsonLabel {
        file: redact_str(f.name()).into_owned(),
        line,
        column,
        end_line,
        end_column,
        message: redact_str(&l.message).into_owned(),
    })
}

/// The JSON object for one diagnostic.
pub fn to_json(d: &Diagnostic, sources: &SourceMap) -> JsonDiagnostic {
    let primary = d.primary.as_ref().and_then(|l| json_label(l, sources));
    let mut labels = Vec::new();
    if let Some(p) = &primary
        && !p.message.is_empty()
    {
        labels.push(JsonLabel {
            file: p.file.clone(),
            message: p.message.clone(),
            ..*p
        });
    }
    labels.extend(d.secondary.iter().filter_map(|l| json_label(l, sources)));
    JsonDiagnostic {
        severity: d.severity,
        code: d.code.clone(),
        message: redact_str(&d.message).into_owned(),
        file: primary.as_ref().map(|p| p.file.clone()),
        line: primary.as_ref().map(|p| p.line),
        column: primary.as_ref().map(|p| p.column),
        end_line: primary.as_ref().map(|p| p.end_line),
        end_column: primary.as_ref().map(|p| p.end_column),
        hint: d.help.as_ref().map(|h| redact_str(h).into_owned()),
        labels,
        notes: d.notes.iter().map(|n| redact_str(n).into_owned()).collect(),
    }
}

/// The JSON array for a collection (pretty-printed, stable key order).
pub fn render(diags: &Diagnostics, sources: &SourceMap) -> String {
    let all: Vec<JsonDiagnostic> = diags.iter().map(|d| to_json(d, sources)).collect();
    serde_json::to_string_pretty(&all).unwrap_or_else(|_| String::from("[]"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diag::Span;

    #[test]
    fn json_has_positions() {
        let mut sm = SourceMap::new();
        let f = sm.add("a.hcl", "ab\ncd\n");
        let mut ds = Diagnostics::new();
        ds.push(Diagnostic::error("x::y", "msg").at(Span::new(f, 3..5), "lbl"));
        let v: serde_json::Value = serde_json::from_str(&render(&ds, &sm)).unwrap();
        assert_eq!(v[0]["line"], 2);
        assert_eq!(v[0]["column"], 1);
        assert_eq!(v[0]["end_column"], 3);
        assert_eq!(v[0]["file"], "a.hcl");
        assert_eq!(v[0]["labels"][0]["message"], "lbl");
    }
}
