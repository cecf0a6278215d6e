//! Human-readable report: one block per finding, then suppressions, notes and a summary.

use crate::lint::finding::{Report, Severity, source_of};

pub fn render(report: &Report) -> String {
    let mut out = String::new();
    for e in &report.errors {
        out.push_str(&format!("{}: unreadable: {}\n", e.location, e.message));
    }
    for f in &report.findings {
        out.push_str(&format!(
            "{}: {}[{}] {}\n",
            f.location,
            f.severity.as_str(),
            f.rule_id,
            f.message
        ));
        if let Some(a) = &f.address {
            out.push_str(&format!("  = address: {a}\n"));
        }
        out.push_str(&format!("  = fix: {}\n", f.remedy));
        out.push_str(&format!(
            "  = see: {}; cmek lint --explain {}\n",
            source_of(f.doc_section),
            f.rule_id
        ));
    }
    if !report.suppressed.is_empty() {
        out.push_str(&format!("suppressed ({}):\n", report.suppressed.len()));
        for f in &report.suppressed {
            let reason = f
                .suppressed
                .as_ref()
                .map(|s| s.reason.as_str())
                .unwrap_or("");
            out.push_str(&format!(
                "  {}: {} {} (reason: {reason})\n",
                f.location, f.rule_id, f.message
            ));
        }
    }
    for n in &report.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    out.push_str(&format!(
        "{} error(s), {} warning(s), {} info, {} suppressed\n",
        report.count(Severity::Error),
        report.count(Severity::Warning),
        report.count(Severity::Info),
        report.suppressed.len()
    ));
    out
}
