//! SARIF 2.1.0 for GitHub code scanning: rule metadata in `runs[0].tool.driver.rules`, one
//! result per finding (suppressed ones carry `suppressions`).

use serde_json::{Value, json};

use crate::lint::finding::{Finding, Report, Severity};
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
            "justification": s.reason,
        }]);
    }
    r
}

pub fn render(report: &Report) -> String {
    let rules = registry::all();
    let rule_meta: Vec<Value> = rules
        .iter()
        .map(|r| {
            json!({
                "id": r.meta.id,
                "shortDescription": { "text": r.meta.summary },
                "fullDescription": { "text": r.meta.docs.lines().skip(1).take_while(|l| !l.starts_with("## ")).collect::<Vec<_>>().join(" ").trim() },
                "help": { "text": r.meta.remedy, "markdown": r.meta.docs },
                "helpUri": r.meta.help_uri(),
                "defaultConfiguration": { "level": level(r.meta.severity) },
                "properties": { "suppressible": r.meta.suppressible, "source": format!("domain/anthropic-cmek.md {}", r.meta.section) },
            })
        })
        .collect();
    let index = |id: &str| rules.iter().position(|r| r.meta.id == id);
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
