//! GitHub Actions workflow commands: `::error file=...,line=...,col=...,title=RULE::message`.

use crate::lint::finding::{Report, Severity};

/// Escape a workflow-command message (`%`, CR, LF).
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escape a workflow-command property (also `:` and `,`).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for e in &report.errors {
        out.push_str(&format!(
            "::error file={},line={},col={},title=unreadable::{}\n",
            escape_property(&e.location.file),
            e.location.line,
            e.location.column,
            escape_data(&e.message)
        ));
    }
    for f in &report.findings {
        let level = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        out.push_str(&format!(
            "::{level} file={},line={},col={},title={}::{}\n",
            escape_property(&f.location.file),
            f.location.line,
            f.location.column,
            escape_property(f.rule_id),
            escape_data(&format!("{} (fix: {})", f.message, f.remedy))
        ));
    }
    out
}
