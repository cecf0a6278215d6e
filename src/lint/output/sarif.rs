//! SARIF 2.1.0 for GitHub code scanning: rule metadata in `runs[0].tool.driver.rules`, one
//! result per finding (suppressed ones carry `suppressions`).

use serde_json::{Value, json};

use crate::lint::finding::{Finding, Report, RuleMeta, Severity};
use crate::lint::registry;

pub const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn result(f: &Finding, rule_index: Option<usize>) -> Value {
    let mut r = json!({
        "ruleId": f.rule_id,
        "level": level(f.severity),
        "message": { "text": format!("{} (fix: {})", f.message, f.remedy) },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": { "uri": f.location.file },
                "region": { "startLine": f.location.line, "startColumn": f.location.column },
            }
        }],
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

pub fn render(report: &Report) -> String {
    let rules = rules_of(report);
    let rule_meta: Vec<Value> = rules
        .iter()
        .map(|m| {
            json!({
                "id": m.id,
                "shortDescription": { "text": m.summary },
                "fullDescription": { "text": what_it_does(m.docs) },
                "help": { "text": m.remedy, "markdown": m.docs },
                "helpUri": m.help_uri(),
                "defaultConfiguration": { "level": level(m.severity) },
                "properties": { "suppressible": m.suppressible, "source": m.source() },
            })
        })
        .collect();
    let index = |id: &str| rules.iter().position(|m| m.id == id);
    let results: Vec<Value> = report
        .findings
        .iter()
        .chain(report.suppressed.iter())
        .map(|f| result(f, index(f.rule_id)))
        .collect();
    let v = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "cmek",
                "informationUri": "https://github.com/cmek/cmek",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rule_meta,
            }},
            "results": results,
        }],
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_else(|_| "{}".into());
    s.push('\n');
    s
}
