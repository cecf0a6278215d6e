//! Table-driven rule tests: every directory `tests/fixtures/lint/<RULE-ID>/` holds `pass*` and
//! `fail*` inputs (`.json` policies, or spec directories). A `fail*` input must produce the
//! rule, a `pass*` input must not. `<input>.region` sets `--region` (default `us-east-2`);
//! `--org-uuid` is the fixtures' organization. Rules whose failing shape the spec loader already
//! refuses are tested on constructed subjects below.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use cmek::lint::engine::lint_subject;
use cmek::lint::facts::Ctx;
use cmek::lint::finding::Location;
use cmek::lint::registry;
use cmek::lint::subject::{AwsSubject, AzureSubject, GcpSubject, Subject};
use cmek::lint::{LintOptions, lint_paths};
use cmek::spec::model::{GcpProtectionLevel, Platform};

const ORG: &str = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";

fn fixture_root() -> PathBuf {
    Path::new("tests/fixtures/lint").to_path_buf()
}

fn rules_of(input: &Path) -> (Vec<&'static str>, usize) {
    let region = std::fs::read_to_string(input.with_extension("region"))
        .map(|s| s.trim().to_string())
        .unwrap_or_else(|_| "us-east-2".to_string());
    let report = lint_paths(
        &[input.to_path_buf()],
        &LintOptions {
            region: Some(region),
            org_uuid: Some(ORG.to_string()),
            ..Default::default()
        },
    );
    assert!(report.errors.is_empty(), "{input:?}: {:?}", report.errors);
    (
        report.findings.iter().map(|f| f.rule_id).collect(),
        report.findings.len(),
    )
}

#[test]
fn every_rule_fixture_passes_and_fails_as_named() {
    let mut checked = 0;
    let mut dirs: Vec<_> = std::fs::read_dir(fixture_root())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let id = dir.file_name().unwrap().to_str().unwrap().to_string();
        if registry::find(&id).is_none() {
            continue; // not a rule directory (e.g. multi-finding fixtures)
        }
        let mut saw = (false, false);
        for entry in std::fs::read_dir(&dir).unwrap() {
            let p = entry.unwrap().path();
            let name = p.file_name().unwrap().to_str().unwrap().to_string();
            if name.ends_with(".region") {
                continue;
            }
            let (rules, _) = rules_of(&p);
            if name.starts_with("fail") {
                saw.1 = true;
                assert!(
                    rules.contains(&id.as_str()),
                    "{p:?} should trigger {id}: {rules:?}"
                );
            } else if name.starts_with("pass") {
                saw.0 = true;
                assert!(!rules.contains(&id.as_str()), "{p:?} must not trigger {id}");
            }
            checked += 1;
        }
        assert!(saw.0 && saw.1, "{id} needs both a pass and a fail fixture");
    }
    assert!(checked >= 40, "only {checked} fixtures checked");
}

#[test]
fn pass_fixtures_of_policy_rules_are_entirely_clean() {
    // The base policy every AWS fixture derives from lints clean.
    let (rules, n) = rules_of(&fixture_root().join("CMEK-AWS-001/pass.json"));
    assert_eq!(n, 0, "{rules:?}");
}

#[test]
fn lookalike_fixture_names_every_kind_of_lookalike() {
    let report = lint_paths(
        &[fixture_root().join("CMEK-AWS-002/fail.json")],
        &LintOptions::default(),
    );
    let msgs: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.rule_id == "CMEK-AWS-002")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(msgs.len(), 4, "{msgs:#?}");
    assert!(msgs.iter().any(|m| m.contains("915198916901")));
    assert!(msgs.iter().any(|m| m.contains("anthropic-cmek-client-eu")));
    assert!(msgs.iter().any(|m| m.contains("aws-us-gov")));
    assert!(msgs.iter().any(|m| m.contains("non-ASCII")));
}

