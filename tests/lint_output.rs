//! Lint outputs and the CLI contract: snapshots of every format for one multi-finding spec,
//! SARIF structure, suppressions, exit codes, and that the examples and documented policy
//! shapes lint clean.

use std::path::{Path, PathBuf};
use std::process::Command;

use cmek::lint::finding::Severity;
use cmek::lint::output::{github, json, sarif, text};
use cmek::lint::{LintOptions, Report, lint_paths};

const ORG: &str = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";

fn multi() -> Report {
    lint_paths(
        &[PathBuf::from("tests/fixtures/lint/multi")],
        &LintOptions::default(),
    )
}

#[test]
fn multi_finding_outputs_match_snapshots() {
    let r = multi();
    insta::with_settings!({ snapshot_path => "../snapshots/lint", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("multi_text", text::render(&r));
        insta::assert_snapshot!("multi_json", json::render(&r));
        insta::assert_snapshot!("multi_sarif", sarif::render(&r).replace(env!("CARGO_PKG_VERSION"), "[version]"));
        insta::assert_snapshot!("multi_github", github::render(&r));
    });
}

#[test]
fn suppressions_need_a_reason_and_respect_non_suppressible_rules() {
    let r = multi();
    let suppressed: Vec<&str> = r.suppressed.iter().map(|f| f.rule_id).collect();
    assert_eq!(suppressed, ["CMEK-AWS-017", "CMEK-AWS-018"]);
    assert_eq!(r.suppressed[0].suppressed.as_ref().unwrap().kind, "config");
    assert_eq!(r.suppressed[1].suppressed.as_ref().unwrap().kind, "comment");
    // No reason: the comment is refused and the finding stays.
    assert!(r.findings.iter().any(|f| f.rule_id == "CMEK-GCP-005"));
    assert!(r.notes.iter().any(|n| n.contains("has no reason")));
    // Not suppressible: config ignore refused, the error stays.
    assert!(r.findings.iter().any(|f| f.rule_id == "CMEK-AWS-006"));
    assert!(
        r.notes
            .iter()
            .any(|n| n.contains("CMEK-AWS-006 cannot be suppressed"))
    );
    // Every report counts its suppressions.
    assert!(text::render(&r).contains("2 suppressed"));
    assert!(json::render(&r).contains("\"suppressed\": 2"));
}

#[test]
fn sarif_has_the_required_structure() {
    let v: serde_json::Value = serde_json::from_str(&sarif::render(&multi())).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert!(v["$schema"].as_str().unwrap().contains("sarif-2.1.0"));
    let run = &v["runs"][0];
    assert_eq!(run["tool"]["driver"]["name"], "cmek");
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    assert!(rules.len() >= 29);
    for r in rules {
        for field in [
            "id",
            "shortDescription",
            "fullDescription",
            "help",
            "helpUri",
        ] {
            assert!(!r[field].is_null(), "rule lacks {field}: {r}");
        }
        assert!(
            ["error", "warning", "note"]
                .contains(&r["defaultConfiguration"]["level"].as_str().unwrap())
        );
        assert!(
            r["helpUri"]
                .as_str()
                .unwrap()
                .ends_with(&format!("docs/rules/{}.md", r["id"].as_str().unwrap()))
        );
    }
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 7);
    for res in results {
        assert!(res["ruleId"].is_string());
        assert!(res["level"].is_string());
        assert!(res["message"]["text"].is_string());
        let region = &res["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1);
        assert!(region["startColumn"].as_u64().unwrap() >= 1);
        let idx = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], res["ruleId"]);
    }
    assert_eq!(
        results
            .iter()
            .filter(|r| r["suppressions"].is_array())
            .count(),
        2
    );
}

