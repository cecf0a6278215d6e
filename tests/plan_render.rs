//! Renderers: snapshots of text (no color), markdown and JSON for several plans, JSON round
//! trips, color only on request, and markdown splitting under GitHub's comment limit.

mod common;

use cmek::address::{Address, Cloud};
use cmek::plan::input::{AccessDoc, KeyState};
use cmek::plan::model::{Action, Finding, Plan, PlanConfig, PlannedAction, Reason, Severity};
use cmek::plan::render::{json, markdown, text};
use cmek::spec::model::KeyKind;
use common::*;

macro_rules! snap {
    ($name:expr, $value:expr) => {
        insta::with_settings!({
            snapshot_path => "../snapshots/plan",
            prepend_module_to_snapshot => false,
        }, {
            insta::assert_snapshot!($name, $value);
        });
    };
}

fn key_prod() -> Address {
    Address::key(Cloud::Aws, "prod")
}

fn quickstart_plan() -> Plan {
    let d = quickstart();
    let (p, o) = from_scratch(&d);
    let _ = &d;
    let mut plan = plan(&d, &p, &o);
    plan.config = Some(PlanConfig {
        dir: "examples/quickstart".to_string(),
        // A fixed value: the renderers copy it, they do not compute it.
        fingerprint: format!("sha256:{}", "5e".repeat(32)),
    });
    plan
}

/// Pending deletion and a removed crypto statement on the key, a new workspace to attach,
/// and a lint finding.
fn drift_plan() -> Plan {
    let mut d = quickstart();
    let (p, mut o) = converged(&d);
    add_workspace(&mut d, workspace("c", Some(&Address::external_key("prod"))));
    o.workspaces
        .insert(Address::workspace("c"), observed_workspace("c", None));
    let key = o.keys.get_mut(&key_prod()).unwrap();
    key.state = KeyState::PendingDeletion {
        deletion_date: Some("2026-12-06T00:00:00Z".to_string()),
    };
    let AccessDoc::AwsPolicy(policy) = &mut key.access else {
        panic!()
    };
    policy["Statement"]
        .as_array_mut()
        .unwrap()
        .retain(|s| s["Sid"] != "AllowAnthropicCMEKCrypto");
    let mut plan = plan(&d, &p, &o);
    plan.findings.push(Finding {
        rule_id: "CMEK012".to_string(),
        severity: Severity::Warning,
        address: Some(key_prod()),
        message: "rotation period is longer than 365 days".to_string(),
        location: Some("main.cmek.hcl:12:3".to_string()),
    });
    plan
}

/// A swap, a detach and a narrowing at once.
fn refused_plan() -> Plan {
    let mut d = quickstart();
    let (p, mut o) = converged(&d);
    o.workspaces
        .get_mut(&Address::workspace("a"))
        .unwrap()
        .external_key_id = Some("ekey_someone_else".to_string());
    d.workspaces
        .get_mut(&Address::workspace("b"))
        .unwrap()
        .external_key = None;
    let KeyKind::Aws(a) = &mut d.keys.get_mut(&key_prod()).unwrap().kind else {
        panic!()
    };
    a.compartment_scoping = true;
    a.policy = Some(serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AccountRootAdmin", "Effect": "Allow",
             "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
             "Action": "kms:*", "Resource": "*"},
            {"Sid": "AllowAnthropicCMEKDescribe", "Effect": "Allow",
             "Principal": {"AWS": common::oracle::ANTHROPIC_ROLE},
             "Action": "kms:DescribeKey", "Resource": "*"}
        ]
    }));
    plan(&d, &p, &o)
}

fn converged_plan() -> Plan {
    let d = quickstart();
    let (p, o) = converged(&d);
    plan(&d, &p, &o)
}

/// From scratch, with a lint finding of severity error on the key: both attaches are held.
fn error_finding_plan() -> Plan {
    let mut plan = quickstart_plan();
    plan.findings.push(Finding {
        rule_id: "CMEK-AWS-003".to_string(),
        severity: Severity::Error,
        address: Some(key_prod()),
        message: "statement `Open` allows any principal".to_string(),
        location: Some("main.cmek.hcl:9:1".to_string()),
    });
    plan
}

