//! Suppressions: `# cmek:ignore RULE-ID reason` (or `// cmek:ignore ...`) on the finding's line
//! or the line above, and `lint { ignore { rule, address, reason } }` in the spec. A reason is
//! required; rules with `suppressible = false` cannot be silenced. Refused suppressions become
//! notes in the report.

use super::finding::{Finding, Location, Suppression};
use super::registry;
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

/// Decide whether `finding` is suppressed by a comment or config entry. Returns the
/// suppression, and pushes a note for each refused one.
pub fn apply(
    finding: &Finding,
    comments: &[IgnoreComment],
    config: &[LintIgnore],
    notes: &mut Vec<String>,
) -> Option<Suppression> {
    let suppressible = registry::find(finding.rule_id).is_none_or(|r| r.meta.suppressible);
    let line = finding.location.line;
    for c in comments {
        if !c.rule.eq_ignore_ascii_case(finding.rule_id)
            || c.location.file != finding.location.file
            || !(c.location.line == line || c.location.line + 1 == line)
        {
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