#[test]
fn every_example_lints_clean_at_fail_on_error() {
    let mut n = 0;
    for entry in std::fs::read_dir("examples").unwrap() {
        let dir = entry.unwrap().path();
        // `examples/ci/` holds CI workflows that run cmek, not a spec.
        if !dir.is_dir() || dir.ends_with("ci") {
            continue;
        }
        let r = lint_paths(std::slice::from_ref(&dir), &LintOptions::default());
        assert!(r.errors.is_empty(), "{dir:?}: {:?}", r.errors);
        assert_eq!(
            r.count_at_or_above(Severity::Error),
            0,
            "{dir:?}: {:#?}",
            r.findings
        );
        n += 1;
    }
    assert!(n >= 5);
}

fn policy_rules(name: &str) -> Vec<&'static str> {
    policy_rules_in(name, None)
}

fn policy_rules_in(name: &str, era: Option<&str>) -> Vec<&'static str> {
    let r = lint_paths(
        &[Path::new("tests/fixtures/policy/aws").join(name)],
        &LintOptions {
            region: Some("us-east-2".into()),
            org_uuid: Some(ORG.into()),
            docs_era: era.map(str::to_string),
            ..Default::default()
        },
    );
    assert!(r.errors.is_empty());
    r.findings.iter().map(|f| f.rule_id).collect()
}

#[test]
fn documented_policy_shapes_lint_as_their_era_says() {
    // Current docs: clean.
    assert!(policy_rules("era_current.json").is_empty());
    assert!(policy_rules("claude_platform_on_aws.json").is_empty());
    // July 2026 shape: valid then; under the current docs only the missing org binding counts.
    assert_eq!(policy_rules("era_july_2026.json"), ["CMEK-AWS-006"]);
    // June 2026 shape: no org binding, and no all-zeros compartment, which validation sends.
    let june = policy_rules("era_june_2026.json");
    assert!(june.contains(&"CMEK-AWS-006"));
    assert!(june.contains(&"CMEK-AWS-013"));
    assert!(
        june.iter()
            .all(|r| ["CMEK-AWS-006", "CMEK-AWS-011", "CMEK-AWS-013"].contains(r)),
        "{june:?}"
    );
    // Checked against the docs each was written for (`--docs-era`), every era's shape is
    // entirely clean.
    assert!(policy_rules_in("era_june_2026.json", Some("june_2026")).is_empty());
    assert!(policy_rules_in("era_july_2026.json", Some("july_2026")).is_empty());
    assert!(policy_rules_in("era_current.json", Some("current")).is_empty());
    // The July docs already required the all-zeros compartment the June shape lacks.
    assert!(policy_rules_in("era_june_2026.json", Some("july_2026")).contains(&"CMEK-AWS-013"));
    // The console wizard's shape is rejected.
    assert!(policy_rules("console_wizard.json").contains(&"CMEK-AWS-010"));
}

