//! Human-readable report: findings grouped by file, each with the source line it points at
//! (a caret under the column), the fix and where the rule comes from; then suppressions,
//! notes and a summary. Colour (severity, rule id) only when asked for: the CLI asks when
//! stdout is a terminal and `NO_COLOR` is unset.

use std::collections::BTreeMap;

use crate::lint::finding::{Finding, Report, Severity, source_of};

/// ANSI styling, or none.
struct Style {
    on: bool,
}

impl Style {
    fn paint(&self, code: &str, s: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_string()
        }
    }

    fn severity(&self, sev: Severity) -> String {
        let code = match sev {
            Severity::Error => "1;31",
            Severity::Warning => "1;33",
            Severity::Info => "1;34",
        };
        self.paint(code, sev.as_str())
    }
}

/// The lines of the files findings point into, read once; unreadable files have none.
#[derive(Default)]
struct Sources {
    files: BTreeMap<String, Option<Vec<String>>>,
}

impl Sources {
    fn line(&mut self, file: &str, line: u32) -> Option<String> {
        let lines = self.files.entry(file.to_string()).or_insert_with(|| {
            std::fs::read_to_string(file)
                .ok()
                .map(|t| t.lines().map(str::to_string).collect())
        });
        lines
            .as_ref()?
            .get((line as usize).checked_sub(1)?)
            .cloned()
    }
}

/// The source lines shown under a finding: the line it points at (and the next one when that
/// line is only an opening brace, so a JSON statement shows its `Sid`).
fn snippet(f: &Finding, sources: &mut Sources, st: &Style) -> String {
    let Some(first) = sources.line(&f.location.file, f.location.line) else {
        return String::new();
    };
    let mut lines = vec![(f.location.line, first.clone())];
    if first.trim() == "{"
        && let Some(next) = sources.line(&f.location.file, f.location.line + 1)
    {
        lines.push((f.location.line + 1, next));
    }
    let width = lines.last().map_or(1, |(n, _)| n.to_string().len());
    let bar = st.paint("1;34", "|");
    let mut out = format!("{:width$} {bar}\n", "");
    for (i, (n, text)) in lines.iter().enumerate() {
        out.push_str(&format!(
            "{} {bar} {}\n",
            st.paint("1;34", &format!("{n:>width$}")),
            text.trim_end()
        ));
        if i == 0 {
            let col = (f.location.column as usize).saturating_sub(1);
            let pad: String = text
                .chars()
                .take(col)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let caret = match f.severity {
                Severity::Error => st.paint("1;31", "^"),
                Severity::Warning => st.paint("1;33", "^"),
                Severity::Info => st.paint("1;34", "^"),
            };
            if lines.len() == 1 {
                out.push_str(&format!("{:width$} {bar} {pad}{caret}\n", ""));
            }
        }
    }
    out
}

/// The report without colour (files, snapshots, pipes).
pub fn render(report: &Report) -> String {
    render_styled(report, false)
}

/// The report, coloured when `color`.
pub fn render_styled(report: &Report, color: bool) -> String {
    let st = Style { on: color };
    let mut sources = Sources::default();
    let mut out = String::new();
    for e in &report.errors {
        out.push_str(&format!(
            "{}: {}: {}\n",
            e.location,
            st.paint("1;31", "unreadable"),
            e.message
        ));
    }
    let mut by_file: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &report.findings {
        by_file.entry(&f.location.file).or_default().push(f);
    }
    for (file, findings) in by_file {
        out.push_str(&format!("{}\n", st.paint("1", file)));
        for f in findings {
            out.push_str(&format!(
                "{}[{}] {}\n --> {}\n",
                st.severity(f.severity),
                st.paint("1", f.rule_id),
                f.message,
                f.location
            ));
            out.push_str(&snippet(f, &mut sources, &st));
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
        out.push('\n');
    }
    if !report.suppressed.is_empty() {
        out.push_str(&format!("suppressed ({}):\n", report.suppressed.len()));
        for f in &report.suppressed {
            let (kind, reason) = f
                .suppressed
                .as_ref()
                .map(|s| (s.kind, s.reason.as_str()))
                .unwrap_or(("", ""));
            out.push_str(&format!(
                "  {}: {} {} ({kind}: {reason})\n",
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
