//! Lint inputs and run options beyond single policies: Terraform plan JSON, user rules
//! (`--policies`, `lint { policies }`), baselines, block suppressions, JUnit output.

use std::path::{Path, PathBuf};
use std::process::Command;

use cmek::lint::baseline::Baseline;
use cmek::lint::output::{junit, text};
use cmek::lint::{LintOptions, Report, lint_paths};

const ORG: &str = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
const TF: &str = "tests/fixtures/lint/terraform";

fn lint(paths: &[&str], opts: LintOptions) -> Report {
    let paths: Vec<PathBuf> = paths.iter().map(PathBuf::from).collect();
    lint_paths(&paths, &opts)
}

fn with_org() -> LintOptions {
    LintOptions {
        org_uuid: Some(ORG.into()),
        ..Default::default()
    }
}

#[test]
fn compliant_terraform_plans_of_every_cloud_lint_clean() {
    for name in ["aws.json", "gcp.json", "azure.json", "all.json"] {
        let r = lint(&[&format!("{TF}/{name}")], with_org());
        assert!(r.errors.is_empty(), "{name}: {:?}", r.errors);
        assert!(r.findings.is_empty(), "{name}: {:#?}", r.findings);
    }
}

#[test]
fn terraform_plan_subjects_carry_addresses_and_plan_file_lines() {
    let r = lint(
        &["tests/fixtures/lint/CMEK-AZ-005/fail.tfplan.json"],
        with_org(),
    );
    let f = r
        .findings
        .iter()
        .find(|f| f.rule_id == "CMEK-AZ-005")
        .unwrap();
    assert_eq!(f.address.as_deref(), Some("azurerm_key_vault_key.claude"));
    // The finding is about the vault: it points at the vault's `"address"` in the plan.
    let text = std::fs::read_to_string("tests/fixtures/lint/CMEK-AZ-005/fail.tfplan.json").unwrap();
    let line = text.lines().nth(f.location.line as usize - 1).unwrap();
    assert!(
        line.contains("\"address\": \"azurerm_key_vault.cmek\""),
        "{line}"
    );
}

#[test]
fn terraform_aws_key_policy_is_linted_through_its_key() {
    // The policy of `aws_kms_key_policy` is linted as the key's policy: replace the org
    // condition value and the org-binding rule fires on the key's address.
    let text = std::fs::read_to_string(format!("{TF}/aws.json")).unwrap();
    let other = "11111111-2222-4333-8444-555555555555";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plan.json");
    std::fs::write(&path, text.replace(ORG, other)).unwrap();
    let r = lint_paths(&[path], &with_org());
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let ids: Vec<&str> = r.findings.iter().map(|f| f.rule_id).collect();
    assert!(ids.contains(&"CMEK-AWS-007"), "{ids:?}");
    assert!(
        r.findings
            .iter()
            .all(|f| f.address.as_deref() == Some("aws_kms_key.cmek"))
    );
}

#[test]
fn user_rules_from_the_command_line_and_from_the_spec() {
    // --policies DIR: the rule runs on a raw policy's region.
    let r = lint(
        &["tests/fixtures/lint/CMEK-AWS-001/pass.json"],
        LintOptions {
            region: Some("us-west-2".into()),
            org_uuid: Some(ORG.into()),
            policies: vec!["tests/fixtures/lint/user-policies".into()],
            ..Default::default()
        },
    );
    // Raw policies have no address: HCL rules apply to spec and plan keys only.
    assert!(r.findings.iter().all(|f| f.rule_id != "ACME-001"));
    assert!(r.rules.iter().any(|m| m.id == "ACME-001"));
    // lint { policies = ["rules"] } in a spec.
    let r = lint(
        &["tests/fixtures/lint/user-rules-spec"],
        LintOptions::default(),
    );
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    let acme: Vec<_> = r
        .findings
        .iter()
        .filter(|f| f.rule_id == "ACME-001")
        .collect();
    assert_eq!(acme.len(), 1);
    assert_eq!(acme[0].address.as_deref(), Some("key.aws.prod"));
    assert!(text::render(&r).contains("see: ACME key standard §2"));
    // A user rule may not shadow a built-in one.
    let r = lint(
        &["tests/fixtures/lint/CMEK-AWS-001/pass.json"],
        LintOptions {
            policies: vec!["tests/fixtures/lint/user-policies-dup".into()],
            ..with_org()
        },
    );
    assert!(
        r.errors
            .iter()
            .any(|e| e.message.contains("already defined"))
    );
}

#[test]
fn malformed_user_rule_files_are_unreadable_input() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.hcl"),
        "rule \"X-1\" {\n  summary = \"s\"\n  severity = \"fatal\"\n}\n",
    )
    .unwrap();
    let r = lint(
        &["tests/fixtures/lint/CMEK-AWS-001/pass.json"],
        LintOptions {
            policies: vec![dir.path().to_path_buf()],
            ..with_org()
        },
    );
    assert!(
        r.errors
            .iter()
            .any(|e| e.message.contains("unknown severity")),
        "{:?}",
        r.errors
    );
}