fn cmek(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cmek"))
        .arg("lint")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn exit_codes_follow_the_cli_contract() {
    let pass = "tests/fixtures/lint/CMEK-AWS-001/pass.json";
    assert_eq!(cmek(&[pass, "--org-uuid", ORG]).0, 0);
    assert_eq!(cmek(&["tests/fixtures/lint/CMEK-AWS-001/fail.json"]).0, 1);
    // A warning only fails at --fail-on warning.
    let warn = "tests/fixtures/lint/CMEK-AWS-018/fail";
    assert_eq!(cmek(&[warn]).0, 0);
    assert_eq!(cmek(&[warn, "--fail-on", "warning"]).0, 1);
    let info = "tests/fixtures/lint/CMEK-AWS-017/fail";
    assert_eq!(cmek(&[info, "--fail-on", "warning"]).0, 0);
    assert_eq!(cmek(&[info, "--fail-on", "info"]).0, 1);
    // Unreadable inputs.
    assert_eq!(cmek(&["tests/fixtures/lint/does-not-exist.json"]).0, 2);
    assert_eq!(cmek(&["Cargo.toml"]).0, 2);
    assert_eq!(
        cmek(&["tests/fixtures/lint/CMEK-AWS-016"]).0,
        2,
        "not a spec directory"
    );
    // Formats.
    let (code, out) = cmek(&[
        "tests/fixtures/lint/CMEK-AWS-001/fail.json",
        "--format",
        "github",
    ]);
    assert_eq!(code, 1);
    assert!(out.starts_with(
        "::error file=tests/fixtures/lint/CMEK-AWS-001/fail.json,line=1,col=1,title=CMEK-AWS-001::"
    ));
}

#[test]
fn explain_prints_the_rule_docs() {
    let (code, out) = cmek(&["--explain", "CMEK-AWS-008"]);
    assert_eq!(code, 0);
    assert!(out.contains("## Why it matters"));
    assert!(out.contains("DescribeKey"));
    let (code, _) = cmek(&["--explain", "CMEK-AWS-999"]);
    assert_eq!(code, 2);
}

/// The parts of the SARIF 2.1.0 JSON schema (OASIS, `sarif-schema-2.1.0.json`) that cover
/// every object cmek emits: for each definition, its allowed properties (the schema sets
/// `additionalProperties: false` on all of them), its required ones, and the definition of
/// each child. `propertyBag` objects are free-form.
mod sarif_schema {
    use serde_json::Value;

    pub struct Def {
        pub name: &'static str,
        pub allowed: &'static [&'static str],
        pub required: &'static [&'static str],
        /// (property, child definition, is an array of it)
        pub children: &'static [(&'static str, &'static str, bool)],
    }

    pub const DEFS: &[Def] = &[
        Def {
            name: "sarifLog",
            allowed: &[
                "$schema",
                "version",
                "runs",
                "inlineExternalProperties",
                "properties",
            ],
            required: &["version", "runs"],
            children: &[("runs", "run", true)],
        },
        Def {
            name: "run",
            allowed: &[
                "tool",
                "invocations",
                "conversion",
                "language",
                "versionControlProvenance",
                "originalUriBaseIds",
                "artifacts",
                "logicalLocations",
                "graphs",
                "results",
                "automationDetails",
                "runAggregates",
                "baselineGuid",
                "redactionTokens",
                "defaultEncoding",
                "defaultSourceLanguage",
                "newlineSequences",
                "columnKind",
                "externalPropertyFileReferences",
                "threadFlowLocations",
                "taxonomies",
                "addresses",
                "translations",
                "policies",
                "webRequests",
                "webResponses",
                "specialLocations",
                "properties",
            ],
            required: &["tool"],
            children: &[("tool", "tool", false), ("results", "result", true)],
        },
        Def {
            name: "tool",
            allowed: &["driver", "extensions", "properties"],
            required: &["driver"],
            children: &[("driver", "toolComponent", false)],
        },
        Def {
            name: "toolComponent",
            allowed: &[
                "guid",
                "name",
                "organization",
                "product",
                "productSuite",
                "shortDescription",
                "fullDescription",
                "fullName",
                "version",
                "semanticVersion",
                "dottedQuadFileVersion",
                "releaseDateUtc",
                "downloadUri",
                "informationUri",
                "globalMessageStrings",
                "notifications",
                "rules",
                "taxa",
                "locations",
                "language",
                "contents",
                "isComprehensive",
                "localizedDataSemanticVersion",
                "minimumRequiredLocalizedDataSemanticVersion",
                "associatedComponent",
                "translationMetadata",
                "supportedTaxonomies",
                "properties",
            ],
            required: &["name"],
            children: &[("rules", "reportingDescriptor", true)],
        },
        Def {
            name: "reportingDescriptor",
            allowed: &[
                "id",
                "deprecatedIds",
                "guid",
                "deprecatedGuids",
                "name",
                "deprecatedNames",
                "shortDescription",
                "fullDescription",
                "messageStrings",
                "defaultConfiguration",
                "helpUri",
                "help",
                "relationships",
                "properties",
            ],
            required: &["id"],
            children: &[
                ("shortDescription", "multiformatMessageString", false),
                ("fullDescription", "multiformatMessageString", false),
                ("help", "multiformatMessageString", false),
                ("defaultConfiguration", "reportingConfiguration", false),
            ],
        },
        Def {
            name: "multiformatMessageString",
            allowed: &["text", "markdown", "properties"],
            required: &["text"],
            children: &[],
        },
        Def {
            name: "reportingConfiguration",
            allowed: &["enabled", "level", "rank", "parameters", "properties"],
            required: &[],
            children: &[],
        },
        Def {
            name: "result",
            allowed: &[
                "ruleId",
                "ruleIndex",
                "rule",
                "kind",
                "level",
                "message",
                "analysisTarget",
                "locations",
                "guid",
                "correlationGuid",
                "occurrenceCount",
                "partialFingerprints",
                "fingerprints",
                "stacks",
                "codeFlows",
                "graphs",
                "graphTraversals",
                "relatedLocations",
                "suppressions",
                "baselineState",
                "rank",
                "attachments",
                "hostedViewerUri",
                "workItemUris",
                "provenance",
                "fixes",
                "taxa",
                "webRequest",
                "webResponse",
                "properties",
            ],
            required: &["message"],
            children: &[
                ("message", "message", false),
                ("locations", "location", true),
                ("suppressions", "suppression", true),
            ],
        },
        Def {
            name: "message",
            allowed: &["text", "markdown", "id", "arguments", "properties"],
            required: &[],
            children: &[],
        },
        Def {
            name: "location",
            allowed: &[
                "id",
                "physicalLocation",
                "logicalLocations",
                "message",
                "annotations",
                "relationships",
                "properties",
            ],
            required: &[],
            children: &[("physicalLocation", "physicalLocation", false)],
        },
        Def {
            name: "physicalLocation",
            allowed: &[
                "address",
                "artifactLocation",
                "region",
                "contextRegion",
                "properties",
            ],
            required: &[],
            children: &[
                ("artifactLocation", "artifactLocation", false),
                ("region", "region", false),
            ],
        },
        Def {
            name: "artifactLocation",
            allowed: &["uri", "uriBaseId", "index", "description", "properties"],
            required: &[],
            children: &[],
        },
        Def {
            name: "region",
            allowed: &[
                "startLine",
                "startColumn",
                "endLine",
                "endColumn",
                "charOffset",
                "charLength",
                "byteOffset",
                "byteLength",
                "snippet",
                "message",
                "sourceLanguage",
                "properties",
            ],
            required: &[],
            children: &[],
        },
        Def {
            name: "suppression",
            allowed: &[
                "guid",
                "kind",
                "status",
                "justification",
                "location",
                "properties",
            ],
            required: &["kind"],
            children: &[],
        },
    ];

    fn def(name: &str) -> &'static Def {
        DEFS.iter().find(|d| d.name == name).unwrap()
    }

    /// Every violation of the covered schema rules in `v` read as definition `name`.
    pub fn validate(v: &Value, name: &str, path: &str, out: &mut Vec<String>) {
        let Some(obj) = v.as_object() else {
            out.push(format!("{path}: {name} must be an object"));
            return;
        };
        let d = def(name);
        for k in obj.keys() {
            if !d.allowed.contains(&k.as_str()) {
                out.push(format!("{path}: property `{k}` is not allowed in {name}"));
            }
        }
        for r in d.required {
            if !obj.contains_key(*r) {
                out.push(format!("{path}: {name} requires `{r}`"));
            }
        }
        if let Some(p) = obj.get("properties")
            && !p.is_object()
        {
            out.push(format!("{path}.properties: a property bag is an object"));
        }
        // Per-definition value rules of the schema.
        let s = |k: &str| obj.get(k).and_then(Value::as_str);
        let level_ok =
            |l: Option<&str>| l.is_none_or(|l| ["none", "note", "warning", "error"].contains(&l));
        match name {
            "sarifLog" if s("version") != Some("2.1.0") => {
                out.push(format!("{path}: version must be 2.1.0"));
            }
            "reportingConfiguration" | "result" => {
                if !level_ok(s("level")) {
                    out.push(format!("{path}: bad level {:?}", s("level")));
                }
                if let Some(i) = obj.get("ruleIndex")
                    && i.as_i64().is_none_or(|i| i < -1)
                {
                    out.push(format!("{path}: ruleIndex must be an integer >= -1"));
                }
            }
            "message" if s("text").is_none() && s("id").is_none() => {
                out.push(format!("{path}: a message needs `text` or `id`"));
            }
            "physicalLocation"
                if !obj.contains_key("address") && !obj.contains_key("artifactLocation") =>
            {
                out.push(format!("{path}: needs `address` or `artifactLocation`"));
            }
            "region" => {
                for k in ["startLine", "startColumn"] {
                    if let Some(n) = obj.get(k)
                        && n.as_u64().is_none_or(|n| n < 1)
                    {
                        out.push(format!("{path}: {k} must be an integer >= 1"));
                    }
                }
            }
            "suppression" => {
                if !s("kind").is_some_and(|k| ["inSource", "external"].contains(&k)) {
                    out.push(format!("{path}: bad suppression kind"));
                }
                if let Some(st) = obj.get("status")
                    && !st
                        .as_str()
                        .is_some_and(|st| ["accepted", "underReview", "rejected"].contains(&st))
                {
                    out.push(format!("{path}: bad suppression status"));
                }
            }
            "toolComponent" | "reportingDescriptor" => {
                for k in ["informationUri", "helpUri"] {
                    if let Some(u) = obj.get(k)
                        && !u.as_str().is_some_and(|u| u.starts_with("https://"))
                    {
                        out.push(format!("{path}: {k} must be an absolute URI"));
                    }
                }
            }
            _ => {}
        }
        for (prop, child, array) in d.children {
            let Some(c) = obj.get(*prop) else { continue };
            if *array {
                match c.as_array() {
                    Some(items) => {
                        for (i, item) in items.iter().enumerate() {
                            validate(item, child, &format!("{path}.{prop}[{i}]"), out);
                        }
                    }
                    None => out.push(format!("{path}.{prop}: must be an array")),
                }
            } else {
                validate(c, child, &format!("{path}.{prop}"), out);
            }
        }
    }
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema_rules() {
    let mut reports = vec![multi()];
    // Every failing fixture, suppressed findings included, and an unreadable input.
    let mut paths: Vec<PathBuf> = vec![PathBuf::from("tests/fixtures/lint/does-not-exist.json")];
    for entry in std::fs::read_dir("tests/fixtures/lint").unwrap() {
        let dir = entry.unwrap().path();
        if let Ok(files) = std::fs::read_dir(&dir) {
            for f in files {
                let f = f.unwrap().path();
                if f.file_name().unwrap().to_str().unwrap().starts_with("fail")
                    && f.extension().is_some_and(|e| e == "json")
                {
                    paths.push(f);
                }
            }
        }
    }
    reports.push(lint_paths(
        &paths,
        &LintOptions {
            region: Some("us-east-2".into()),
            org_uuid: Some(ORG.into()),
            ..Default::default()
        },
    ));
    assert!(reports[1].findings.len() > 30);
    for r in &reports {
        let v: serde_json::Value = serde_json::from_str(&sarif::render(r)).unwrap();
        let mut problems = Vec::new();
        sarif_schema::validate(&v, "sarifLog", "$", &mut problems);
        assert!(problems.is_empty(), "{problems:#?}");
    }
    // The validator does catch violations.
    let bad = serde_json::json!({"version": "2.1.0", "runs": [{"tool": {"driver": {}}, "results": [{"level": "fatal", "message": {}, "extra": 1}]}]});
    let mut problems = Vec::new();
    sarif_schema::validate(&bad, "sarifLog", "$", &mut problems);
    assert_eq!(problems.len(), 4, "{problems:#?}");
}
