//! `cmek lint --format sarif` against the OASIS SARIF 2.1.0 JSON schema, checked by a real JSON
//! Schema validator (boon, draft-07, format assertions on). The schema is vendored in
//! `tests/fixtures/sarif/` (see its README for where it came from). Every kind of document cmek
//! emits is validated: each rule's failing fixtures (raw AWS key policies, GCP IAM policies,
//! spec directories, Terraform plans), a clean run, a spec with comment and config
//! suppressions and refused ones, a `--baseline` run, a Terraform plan, user rules,
//! unreadable input, and paths that need percent-encoding.
//!
//! The schema does not check what GitHub code scanning needs on top, nor how the log
//! relates to the report. Those checks are explicit assertions below: rule metadata for every
//! `ruleId`, help URIs, description lengths, `security-severity`, 1-based regions on the
//! finding's line, `partialFingerprints` that survive line moves, and `suppressions` exactly
//! for suppressed findings.

use std::collections::{BTreeSet, HashSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use cmek::lint::output::sarif;
use cmek::lint::{LintOptions, Report, lint_paths};
use serde_json::Value;

const ORG: &str = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
const SCHEMA_PATH: &str = "tests/fixtures/sarif/sarif-schema-2.1.0.json";

/// The compiled SARIF 2.1.0 schema.
struct SarifSchema {
    schemas: boon::Schemas,
    index: boon::SchemaIndex,
}

impl SarifSchema {
    fn load() -> SarifSchema {
        let schema: Value =
            serde_json::from_str(&std::fs::read_to_string(SCHEMA_PATH).unwrap()).unwrap();
        assert_eq!(
            schema["title"],
            "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
        );
        assert_eq!(schema["properties"]["version"]["enum"][0], "2.1.0");
        let id = schema["$id"].as_str().unwrap().to_string();
        let mut compiler = boon::Compiler::new();
        compiler.enable_format_assertions();
        // Registered under its own `$id`, so nothing is fetched.
        compiler.add_resource(&id, schema).unwrap();
        let mut schemas = boon::Schemas::new();
        let index = compiler.compile(&id, &mut schemas).unwrap();
        SarifSchema { schemas, index }
    }

    /// Every violation, as `instance <JSON pointer> schema <keyword location>: <error>`.
    fn violations(&self, doc: &Value) -> Vec<String> {
        let Err(e) = self.schemas.validate(doc, self.index) else {
            return Vec::new();
        };
        let out = serde_json::to_value(e.basic_output()).unwrap();
        let unit = |u: &Value| {
            let schema = u
                .get("absoluteKeywordLocation")
                .unwrap_or(&u["keywordLocation"]);
            format!(
                "instance {} schema {}: {}",
                u["instanceLocation"], schema, u["error"]
            )
        };
        match out["errors"].as_array() {
            Some(units) => units.iter().map(unit).collect(),
            None => vec![unit(&out)],
        }
    }

    /// Parse `sarif` and assert it is valid; `what` names the document in the failure.
    fn check(&self, what: &str, sarif: &str) -> Value {
        let doc: Value = serde_json::from_str(sarif)
            .unwrap_or_else(|e| panic!("{what}: SARIF is not JSON: {e}\n{sarif}"));
        let v = self.violations(&doc);
        assert!(
            v.is_empty(),
            "{what}: SARIF violates the 2.1.0 schema:\n  {}",
            v.join("\n  ")
        );
        doc
    }
}

fn opts(region: &str) -> LintOptions {
    LintOptions {
        region: Some(region.into()),
        org_uuid: Some(ORG.into()),
        ..Default::default()
    }
}

/// `<input>.region` sets the region of a rule fixture (as in tests/lint_rules.rs).
fn fixture_region(input: &Path) -> String {
    std::fs::read_to_string(input.with_extension("region"))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "us-east-2".to_string())
}

/// `cmek lint ARGS --format sarif`: (exit code, stdout).
fn cmek_sarif(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cmek"))
        .arg("lint")
        .args(args)
        .args(["--format", "sarif"])
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
    )
}