#[test]
fn a_comment_above_a_key_block_suppresses_findings_in_its_policy_file() {
    let r = lint(
        &["tests/fixtures/lint/block-suppression"],
        LintOptions::default(),
    );
    assert!(r.findings.is_empty(), "{:#?}", r.findings);
    assert_eq!(r.suppressed.len(), 1);
    let f = &r.suppressed[0];
    assert_eq!(f.rule_id, "CMEK-AWS-010");
    assert!(f.location.file.ends_with("key-policy.json"));
    assert_eq!(f.suppressed.as_ref().unwrap().kind, "comment");
}

#[test]
fn baseline_round_trip_accepts_exactly_the_recorded_findings() {
    let input = "tests/fixtures/lint/multi";
    let before = lint(&[input], LintOptions::default());
    assert!(!before.findings.is_empty());
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("baseline.json");
    std::fs::write(&file, Baseline::from_report(&before).to_json()).unwrap();
    let after = lint(
        &[input],
        LintOptions {
            baseline: Some(file.clone()),
            ..Default::default()
        },
    );
    // Non-suppressible findings stay, with a note; the rest move to `suppressed`.
    for f in &after.findings {
        let rule = cmek::lint::registry::find(f.rule_id).unwrap();
        assert!(!rule.meta.suppressible, "{} should be baselined", f.rule_id);
    }
    let baselined = after
        .suppressed
        .iter()
        .filter(|f| f.suppressed.as_ref().unwrap().kind == "baseline")
        .count();
    assert_eq!(
        baselined + after.findings.len(),
        before.findings.len(),
        "every recorded finding is either baselined or not suppressible"
    );
    assert!(baselined > 0);
    assert!(text::render(&after).contains("suppressed"));
    // A new finding is not covered by the old baseline.
    let other = lint(
        &["tests/fixtures/lint/CMEK-AWS-003/fail.json"],
        LintOptions {
            baseline: Some(file),
            ..with_org()
        },
    );
    assert!(!other.findings.is_empty());
}

#[test]
fn a_bad_baseline_is_unreadable_input() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("baseline.json");
    std::fs::write(&file, "{\"format_version\": 7, \"findings\": []}").unwrap();
    let r = lint(
        &["tests/fixtures/lint/CMEK-AWS-001/pass.json"],
        LintOptions {
            baseline: Some(file),
            ..with_org()
        },
    );
    assert!(r.errors[0].message.contains("format_version 7"));
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
fn write_baseline_then_baseline_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("b.json");
    let input = "tests/fixtures/lint/CMEK-AZ-009/fail.tfplan.json";
    assert_eq!(cmek(&[input, "--org-uuid", ORG]).0, 1);
    let (code, _) = cmek(&[
        input,
        "--org-uuid",
        ORG,
        "--write-baseline",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 0);
    let (code, out) = cmek(&[
        input,
        "--org-uuid",
        ORG,
        "--baseline",
        file.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("1 suppressed"));
}

#[test]
fn junit_output_is_well_formed_and_matches_its_snapshot() {
    let r = lint(&["tests/fixtures/lint/multi"], LintOptions::default());
    let xml = junit::render(&r);
    // Every test case is either a failure, a skip or a pass, and the totals agree.
    let failures = xml.matches("<failure ").count();
    let skipped = xml.matches("<skipped ").count();
    assert_eq!(failures, r.findings.len());
    assert_eq!(skipped, r.suppressed.len());
    assert!(xml.contains(&format!(
        "failures=\"{failures}\" errors=\"0\" skipped=\"{skipped}\""
    )));
    assert_eq!(xml.matches("<testsuite ").count(), r.rules.len());
    assert_eq!(
        xml.matches("<testsuite ").count(),
        xml.matches("</testsuite>").count()
    );
    insta::with_settings!({ snapshot_path => "../snapshots/lint", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("multi_junit", xml);
    });
    let (code, out) = cmek(&["tests/fixtures/lint/multi", "--format", "junit"]);
    assert_eq!(code, 1);
    assert_eq!(out, xml);
}

#[test]
fn terraform_fixture_generator_output_is_committed() {
    // The generator documents the fixtures; the committed JSON must parse as plans.
    for entry in std::fs::read_dir(TF).unwrap() {
        let p = entry.unwrap().path();
        if p.extension().is_some_and(|e| e == "json") {
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            assert!(cmek::lint::terraform::is_terraform_json(&v), "{p:?}");
        }
    }
    assert!(Path::new(TF).join("generate.py").exists());
}
