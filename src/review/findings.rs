//! The lint findings shown in each key's review: `cmek lint` run over the spec directory, each
//! finding of a key as one line (severity, rule, what, the fix), suppressed findings with the
//! reason given for silencing them.
//!
//! Lines carry no location (`cmek lint` has them): a review must depend on what the spec means,
//! not on where in a file it is written. Findings are sorted, so their order does not follow
//! the source either.

use std::collections::BTreeMap;
use std::path::Path;

use crate::lint::{Finding, LintOptions, lint_paths};

/// Lint findings per key address, rendered as review lines.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LintFindings {
    /// `key.aws.prod` → lines, in the lint report's order (active first, then suppressed).
    pub by_address: BTreeMap<String, Vec<String>>,
    /// Why the spec could not be linted, when it could not.
    pub unavailable: Option<String>,
}

impl LintFindings {
    /// The lines of one key (empty when it has no finding).
    pub fn of(&self, address: &str) -> &[String] {
        self.by_address
            .get(address)
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }
}

/// `statement #3` → `a statement`: positions in the source policy say nothing once the review
/// shows the canonical form, and would make a reordered policy review differently. Statements
/// with a `Sid` are named by it and kept.
fn without_positions(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(i) = rest.find("statement #") {
        let after = &rest[i + "statement #".len()..];
        let digits = after.chars().take_while(char::is_ascii_digit).count();
        if digits == 0 {
            out.push_str(&rest[..i + "statement #".len()]);
            rest = after;
            continue;
        }
        let before = &rest[..i];
        // "the statement #2" / "a statement #2" read as "the statement" / "a statement".
        if before.ends_with("the ") || before.ends_with("a ") || before.ends_with("The ") {
            out.push_str(before);
            out.push_str("statement");
        } else {
            out.push_str(before);
            out.push_str("a statement");
        }
        rest = &after[digits..];
    }
    out.push_str(rest);
    out
}

/// One finding as a review line. No file or line number: a review must not change when an
/// unrelated edit moves lines, nor when an escape-hatch policy file is reordered.
fn line(f: &Finding) -> String {
    let message = without_positions(&f.message);
    let text = format!("`{}`: {}", f.rule_id, message.trim_end_matches('.'));
    match &f.suppressed {
        Some(s) => format!(
            "suppressed {} {text} (suppressed by {}: {})",
            f.severity.as_str(),
            s.kind,
            s.reason
        ),
        None => format!(
            "**{}** {text}. Fix: {}",
            f.severity.as_str(),
            f.remedy.trim_end_matches('.')
        ),
    }
}

/// Lints the spec directory `dir` and groups the findings by key.
pub fn lint_findings(dir: &Path) -> LintFindings {
    let report = lint_paths(&[dir.to_path_buf()], &LintOptions::default());
    let mut out = LintFindings::default();
    if !report.errors.is_empty() {
        out.unavailable = Some(
            "the spec could not be linted (run `cmek lint` on the directory to see why)".into(),
        );
        return out;
    }
    for f in report.findings.iter().chain(report.suppressed.iter()) {
        if let Some(address) = &f.address {
            out.by_address
                .entry(address.clone())
                .or_default()
                .push(line(f));
        }
    }
    for lines in out.by_address.values_mut() {
        lines.sort();
        lines.dedup();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::without_positions;

    #[test]
    fn statement_positions_are_dropped() {
        assert_eq!(
            without_positions("statement #2 grants kms:DescribeKey to x"),
            "a statement grants kms:DescribeKey to x"
        );
        assert_eq!(
            without_positions("the statement #10 and statement AllowX"),
            "the statement and statement AllowX"
        );
        assert_eq!(without_positions("issue #x stays"), "issue #x stays");
    }
}