/// What the schema does not check: GitHub code scanning's requirements and the log's
/// agreement with the report it was rendered from.
fn assert_code_scanning_ready(what: &str, doc: &Value, report: &Report) {
    assert!(
        doc["$schema"]
            .as_str()
            .unwrap()
            .ends_with("sarif-2.1.0.json")
    );
    let runs = doc["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "{what}");
    let run = &runs[0];
    // The workflow's `category` decides automationDetails (upload-sarif fills it in only when
    // it is absent).
    assert!(run.get("automationDetails").is_none(), "{what}");

    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "cmek");
    assert!(
        driver["informationUri"]
            .as_str()
            .unwrap()
            .starts_with("https://")
    );
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(driver["semanticVersion"], env!("CARGO_PKG_VERSION"));

    // Rule metadata.
    let rules = driver["rules"].as_array().unwrap();
    assert!(!rules.is_empty() && rules.len() <= 25_000, "{what}");
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids.iter().collect::<BTreeSet<_>>().len(),
        ids.len(),
        "{what}: duplicate rule ids"
    );
    for r in rules {
        let id = r["id"].as_str().unwrap();
        for field in ["shortDescription", "fullDescription", "help"] {
            let text = r[field]["text"].as_str().unwrap_or("");
            assert!(!text.trim().is_empty(), "{what}: {id} has no {field}");
            if field != "help" {
                assert!(
                    text.chars().count() <= 1024,
                    "{what}: {id} {field} is over code scanning's 1024 characters"
                );
            }
        }
        assert!(r["help"]["markdown"].as_str().unwrap().contains("## "));
        assert!(
            ["error", "warning", "note"]
                .contains(&r["defaultConfiguration"]["level"].as_str().unwrap())
        );
        let props = &r["properties"];
        let tags: Vec<&str> = props["tags"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        assert!(tags.contains(&"security"), "{what}: {id} {tags:?}");
        let score: f64 = props["security-severity"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(score > 0.0 && score <= 10.0, "{what}: {id} {score}");
        let builtin = cmek::lint::registry::find(id).is_some();
        if builtin {
            let uri = r["helpUri"].as_str().unwrap();
            assert_eq!(
                uri,
                format!("https://github.com/cmek/cmek/blob/main/docs/rules/{id}.md")
            );
            assert!(Path::new("docs/rules").join(format!("{id}.md")).exists());
        } else {
            // A user rule has no page in cmek's docs.
            assert!(r.get("helpUri").is_none(), "{what}: {id}");
        }
    }

    // Results: one per finding, active ones first, then suppressed ones.
    let results = run["results"].as_array().unwrap();
    let findings: Vec<_> = report
        .findings
        .iter()
        .chain(report.suppressed.iter())
        .collect();
    assert_eq!(results.len(), findings.len(), "{what}");
    assert!(results.len() <= 25_000);
    let mut fingerprints = HashSet::new();
    for (res, f) in results.iter().zip(&findings) {
        assert_eq!(res["ruleId"], f.rule_id, "{what}");
        let idx = res["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[idx]["id"], res["ruleId"], "{what}: ruleIndex");
        assert!(!res["message"]["text"].as_str().unwrap().is_empty());
        let locations = res["locations"].as_array().unwrap();
        assert_eq!(locations.len(), 1, "{what}");
        let phys = &locations[0]["physicalLocation"];
        assert!(!phys["artifactLocation"]["uri"].as_str().unwrap().is_empty());
        let region = &phys["region"];
        // 1-based, and the finding's own line and column.
        assert_eq!(
            region["startLine"], f.location.line,
            "{what}: {}",
            f.rule_id
        );
        assert_eq!(region["startColumn"], f.location.column, "{what}");
        assert!(f.location.line >= 1 && f.location.column >= 1, "{what}");
        let fp = res["partialFingerprints"][sarif::FINGERPRINT_KEY]
            .as_str()
            .unwrap();
        assert!(fp.len() == 64 && fp.chars().all(|c| c.is_ascii_hexdigit()));
        assert!(
            fingerprints.insert(fp.to_string()),
            "{what}: two results share a fingerprint"
        );
        match &f.suppressed {
            Some(s) => {
                let sup = &res["suppressions"][0];
                let kind = if s.kind == "comment" {
                    "inSource"
                } else {
                    "external"
                };
                assert_eq!(sup["kind"], kind, "{what}");
                assert_eq!(sup["status"], "accepted");
                assert!(!sup["justification"].as_str().unwrap().is_empty());
            }
            None => assert!(res.get("suppressions").is_none(), "{what}"),
        }
    }

    // Unreadable inputs and notes reach the log.
    let inv = &run["invocations"][0];
    assert_eq!(
        inv["executionSuccessful"],
        report.errors.is_empty(),
        "{what}"
    );
    let notes = inv["toolExecutionNotifications"]
        .as_array()
        .map_or(0, Vec::len);
    assert_eq!(notes, report.errors.len() + report.notes.len(), "{what}");
}

/// Render, validate against the schema, and check the code-scanning expectations.
fn check_report(schema: &SarifSchema, what: &str, report: &Report) -> Value {
    let doc = schema.check(what, &sarif::render(report));
    assert_code_scanning_ready(what, &doc, report);
    doc
}

#[test]
fn every_rules_failing_fixtures_give_valid_sarif() {
    let schema = SarifSchema::load();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("tests/fixtures/lint")
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    let mut rules_seen = BTreeSet::new();
    for dir in dirs {
        let id = dir.file_name().unwrap().to_str().unwrap().to_string();
        if cmek::lint::registry::find(&id).is_none() {
            continue;
        }
        let mut fails: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                let n = p.file_name().unwrap().to_str().unwrap();
                n.starts_with("fail") && !n.ends_with(".region")
            })
            .collect();
        fails.sort();
        assert!(!fails.is_empty(), "{id} has no failing fixture");
        for input in fails {
            let report = lint_paths(std::slice::from_ref(&input), &opts(&fixture_region(&input)));
            assert!(report.errors.is_empty(), "{input:?}: {:?}", report.errors);
            let doc = check_report(&schema, &input.display().to_string(), &report);
            for res in doc["runs"][0]["results"].as_array().unwrap() {
                rules_seen.insert(res["ruleId"].as_str().unwrap().to_string());
            }
        }
        assert!(
            rules_seen.contains(&id),
            "{id}: its fixture did not report it"
        );
    }
    assert!(rules_seen.len() >= 40, "{rules_seen:?}");
}

