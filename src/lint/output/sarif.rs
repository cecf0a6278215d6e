//! SARIF 2.1.0 for GitHub code scanning. The log is valid against the OASIS SARIF 2.1.0 JSON
//! schema (`tests/lint_sarif.rs` checks every kind of document cmek emits against a vendored
//! copy) and carries what code scanning reads beyond the schema:
//!
//! - `runs[0].tool.driver`: `name`, `informationUri`, `version` and `semanticVersion`, and
//!   every rule that ran in `rules`, each with `shortDescription`, `fullDescription` (both at
//!   most 1024 characters), `help` (text and Markdown), `defaultConfiguration.level`, `helpUri`
//!   for built-in rules (their page under `docs/rules/`), and `properties.tags` with
//!   `security-severity` (code scanning's critical/high/medium/low);
//! - one result per finding, with `ruleId`/`ruleIndex`, a 1-based `region`, an
//!   `artifactLocation.uri` that is a valid URI reference (the path as given, percent-encoded),
//!   `partialFingerprints` that do not depend on the line (so an alert survives edits above it),
//!   and `suppressions` for suppressed findings;
//! - `runs[0].invocations[0]`: `executionSuccessful` is false when an input could not be read;
//!   each such input (the exit-code-2 errors) and each note of the run (refused suppressions)
//!   is a `toolExecutionNotifications` entry, so SARIF consumers see them too.
//!
//! `automationDetails` is left out on purpose: `github/codeql-action/upload-sarif` only fills it
//! in (from its `category` input) when the log has none, so a fixed id here would override the
//! workflow's category.

use std::collections::HashMap;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::lint::finding::{Finding, InputError, Location, Report, RuleMeta, Severity};
use crate::lint::registry;

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// The `partialFingerprints` key of a result (versioned: a change to what is hashed changes it).
pub const FINGERPRINT_KEY: &str = "cmekFindingHash/v1";

/// GitHub code scanning's limit on `shortDescription` and `fullDescription`.
const DESCRIPTION_MAX_CHARS: usize = 1024;

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Code scanning's `security-severity` score for a rule's default severity: error is high
/// (7.0-8.9), warning medium (4.0-6.9), info low (0.1-3.9).
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "8.0",
        Severity::Warning => "5.0",
        Severity::Info => "2.0",
    }
}

/// A file path as a SARIF `artifactLocation.uri`: a relative (or absolute-path) URI reference.
/// Unreserved characters, sub-delimiters, `@` and `/` stay; everything else (spaces, `%`, `#`,
/// `?`, `:`, non-ASCII bytes) is percent-encoded, so the path reads back unchanged.
fn uri_of(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.bytes() {
        let b = if cfg!(windows) && b == b'\\' { b'/' } else { b };
        let keep = b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'-' | b'.'
                    | b'_'
                    | b'~'
                    | b'!'
                    | b'$'
                    | b'&'
                    | b'\''
                    | b'('
                    | b')'
                    | b'*'
                    | b'+'
                    | b','
                    | b';'
                    | b'='
                    | b'@'
                    | b'/'
            );
        if keep {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn location(l: &Location) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": uri_of(&l.file) },
            // SARIF lines and columns start at 1; a 0 would make the log invalid.
            "region": { "startLine": l.line.max(1), "startColumn": l.column.max(1) },
        }
    })
}

/// A fingerprint of what the finding is about, without its line or column: the rule, the
/// file, the spec address, the message, and which of several identical findings it is.
fn fingerprint(f: &Finding, occurrence: usize) -> String {
    let mut h = Sha256::new();
    for part in [
        f.rule_id,
        f.location.file.as_str(),
        f.address.as_deref().unwrap_or(""),
        f.message.as_str(),
        &occurrence.to_string(),
    ] {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    hex::encode(h.finalize())
}

fn result(f: &Finding, rule_index: Option<usize>, occurrence: usize) -> Value {
    let mut r = json!({
        "ruleId": f.rule_id,
        "level": level(f.severity),
        "message": { "text": format!("{} (fix: {})", f.message, f.remedy) },
        "locations": [location(&f.location)],
        "partialFingerprints": { FINGERPRINT_KEY: fingerprint(f, occurrence) },
    });
    if let Some(i) = rule_index {
        r["ruleIndex"] = json!(i);
    }
    if let Some(a) = &f.address {
        r["properties"] = json!({ "address": a });
    }
    if let Some(s) = &f.suppressed {
        r["suppressions"] = json!([{
            "kind": if s.kind == "comment" { "inSource" } else { "external" },
            "status": "accepted",
            "justification": s.reason,
            "location": location(&s.location),
        }]);
    }
    r
}

/// The rules of the run (built-in ones when the report does not say).
pub(crate) fn rules_of(report: &Report) -> Vec<RuleMeta> {
    if report.rules.is_empty() {
        registry::all().iter().map(|r| r.meta).collect()
    } else {
        report.rules.clone()
    }
}

/// The first paragraph of a rule's "What it does" section.
fn what_it_does(docs: &str) -> String {
    docs.lines()
        .skip_while(|l| !l.starts_with("## What it does"))
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
        .trim()
        .to_string()
}

/// `text` cut to at most `max` characters (at a word boundary, ending in `…`).
fn at_most(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let cut: String = text.chars().take(max - 1).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => &cut[..i],
        _ => cut.as_str(),
    };
    format!("{}…", cut.trim_end())
}

