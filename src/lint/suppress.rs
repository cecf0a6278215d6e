//! Suppressions: `# cmek:ignore RULE-ID reason` (or `// cmek:ignore ...`) on the finding's line,
//! the line above it, or the line above the key block the finding is about, and `lint { ignore { rule, address, reason } }` in the spec. A reason is
//! required; rules with `suppressible = false` cannot be silenced. Refused suppressions become
//! notes in the report.

use super::finding::{Finding, Location, Suppression};
use crate::spec::model::LintIgnore;

/// One `cmek:ignore` comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoreComment {
    pub rule: String,
    pub reason: String,
    pub location: Location,
}

/// The `cmek:ignore` comments of one file.
pub fn parse_comments(file: &str, text: &str) -> Vec<IgnoreComment> {
    let mut out = Vec::new();
    if !text.contains("cmek:ignore") {
        return out; // most files have none: skip splitting them into lines
    }
    for (i, line) in text.lines().enumerate() {
        let Some(pos) = line.find("cmek:ignore") else {
            continue;
        };
        let before = line[..pos].trim_end();
        if !(before.ends_with('#') || before.ends_with("//")) {
            continue;
        }
        let rest = line[pos + "cmek:ignore".len()..].trim();
        let (rule, reason) = match rest.split_once(char::is_whitespace) {
            Some((r, why)) => (r.to_string(), why.trim().to_string()),
            None => (rest.to_string(), String::new()),
        };
        out.push(IgnoreComment {
            rule,
            reason,
            location: Location::new(file, (i + 1) as u32, (pos + 1) as u32),
        });
    }
    out
}

/// Decide whether `finding` (of a rule that is `suppressible` or not, about the subject whose
/// block starts at `block`) is suppressed by a comment or config entry. A comment applies to
/// its own line, the line below it, and, when written on the line above a block, to every
/// finding about that block. Returns the suppression, and pushes a note for each refused one.
pub fn apply(
    finding: &Finding,
    block: &Location,
    suppressible: bool,
    comments: &[IgnoreComment],
    config: &[LintIgnore],
    notes: &mut Vec<String>,
) -> Option<Suppression> {
    let line = finding.location.line;
    for c in comments {
        let on_line = c.location.file == finding.location.file
            && (c.location.line == line || c.location.line + 1 == line);
        let on_block = c.location.file == block.file && c.location.line + 1 == block.line;
        if !c.rule.eq_ignore_ascii_case(finding.rule_id) || !(on_line || on_block) {
            continue;
        }
        if c.reason.is_empty() {
            notes.push(format!(
                "{}: `cmek:ignore {}` has no reason; it is ignored",
                c.location, c.rule
            ));
            continue;
        }
        if !suppressible {
            notes.push(format!(
                "{}: {} cannot be suppressed; the finding stands",
                c.location, finding.rule_id
            ));
            continue;
        }
        return Some(Suppression {
            kind: "comment",
            reason: c.reason.clone(),
            location: c.location.clone(),
        });
    }
    for ig in config {
        if !ig.rule.eq_ignore_ascii_case(finding.rule_id) {
            continue;
        }
        if let Some(addr) = &ig.address
            && finding.address.as_deref() != Some(addr.to_string().as_str())
        {
            continue;
        }
        let location = Location::new(ig.origin.file.clone(), ig.origin.line, ig.origin.column);
        if ig.reason.trim().is_empty() {
            notes.push(format!(
                "{location}: lint ignore of {} has no reason; it is ignored",
                ig.rule
            ));
            continue;
        }
        if !suppressible {
            notes.push(format!(
                "{location}: {} cannot be suppressed; the finding stands",
                finding.rule_id
            ));
            continue;
        }
        return Some(Suppression {
            kind: "config",
            reason: ig.reason.clone(),
            location,
        });
    }
    None
}