#[test]
fn clean_suppressed_plan_user_rule_and_unreadable_runs_give_valid_sarif() {
    let schema = SarifSchema::load();

    // A clean run: no results, but every rule's metadata.
    let clean = lint_paths(
        &[PathBuf::from("tests/fixtures/lint/CMEK-AWS-001/pass.json")],
        &opts("us-east-2"),
    );
    assert!(clean.findings.is_empty() && clean.suppressed.is_empty());
    let doc = check_report(&schema, "clean", &clean);
    assert_eq!(doc["runs"][0]["results"], serde_json::json!([]));
    assert_eq!(
        doc["runs"][0]["invocations"][0]["executionSuccessful"],
        true
    );

    // A spec with comment and config suppressions, and refused ones (notes).
    let multi = lint_paths(
        &[PathBuf::from("tests/fixtures/lint/multi")],
        &LintOptions::default(),
    );
    assert_eq!(multi.suppressed.len(), 2);
    assert!(!multi.notes.is_empty());
    let doc = check_report(&schema, "multi", &multi);
    let kinds: Vec<&str> = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["suppressions"][0]["kind"].as_str())
        .collect();
    assert_eq!(kinds, ["external", "inSource"]);

    // A `# cmek:ignore` above a key block.
    let block = lint_paths(
        &[PathBuf::from("tests/fixtures/lint/block-suppression")],
        &LintOptions::default(),
    );
    assert_eq!(block.suppressed.len(), 1);
    check_report(&schema, "block-suppression", &block);

    // Terraform plans of all three clouds, one by one and together.
    for plan in ["aws", "gcp", "azure", "all"] {
        let p = PathBuf::from(format!("tests/fixtures/lint/terraform/{plan}.json"));
        let r = lint_paths(&[p], &opts("us-east-2"));
        assert!(r.errors.is_empty(), "{plan}: {:?}", r.errors);
        check_report(&schema, &format!("terraform/{plan}"), &r);
    }

    // Raw key policies of every documented era, and the console wizard's shape.
    for policy in std::fs::read_dir("tests/fixtures/policy/aws").unwrap() {
        let p = policy.unwrap().path();
        if p.extension().is_some_and(|e| e == "json") {
            let r = lint_paths(std::slice::from_ref(&p), &opts("us-east-2"));
            check_report(&schema, &p.display().to_string(), &r);
        }
    }

    // User rules (no help page of cmek's) from the spec's `lint { policies }` and --policies.
    let user = lint_paths(
        &[PathBuf::from("tests/fixtures/lint/user-rules-spec")],
        &LintOptions::default(),
    );
    assert!(user.findings.iter().any(|f| f.rule_id == "ACME-001"));
    check_report(&schema, "user-rules-spec", &user);
    let user_cli = lint_paths(
        &[PathBuf::from("tests/fixtures/lint/CMEK-AWS-016/fail.json")],
        &LintOptions {
            policies: vec!["tests/fixtures/lint/user-policies".into()],
            ..opts("eu-west-1")
        },
    );
    assert!(user_cli.rules.iter().any(|m| m.id == "ACME-001"));
    check_report(&schema, "--policies", &user_cli);

    // Unreadable input: not a successful execution, the error is a notification.
    let unreadable = lint_paths(
        &[
            PathBuf::from("tests/fixtures/lint/does-not-exist.json"),
            PathBuf::from("tests/fixtures/lint/CMEK-AWS-001/fail.json"),
        ],
        &opts("us-east-2"),
    );
    assert!(!unreadable.errors.is_empty());
    let doc = check_report(&schema, "unreadable", &unreadable);
    let inv = &doc["runs"][0]["invocations"][0];
    assert_eq!(inv["executionSuccessful"], false);
    let n = &inv["toolExecutionNotifications"][0];
    assert_eq!(n["level"], "error");
    assert_eq!(
        n["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "tests/fixtures/lint/does-not-exist.json"
    );
}