#[test]
fn org_binding_fixture_names_each_bad_spelling() {
    let report = lint_paths(
        &[fixture_root().join("CMEK-AWS-007/fail.json")],
        &LintOptions {
            region: None,
            org_uuid: Some(ORG.into()),
            ..Default::default()
        },
    );
    let msgs: Vec<&str> = report
        .findings
        .iter()
        .filter(|f| f.rule_id == "CMEK-AWS-007")
        .map(|f| f.message.as_str())
        .collect();
    for needle in [
        "org_",
        "lowercase",
        "braces",
        "wildcard",
        "but not this organization",
    ] {
        assert!(
            msgs.iter().any(|m| m.contains(needle)),
            "{needle}: {msgs:#?}"
        );
    }
}

#[test]
fn findings_point_at_the_statement() {
    let report = lint_paths(
        &[fixture_root().join("CMEK-AWS-008/fail.json")],
        &LintOptions::default(),
    );
    let f = report
        .findings
        .iter()
        .find(|f| f.rule_id == "CMEK-AWS-008")
        .unwrap();
    assert_eq!((f.location.line, f.location.column), (14, 5));
}

fn aws_subject() -> AwsSubject {
    AwsSubject {
        address: Some("key.aws.prod".into()),
        origin: Location::new("main.cmek.hcl", 3, 1),
        policy_origin: Location::new("main.cmek.hcl", 3, 1),
        policy: None,
        statement_locations: vec![],
        policy_file: None,
        rendered: true,
        platform: Platform::ClaudePlatform,
        account_id: Some("111122223333".into()),
        region: Some("us-east-2".into()),
        key_id: None,
        multi_region: Some(false),
        rotation: Some(true),
        key_spec: None,
        key_usage: None,
        key_state: None,
        org_uuids: vec![ORG.into()],
        served: vec![],
    }
}

fn ids(s: &Subject) -> Vec<&'static str> {
    let cx = Ctx::load().unwrap();
    lint_subject(s, &cx).iter().map(|f| f.rule_id).collect()
}

#[test]
fn multi_region_keys_are_flagged_by_flag_and_by_key_id() {
    assert!(!ids(&Subject::Aws(aws_subject())).contains(&"CMEK-AWS-015"));
    let mut by_flag = aws_subject();
    by_flag.multi_region = Some(true);
    assert!(ids(&Subject::Aws(by_flag)).contains(&"CMEK-AWS-015"));
    let mut by_id = aws_subject();
    by_id.key_id = Some("arn:aws:kms:us-east-2:111122223333:key/mrk-1234abcd".into());
    assert!(ids(&Subject::Aws(by_id)).contains(&"CMEK-AWS-015"));
}

fn gcp_subject(labels: BTreeMap<String, String>) -> GcpSubject {
    GcpSubject {
        address: Some("key.gcp.prod".into()),
        origin: Location::new("main.cmek.hcl", 3, 1),
        location: Some("us-east5".into()),
        protection_level: Some(GcpProtectionLevel::Hsm),
        rotation_period_seconds: Some(90 * 86_400),
        labels: Some(labels),
        iam: None,
        binding_locations: vec![],
        purpose: None,
        wide_bindings: vec![],
        org_uuids: vec![ORG.into()],
    }
}

#[test]
fn gcp_org_label_is_required() {
    let good = BTreeMap::from([(format!("anthropic-org-{ORG}"), "true".to_string())]);
    assert!(ids(&Subject::Gcp(gcp_subject(good))).is_empty());
    let bad = BTreeMap::from([("team".to_string(), "ml".to_string())]);
    assert_eq!(ids(&Subject::Gcp(gcp_subject(bad))), ["CMEK-GCP-006"]);
}

fn azure_subject(size: u32, tags: BTreeMap<String, String>) -> AzureSubject {
    AzureSubject {
        address: Some("key.azure.prod".into()),
        origin: Location::new("main.cmek.hcl", 3, 1),
        key_type: Some("RSA-HSM".into()),
        key_size: Some(size),
        key_ops: Some(vec!["wrapKey".into(), "unwrapKey".into()]),
        tags: Some(tags),
        vault: None,
        role_assignments: vec![],
        org_uuids: vec![ORG.into()],
    }
}