#[test]
fn error_findings_name_the_attaches_apply_holds() {
    let plan = error_finding_plan();
    let held: Vec<&str> = plan
        .attaches_held_by_findings()
        .into_iter()
        .map(|(a, _)| a.id.as_str())
        .collect();
    assert_eq!(held, vec!["attach:workspace.a", "attach:workspace.b"]);
    assert!(quickstart_plan().attaches_held_by_findings().is_empty());
    snap!("text_error_finding", text::render(&plan, false));
    snap!("markdown_error_finding", markdown::render(&plan));
    let back = json::parse(&json::render(&plan)).unwrap();
    assert_eq!(back, plan);
}

#[test]
fn text_snapshots() {
    snap!("text_quickstart", text::render(&quickstart_plan(), false));
    snap!("text_drift", text::render(&drift_plan(), false));
    snap!("text_refused", text::render(&refused_plan(), false));
    snap!("text_converged", text::render(&converged_plan(), false));
}

#[test]
fn markdown_snapshots() {
    snap!("markdown_quickstart", markdown::render(&quickstart_plan()));
    snap!("markdown_drift", markdown::render(&drift_plan()));
    snap!("markdown_refused", markdown::render(&refused_plan()));
}

#[test]
fn json_snapshots() {
    snap!("json_quickstart", json::render(&quickstart_plan()));
    snap!("json_refused", json::render(&refused_plan()));
}

#[test]
fn json_round_trips() {
    for plan in [
        quickstart_plan(),
        drift_plan(),
        refused_plan(),
        converged_plan(),
    ] {
        let text = json::render(&plan);
        let back = json::parse(&text).expect("parse");
        assert_eq!(back, plan);
        assert_eq!(json::render(&back), text);
    }
}

#[test]
fn json_rejects_other_versions_and_garbage() {
    let mut v: serde_json::Value = serde_json::from_str(&json::render(&quickstart_plan())).unwrap();
    v["format_version"] = serde_json::json!(3);
    let err = json::parse(&v.to_string()).unwrap_err();
    assert!(err.to_string().contains("format_version 3"), "{err}");
    assert!(
        json::parse("{}")
            .unwrap_err()
            .to_string()
            .contains("no `format_version`")
    );
    assert!(json::parse("not json").is_err());
}