#[test]
fn the_cli_emits_valid_sarif_with_a_baseline_and_for_awkward_paths() {
    let schema = SarifSchema::load();
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    let baseline = baseline.to_str().unwrap();
    let multi = "tests/fixtures/lint/multi";

    let (code, out) = cmek_sarif(&[multi]);
    assert_eq!(code, 1);
    let before = schema.check("cli multi", &out);
    let report = lint_paths(&[PathBuf::from(multi)], &LintOptions::default());
    assert_code_scanning_ready("cli multi", &before, &report);

    // Accept the findings, then lint against the baseline: all suppressed (kind external)
    // but the one rule that cannot be suppressed.
    let (code, _) = cmek_sarif(&[multi, "--write-baseline", baseline]);
    assert_eq!(code, 0);
    let (code, out) = cmek_sarif(&[multi, "--baseline", baseline]);
    assert_eq!(code, 1);
    let doc = schema.check("cli baseline", &out);
    let with_baseline = lint_paths(
        &[PathBuf::from(multi)],
        &LintOptions {
            baseline: Some(baseline.into()),
            ..Default::default()
        },
    );
    let active: Vec<&str> = with_baseline.findings.iter().map(|f| f.rule_id).collect();
    assert_eq!(active, ["CMEK-AWS-006"]);
    assert_eq!(with_baseline.suppressed.len(), 6);
    assert_code_scanning_ready("cli baseline", &doc, &with_baseline);
    let baselined = doc["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| {
            r["suppressions"][0]["justification"]
                .as_str()
                .is_some_and(|j| j.starts_with("accepted in baseline"))
        })
        .count();
    assert_eq!(baselined, 4);
    // A baselined finding keeps its fingerprint: code scanning tracks the same alert.
    let fps = |d: &Value| -> BTreeSet<String> {
        d["runs"][0]["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["partialFingerprints"][sarif::FINGERPRINT_KEY].to_string())
            .collect()
    };
    assert_eq!(fps(&before), fps(&doc));

    // A path with a space, `#`, `%` and non-ASCII characters is percent-encoded.
    let odd = dir.path().join("my keys #1 100% ü");
    std::fs::create_dir(&odd).unwrap();
    let policy = odd.join("policy.json");
    std::fs::copy("tests/fixtures/lint/CMEK-AWS-003/fail.json", &policy).unwrap();
    let (code, out) = cmek_sarif(&[policy.to_str().unwrap(), "--org-uuid", ORG]);
    assert_eq!(code, 1);
    let doc = schema.check("odd path", &out);
    let uri = doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
        ["uri"]
        .as_str()
        .unwrap();
    assert!(
        uri.ends_with("/my%20keys%20%231%20100%25%20%C3%BC/policy.json"),
        "{uri}"
    );
}

