//! Lint outputs and the CLI contract: snapshots of every format for one multi-finding spec,
//! suppressions, exit codes, and that the examples and documented policy shapes lint clean.
//! SARIF validity (the real 2.1.0 schema) and code-scanning expectations: tests/lint_sarif.rs.

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
fn unreadable_input_sarif_matches_snapshot() {
    // An input that cannot be read is reported in the SARIF log as a failed invocation with an
    // error notification, next to the results of the inputs that could be read.
    let r = lint_paths(
        &[
            PathBuf::from("tests/fixtures/lint/does-not-exist.json"),
            PathBuf::from("tests/fixtures/lint/CMEK-AWS-001/fail.json"),
        ],
        &LintOptions {
            region: Some("us-east-2".into()),
            org_uuid: Some(ORG.into()),
            ..LintOptions::default()
        },
    );
    assert_eq!(r.errors.len(), 1);
    insta::with_settings!({ snapshot_path => "../snapshots/lint", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("unreadable_sarif", sarif::render(&r).replace(env!("CARGO_PKG_VERSION"), "[version]"));
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