/// Whether `m` is a built-in rule (it has a page under `docs/rules/`), not a user rule.
fn is_builtin(m: &RuleMeta) -> bool {
    registry::find(m.id).is_some_and(|r| r.meta == *m)
}

fn tags(m: &RuleMeta) -> Vec<&'static str> {
    let mut tags = vec!["security", "cmek"];
    if !is_builtin(m) {
        tags.push("user-rule");
    } else if m.id.starts_with("CMEK-AWS-") {
        tags.push("aws");
    } else if m.id.starts_with("CMEK-GCP-") {
        tags.push("gcp");
    } else if m.id.starts_with("CMEK-AZ-") {
        tags.push("azure");
    }
    tags
}

fn rule_descriptor(m: &RuleMeta) -> Value {
    let full = what_it_does(m.docs);
    let full = if full.is_empty() { m.summary } else { &full };
    let mut d = Map::new();
    d.insert("id".into(), json!(m.id));
    d.insert(
        "shortDescription".into(),
        json!({ "text": at_most(m.summary, DESCRIPTION_MAX_CHARS) }),
    );
    d.insert(
        "fullDescription".into(),
        json!({ "text": at_most(full, DESCRIPTION_MAX_CHARS) }),
    );
    d.insert(
        "help".into(),
        json!({ "text": m.remedy, "markdown": m.docs }),
    );
    // A user rule has no page under cmek's docs/rules/.
    if is_builtin(m) {
        d.insert("helpUri".into(), json!(m.help_uri()));
    }
    d.insert(
        "defaultConfiguration".into(),
        json!({ "level": level(m.severity) }),
    );
    d.insert(
        "properties".into(),
        json!({
            "tags": tags(m),
            "security-severity": security_severity(m.severity),
            "suppressible": m.suppressible,
            "source": m.source(),
        }),
    );
    Value::Object(d)
}

fn notification(level: &str, text: &str, at: Option<&Location>) -> Value {
    let mut n = json!({ "level": level, "message": { "text": text } });
    if let Some(l) = at {
        n["locations"] = json!([location(l)]);
    }
    n
}

/// The run's one invocation: whether every input could be read; each input that could not
/// (`error`) and each note of the run (`warning`: refused suppressions, keys `--live` could
/// not read) is a tool execution notification.
fn invocation(errors: &[InputError], notes: &[String]) -> Value {
    let notifications: Vec<Value> = errors
        .iter()
        .map(|e| notification("error", &e.message, Some(&e.location)))
        .chain(notes.iter().map(|t| notification("warning", t, None)))
        .collect();
    let mut inv = json!({ "executionSuccessful": errors.is_empty() });
    if !notifications.is_empty() {
        inv["toolExecutionNotifications"] = json!(notifications);
    }
    inv
}

pub fn render(report: &Report) -> String {
    let rules = rules_of(report);
    let rule_meta: Vec<Value> = rules.iter().map(rule_descriptor).collect();
    let index = |id: &str| rules.iter().position(|m| m.id == id);
    let mut seen: HashMap<String, usize> = HashMap::new();
    let results: Vec<Value> = report
        .findings
        .iter()
        .chain(report.suppressed.iter())
        .map(|f| {
            let key = fingerprint(f, 0);
            let n = seen.entry(key).or_insert(0);
            let occurrence = *n;
            *n += 1;
            result(f, index(f.rule_id), occurrence)
        })
        .collect();
    let v = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "cmek",
                "informationUri": "https://github.com/cmek/cmek",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rule_meta,
            }},
            "invocations": [invocation(&report.errors, &report.notes)],
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_become_uri_references_that_decode_back() {
        assert_eq!(uri_of("keys/prod/main.cmek.hcl"), "keys/prod/main.cmek.hcl");
        assert_eq!(uri_of("my keys/a#1?.json"), "my%20keys/a%231%3F.json");
        assert_eq!(uri_of("100%/ü.json"), "100%25/%C3%BC.json");
        assert_eq!(uri_of("c:d.json"), "c%3Ad.json");
    }

    #[test]
    fn long_descriptions_are_cut_at_a_word() {
        let long = "word ".repeat(400);
        let cut = at_most(&long, DESCRIPTION_MAX_CHARS);
        assert!(cut.chars().count() <= DESCRIPTION_MAX_CHARS);
        assert!(cut.ends_with("word…"));
        assert_eq!(at_most("short", 10), "short");
    }
}