#[test]
fn fingerprints_survive_lines_moving_and_regions_follow() {
    let dir = tempfile::tempdir().unwrap();
    let policy = dir.path().join("policy.json");
    // Its findings sit on statements (lines 14 and 44), not at the start of the file.
    let text = std::fs::read_to_string("tests/fixtures/lint/multi/key-policy.json").unwrap();
    let run = |body: &str| -> Value {
        std::fs::write(&policy, body).unwrap();
        let r = lint_paths(std::slice::from_ref(&policy), &opts("us-east-2"));
        assert!(r.findings.iter().any(|f| f.location.line > 1));
        serde_json::from_str(&sarif::render(&r)).unwrap()
    };
    let before = run(&text);
    let after = run(&format!("\n\n\n{text}"));
    let (b, a) = (&before["runs"][0]["results"], &after["runs"][0]["results"]);
    assert_eq!(b.as_array().unwrap().len(), a.as_array().unwrap().len());
    for (b, a) in b.as_array().unwrap().iter().zip(a.as_array().unwrap()) {
        assert_eq!(b["partialFingerprints"], a["partialFingerprints"]);
        let line = |r: &Value| {
            r["locations"][0]["physicalLocation"]["region"]["startLine"]
                .as_u64()
                .unwrap()
        };
        assert_eq!(line(a), line(b) + 3);
    }
}

#[test]
fn the_validator_reports_instance_and_schema_paths() {
    let schema = SarifSchema::load();
    let report = lint_paths(
        &[PathBuf::from("tests/fixtures/lint/CMEK-AWS-001/fail.json")],
        &opts("us-east-2"),
    );
    let mut doc: Value = serde_json::from_str(&sarif::render(&report)).unwrap();
    assert!(schema.violations(&doc).is_empty());
    let res = &mut doc["runs"][0]["results"][0];
    res["level"] = "fatal".into();
    res["locations"][0]["physicalLocation"]["region"]["startLine"] = 0.into();
    res["extra"] = 1.into();
    // A file path written as is (what cmek emitted before it percent-encoded paths).
    res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] =
        "my keys #1/100%.json".into();
    doc["runs"][0]["tool"]["driver"]["rules"][0]["helpUri"] = "not a uri".into();
    let v = schema.violations(&doc);
    let has = |instance: &str, keyword: &str| {
        v.iter()
            .any(|e| e.contains(&format!("instance \"{instance}\"")) && e.contains(keyword))
    };
    assert!(has("/runs/0/results/0/level", "/enum"), "{v:#?}");
    assert!(
        has(
            "/runs/0/results/0/locations/0/physicalLocation/region/startLine",
            "/minimum"
        ),
        "{v:#?}"
    );
    assert!(has("/runs/0/results/0", "'extra' not allowed"), "{v:#?}");
    assert!(
        has(
            "/runs/0/results/0/locations/0/physicalLocation/artifactLocation/uri",
            "/format"
        ),
        "{v:#?}"
    );
    assert!(
        has("/runs/0/tool/driver/rules/0/helpUri", "/format"),
        "{v:#?}"
    );
    // Schema paths point into the SARIF schema's definitions.
    assert!(
        v.iter()
            .any(|e| e.contains("sarif-schema-2.1.0.json#/definitions/result")),
        "{v:#?}"
    );
}
