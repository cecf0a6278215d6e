//! Machine-readable report: `{format_version, summary, findings, suppressed, errors, notes}`.

use serde_json::json;

use crate::lint::finding::{Report, Severity};

pub fn render(report: &Report) -> String {
    let v = json!({
        "format_version": 1,
        "summary": {
            "error": report.count(Severity::Error),
            "warning": report.count(Severity::Warning),
            "info": report.count(Severity::Info),
            "suppressed": report.suppressed.len(),
            "unreadable": report.errors.len(),
        },
        "findings": report.findings,
        "suppressed": report.suppressed,
        "errors": report.errors,
        "notes": report.notes,
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}