#[test]
fn color_only_when_asked() {
    let plan = drift_plan();
    assert!(!text::render(&plan, false).contains('\x1b'));
    let colored = text::render(&plan, true);
    assert!(colored.contains("\x1b[1;31m"));
    // Same words either way.
    let stripped: String = {
        let mut out = String::new();
        let mut chars = colored.chars();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for c in chars.by_ref() {
                    if c == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    };
    assert_eq!(stripped, text::render(&plan, false));
}

#[test]
fn markdown_small_plan_is_one_unlabelled_part() {
    let plan = quickstart_plan();
    let parts = markdown::split(&plan, markdown::GITHUB_COMMENT_LIMIT);
    assert_eq!(parts, vec![markdown::render(&plan)]);
}

fn assert_fences_balanced(part: &str) {
    let fences = part
        .lines()
        .filter(|l| l.trim_start().starts_with("```"))
        .count();
    assert_eq!(fences % 2, 0, "unbalanced code fences in part:\n{part}");
}

#[test]
fn markdown_huge_plan_splits_under_the_limit() {
    let d = many(1500);
    let (p, o) = from_scratch(&d);
    let _ = &d;
    let mut plan = plan(&d, &p, &o);
    // Put a refusal in so we can check it leads.
    let (d2, p2, mut o2) = {
        let d2 = quickstart();
        let (p2, o2) = converged(&d2);
        (d2, p2, o2)
    };
    o2.workspaces
        .get_mut(&Address::workspace("a"))
        .unwrap()
        .external_key_id = Some("ekey_x".into());
    plan.refusals = common::plan(&d2, &p2, &o2).refusals;
    assert!(!plan.refusals.is_empty());

    let whole = markdown::render(&plan);
    assert!(
        whole.len() > 3 * markdown::GITHUB_COMMENT_LIMIT,
        "{}",
        whole.len()
    );
    let parts = markdown::split(&plan, markdown::GITHUB_COMMENT_LIMIT);
    let n = parts.len();
    assert!(n >= 4);
    for (i, part) in parts.iter().enumerate() {
        assert!(
            part.len() <= markdown::GITHUB_COMMENT_LIMIT,
            "part {i}: {}",
            part.len()
        );
        assert!(part.starts_with(&format!("**cmek plan — part {}/{n}**", i + 1)));
        assert_fences_balanced(part);
        if i > 0 {
            assert!(part.contains("### Actions (continued)"), "part {i}");
        }
    }
    assert!(parts[0].contains("### ⛔ Refused"));
    assert!(parts[0].find("SAFE001") < parts[0].find("### Actions"));
    // Nothing lost: every action appears exactly once across the parts.
    let joined = parts.join("");
    let listed: std::collections::HashSet<&str> = joined
        .lines()
        .filter_map(|l| l.strip_prefix("- `"))
        .filter_map(|l| l.split("**`").nth(1))
        .filter_map(|l| l.split('`').next())
        .collect();
    for a in &plan.actions {
        assert!(listed.contains(a.address.to_string().as_str()), "{}", a.id);
    }
    assert_eq!(
        joined.matches("`!` **`workspace.").count(),
        plan.actions
            .iter()
            .filter(|a| matches!(a.action, Action::AttachWorkspace { .. }))
            .count()
    );
}

#[test]
fn markdown_cuts_one_oversized_item_at_lines_and_reopens_fences() {
    let diff: Vec<String> = (0..6000)
        .map(|i| format!("+ statement AllowAnthropicCMEKCrypto: compartment {i:08}-0000-4000-8000-000000000000"))
        .collect();
    let doc = AccessDoc::AwsPolicy(serde_json::json!({}));
    let plan = Plan {
        format_version: 1,
        lineage: LINEAGE.to_string(),
        serial: 3,
        actions: vec![PlannedAction {
            id: "update_key_access:key.aws.prod".into(),
            address: key_prod(),
            action: Action::UpdateKeyAccess {
                before: doc.clone(),
                after: doc,
                diff,
            },
            reason: Reason::AccessChanged,
            depends_on: vec![],
            irreversible: false,
        }],
        refusals: vec![],
        drift: vec![],
        findings: vec![],
        fingerprints: Default::default(),
        config: None,
    };
    let limit = 65_536;
    let parts = markdown::split(&plan, limit);
    assert!(parts.len() >= 7, "{}", parts.len());
    let mut lines = 0;
    for part in &parts {
        assert!(part.len() <= limit);
        assert_fences_balanced(part);
        lines += part.matches("+ statement AllowAnthropicCMEKCrypto").count();
    }
    assert_eq!(lines, 6000, "every diff line kept once");
}

/// A plan file written by format_version 1 keeps reading, and means the same thing: the
/// fixture is a saved `-out` file (refused: SAFE001, SAFE002, SAFE005, SAFE007).
#[test]
fn saved_plan_file_fixture_still_reads() {
    let text = std::fs::read_to_string("tests/fixtures/plan/refused.plan.json").unwrap();
    let plan = json::parse(&text).expect("fixture parses");
    assert_eq!(plan.format_version, 1);
    let rules: Vec<&str> = plan.refusals.iter().map(|r| r.rule.as_str()).collect();
    assert_eq!(rules, vec!["SAFE001", "SAFE002", "SAFE005", "SAFE007"]);
    assert_eq!(cmek::plan::plan_exit_code(&plan, true), 3);
    assert_eq!(json::render(&plan), text);
}