#[test]
fn azure_key_size_and_org_tag() {
    let tag = BTreeMap::from([(format!("anthropic-org-{ORG}"), "true".to_string())]);
    assert!(ids(&Subject::Azure(azure_subject(3072, tag.clone()))).is_empty());
    assert_eq!(
        ids(&Subject::Azure(azure_subject(2048, tag))),
        ["CMEK-AZ-001"]
    );
    assert_eq!(
        ids(&Subject::Azure(azure_subject(4096, BTreeMap::new()))),
        ["CMEK-AZ-002"]
    );
}

#[test]
fn every_rule_has_complete_docs() {
    for r in registry::all() {
        for section in [
            "## What it does",
            "## Why it matters",
            "## Example",
            "## Fix",
            "## Source",
        ] {
            assert!(
                r.meta.docs.contains(section),
                "{} lacks {section}",
                r.meta.id
            );
        }
        assert!(r.meta.docs.contains("anthropic-cmek.md"), "{}", r.meta.id);
    }
}

#[test]
fn failing_fixture_output_matches_snapshots() {
    let mut dirs: Vec<_> = std::fs::read_dir(fixture_root())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    for dir in dirs {
        let id = dir.file_name().unwrap().to_str().unwrap().to_string();
        if registry::find(&id).is_none() {
            continue;
        }
        let mut fails: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| {
                let n = p.file_name().unwrap().to_str().unwrap();
                n.starts_with("fail") && !n.ends_with(".region")
            })
            .collect();
        fails.sort();
        let mut out = String::new();
        for input in fails {
            let region = std::fs::read_to_string(input.with_extension("region"))
                .map(|s| s.trim().to_string())
                .unwrap_or_else(|_| "us-east-2".to_string());
            let report = lint_paths(
                std::slice::from_ref(&input),
                &LintOptions {
                    region: Some(region),
                    org_uuid: Some(ORG.to_string()),
                    ..Default::default()
                },
            );
            out.push_str(&cmek::lint::output::text::render(&report));
        }
        insta::with_settings!({ snapshot_path => "../snapshots/lint", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(format!("rule_{id}_fail"), out);
        });
    }
}

#[test]
fn builtin_hcl_rule_files_are_well_formed_and_registered() {
    assert!(
        cmek::lint::hcl_rules::builtin_errors().is_empty(),
        "{:?}",
        cmek::lint::hcl_rules::builtin_errors()
    );
    for id in [
        "CMEK-GCP-007",
        "CMEK-GCP-008",
        "CMEK-GCP-010",
        "CMEK-AWS-019",
        "CMEK-AWS-020",
        "CMEK-AZ-003",
        "CMEK-AZ-008",
    ] {
        assert!(registry::find(id).is_some(), "{id}");
    }
}

#[test]
fn served_workspaces_must_be_allowed_to_decrypt() {
    // CMEK-AWS-022 needs the workspaces a key serves, which only `--live` knows (state history
    // + Admin API; see tests/lint_live.rs); here on constructed subjects.
    let text = std::fs::read_to_string(fixture_root().join("CMEK-AWS-001/pass.json")).unwrap();
    let policy = cmek::policy::aws::parse_policy_text(&text)
        .unwrap()
        .document;
    let served = |c: &str| cmek::lint::subject::ServedCompartment {
        workspace_id: "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ".into(),
        compartment_uuid: c.into(),
    };
    let mut ok = aws_subject();
    ok.policy = Some(policy.clone());
    ok.rendered = false;
    ok.served = vec![served("7d3e9a10-4b2c-4f8e-9a1d-5c6b7e8f9a0b")];
    assert!(!ids(&Subject::Aws(ok)).contains(&"CMEK-AWS-022"));
    let mut missing = aws_subject();
    missing.policy = Some(policy);
    missing.rendered = false;
    missing.served = vec![served("3db1a449-e3ed-4a9b-b923-30b6061642ef")];
    let cx = Ctx::load().unwrap();
    let findings = lint_subject(&Subject::Aws(missing), &cx);
    let f = findings
        .iter()
        .find(|f| f.rule_id == "CMEK-AWS-022")
        .expect("CMEK-AWS-022");
    assert!(f.message.contains("3db1a449-e3ed-4a9b-b923-30b6061642ef"));
}
