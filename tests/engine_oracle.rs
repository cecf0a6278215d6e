//! The plan core driven by the REAL policy library (`engine::oracle::LibraryOracle`): the plan's
//! safety table, the quickstart from scratch (the created policy is snapshotted), converged
//! worlds (also with the policy as KMS hands it back), and the narrowing cases SAFE005/SAFE007
//! must refuse or let through.

mod common;

use cmek::address::Address;
use cmek::engine::oracle::LibraryOracle;
use cmek::plan::input::{
    AccessDoc, AnthropicRequests, CompartmentStatus, CompartmentUse, Decision, PolicyOracle,
    ServedWorkspace,
};
use cmek::plan::model::{Action, RuleId};
use cmek::plan::plan_exit_code;
use cmek::spec::model::{KeyKind, Platform};
use common::safety_cases::{converged_quickstart, key_prod, run_table, set_policy};
use common::*;
use serde_json::{Value, json};

const ORACLE: LibraryOracle = LibraryOracle;
const ROLE: &str = "arn:aws:iam::915198916910:role/anthropic-cmek-client-us";
const ZERO: &str = "00000000-0000-0000-0000-000000000000";

fn aws_policy(doc: &AccessDoc) -> &Value {
    match doc {
        AccessDoc::AwsPolicy(v) => v,
        other => panic!("not an AWS policy: {other:?}"),
    }
}

fn observed_policy(o: &cmek::plan::input::Observed) -> Value {
    aws_policy(&o.keys[&key_prod()].access).clone()
}

fn statements(v: &Value) -> Vec<Value> {
    v["Statement"].as_array().cloned().unwrap_or_default()
}

fn with_statements(v: &Value, list: Vec<Value>) -> Value {
    let mut out = v.clone();
    out["Statement"] = Value::Array(list);
    out
}

fn rules(plan: &cmek::plan::Plan) -> Vec<RuleId> {
    plan.refusals.iter().map(|r| r.rule).collect()
}

#[test]
fn the_plan_safety_table_holds_with_the_real_library() {
    run_table(&ORACLE);
}

#[test]
fn quickstart_from_scratch_creates_the_documented_policy() {
    let d = quickstart();
    let (p, o) = from_scratch(&d);
    let plan = plan_with(&d, &p, &o, &ORACLE);
    assert!(plan.refusals.is_empty(), "{:#?}", plan.refusals);
    let (access, diff) = plan
        .actions
        .iter()
        .find_map(|a| match &a.action {
            Action::CreateKey { access, diff } => Some((access, diff)),
            _ => None,
        })
        .expect("a CreateKey action");
    let policy = aws_policy(access);
    let crypto = statements(policy)
        .into_iter()
        .find(|s| s["Sid"] == "AllowAnthropicCMEKCrypto")
        .expect("crypto statement");
    let condition = &crypto["Condition"];
    assert_eq!(
        condition["StringEquals"]["kms:EncryptionContext:anthropic:org_uuid"],
        json!(ORG)
    );
    let compartments =
        &condition["StringEqualsIfExists"]["kms:EncryptionContext:anthropic:compartment_uuid"];
    for c in [ZERO.to_string(), compartment("a"), compartment("b")] {
        assert!(
            compartments.as_array().unwrap().contains(&json!(c)),
            "{c} missing from {compartments}"
        );
    }
    // Every statement appears in the created-access lines, in words.
    for sid in [
        "AccountRootAdmin",
        "AllowAnthropicCMEKCrypto",
        "AllowAnthropicCMEKDescribe",
    ] {
        assert!(
            diff.iter()
                .any(|l| l.starts_with(&format!("+ statement {sid}: "))),
            "{diff:#?}"
        );
    }
    insta::with_settings!({ snapshot_path => "../snapshots/engine", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("quickstart_created_policy", serde_json::to_string_pretty(policy).unwrap());
        insta::assert_snapshot!("quickstart_created_access_lines", diff.join("\n"));
    });
}

#[test]
fn converged_worlds_plan_nothing() {
    let mut multi = empty_desired(Platform::ClaudePlatform);
    let g = gcp_key("main");
    let z = azure_key("main");
    let rg = registration("g", &g.address);
    let rz = registration("z", &z.address);
    add_workspace(&mut multi, workspace("g1", Some(&rg.address)));
    add_workspace(&mut multi, workspace("z1", Some(&rz.address)));
    add_registration(&mut multi, rg);
    add_registration(&mut multi, rz);
    add_key(&mut multi, g);
    add_key(&mut multi, z);
    for d in [quickstart(), multi] {
        let (p, o) = converged_with(&d, &ORACLE);
        let plan = plan_with(&d, &p, &o, &ORACLE);
        assert!(plan.actions.is_empty(), "{:#?}", plan.actions);
        assert!(plan.refusals.is_empty(), "{:#?}", plan.refusals);
        assert!(plan.drift.is_empty(), "{:#?}", plan.drift);
        assert_eq!(plan_exit_code(&plan, true), 0);
    }
}

/// The policy as KMS returns it: statements in another order, keys sorted, one-element lists,
/// list order changed, the root principal as a bare account id.
fn as_kms_returns_it(policy: &Value) -> Value {
    let text = cmek::sandbox::kms::policy_doc::reserialize(&policy.to_string());
    let mut v: Value = serde_json::from_str(&text).unwrap();
    for s in v["Statement"].as_array_mut().unwrap() {
        if s["Sid"] == "AccountRootAdmin" {
            s["Principal"]["AWS"] = json!(ACCOUNT);
            s["Action"] = json!(["kms:*"]);
        }
        if let Some(list) = s["Action"].as_array_mut() {
            list.reverse();
        }
        if let Some(list) = s
            .pointer_mut(
                "/Condition/StringEqualsIfExists/kms:EncryptionContext:anthropic:compartment_uuid",
            )
            .and_then(Value::as_array_mut)
        {
            list.reverse();
        }
        if let Some(org) =
            s.pointer_mut("/Condition/StringEquals/kms:EncryptionContext:anthropic:org_uuid")
        {
            *org = json!([org.clone()]);
        }
    }
    v
}

#[test]
fn converged_world_with_the_policy_as_kms_returns_it_plans_nothing() {
    let d = quickstart();
    let (p, mut o) = converged_with(&d, &ORACLE);
    let original = observed_policy(&o);
    let returned = as_kms_returns_it(&original);
    assert_ne!(returned, original);
    assert_ne!(
        statements(&returned)[0]["Sid"],
        statements(&original)[0]["Sid"]
    );
    o.keys.get_mut(&key_prod()).unwrap().access = AccessDoc::AwsPolicy(returned);
    let plan = plan_with(&d, &p, &o, &ORACLE);
    assert!(plan.actions.is_empty(), "{:#?}", plan.actions);
    assert!(plan.drift.is_empty(), "{:#?}", plan.drift);
}

#[test]
fn safe005_refuses_dropping_a_formerly_attached_workspace() {
    // The key served `old` last year; the observed policy lists its compartment. A hand-written
    // policy that lists only today's workspaces would make old data unreadable.
    let (mut d, mut p, mut o) = converged_quickstart(&ORACLE);
    p.keys
        .get_mut(&key_prod())
        .unwrap()
        .served
        .push(ServedWorkspace {
            workspace_id: "wrkspc_old".into(),
            compartment_uuid: compartment("old"),
            via_external_key_id: "ekey_prod".into(),
        });
    let today = observed_policy(&o);
    let with_old = {
        let mut v = today.clone();
        for s in v["Statement"].as_array_mut().unwrap() {
            if let Some(list) = s
                .pointer_mut("/Condition/StringEqualsIfExists/kms:EncryptionContext:anthropic:compartment_uuid")
                .and_then(Value::as_array_mut)
            {
                list.push(json!(compartment("old")));
            }
        }
        v
    };
    o.keys.get_mut(&key_prod()).unwrap().access = AccessDoc::AwsPolicy(with_old);
    set_policy(&mut d, today);
    let plan = plan_with(&d, &p, &o, &ORACLE);
    assert_eq!(rules(&plan), vec![RuleId::Safe005], "{:#?}", plan.refusals);
    let why = &plan.refusals[0].why;
    assert!(why.contains("kms:Decrypt"), "{why}");
    assert!(why.contains("wrkspc_old"), "{why}");
    assert!(why.contains(&compartment("old")), "{why}");
    insta::with_settings!({ snapshot_path => "../snapshots/engine", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("safe005_formerly_attached_refusal", cmek::plan::render::text::render(&plan, false));
    });
    // Near case: rendered by cmek (no `policy`), the formerly attached compartment is kept.
    let (d, p2, o2) = {
        let mut d2 = d.clone();
        let KeyKind::Aws(a) = &mut d2.keys.get_mut(&key_prod()).unwrap().kind else {
            panic!()
        };
        a.policy = None;
        (d2, p.clone(), o.clone())
    };
    let plan = plan_with(&d, &p2, &o2, &ORACLE);
    assert!(plan.refusals.is_empty(), "{:#?}", plan.refusals);
}

#[test]
fn safe005_refuses_removing_the_describe_statement() {
    let (mut d, p, o) = converged_quickstart(&ORACLE);
    let policy = observed_policy(&o);
    let kept: Vec<Value> = statements(&policy)
        .into_iter()
        .filter(|s| s["Sid"] != "AllowAnthropicCMEKDescribe")
        .collect();
    set_policy(&mut d, with_statements(&policy, kept));
    let plan = plan_with(&d, &p, &o, &ORACLE);
    assert_eq!(rules(&plan), vec![RuleId::Safe005], "{:#?}", plan.refusals);
    assert!(
        plan.refusals[0].why.contains("kms:DescribeKey"),
        "{}",
        plan.refusals[0].why
    );
    let update = plan
        .actions
        .iter()
        .find_map(|a| match &a.action {
            Action::UpdateKeyAccess { diff, .. } => Some(diff),
            _ => None,
        })
        .expect("the update is still planned for review");
    assert!(
        update
            .iter()
            .any(|l| l.starts_with("- statement AllowAnthropicCMEKDescribe")),
        "{update:#?}"
    );
}

#[test]
fn safe005_refuses_a_deny_on_anthropic() {
    let (mut d, p, o) = converged_quickstart(&ORACLE);
    let policy = observed_policy(&o);
    let mut list = statements(&policy);
    list.push(json!({
        "Sid": "DenyAnthropicDecrypt", "Effect": "Deny",
        "Principal": {"AWS": ROLE}, "Action": "kms:Decrypt", "Resource": "*"
    }));
    set_policy(&mut d, with_statements(&policy, list));
    let plan = plan_with(&d, &p, &o, &ORACLE);
    assert_eq!(rules(&plan), vec![RuleId::Safe005], "{:#?}", plan.refusals);
    let why = &plan.refusals[0].why;
    assert!(why.contains("DenyAnthropicDecrypt"), "{why}");
    assert!(why.contains("explicitly denies"), "{why}");
}

#[test]
fn safe005_refuses_an_unreadable_policy() {
    let (mut d, p, o) = converged_quickstart(&ORACLE);
    set_policy(
        &mut d,
        json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": 7}]}),
    );
    let plan = plan_with(&d, &p, &o, &ORACLE);
    assert!(
        rules(&plan).contains(&RuleId::Safe005),
        "{:#?}",
        plan.refusals
    );
    assert!(
        plan.refusals.iter().any(|r| r.why.contains("cannot prove")),
        "{:#?}",
        plan.refusals
    );
}

#[test]
fn safe007_refuses_dropping_an_org_uuid_in_use() {
    // Someone shared the key with a second organization outside cmek; the spec's rendering
    // binds only this organization.
    let (d, p, mut o) = converged_quickstart(&ORACLE);
    let mut policy = observed_policy(&o);
    for s in policy["Statement"].as_array_mut().unwrap() {
        if let Some(org) =
            s.pointer_mut("/Condition/StringEquals/kms:EncryptionContext:anthropic:org_uuid")
        {
            *org = json!([ORG, OTHER_ORG]);
        }
    }
    let key = o.keys.get_mut(&key_prod()).unwrap();
    key.access = AccessDoc::AwsPolicy(policy);
    key.org_uuids_bound.insert(OTHER_ORG.to_string());
    let plan = plan_with(&d, &p, &o, &ORACLE);
    assert_eq!(rules(&plan), vec![RuleId::Safe007], "{:#?}", plan.refusals);
    assert!(plan.refusals[0].title.contains(OTHER_ORG));
    // Near case: state remembers the binding, so cmek renders both organizations.
    let mut p2 = p.clone();
    p2.keys
        .get_mut(&key_prod())
        .unwrap()
        .org_uuids_bound
        .insert(OTHER_ORG.to_string());
    let plan = plan_with(&d, &p2, &o, &ORACLE);
    assert!(plan.refusals.is_empty(), "{:#?}", plan.refusals);
    assert!(plan.actions.is_empty(), "{:#?}", plan.actions);
}

#[test]
fn widening_passes_and_adds_the_compartment_before_the_attach() {
    let (mut d, p, mut o) = converged_quickstart(&ORACLE);
    add_workspace(&mut d, workspace("c", Some(&Address::external_key("prod"))));
    o.workspaces
        .insert(Address::workspace("c"), observed_workspace("c", None));
    let plan = plan_with(&d, &p, &o, &ORACLE);
    assert!(plan.refusals.is_empty(), "{:#?}", plan.refusals);
    let (position, diff) = plan
        .actions
        .iter()
        .enumerate()
        .find_map(|(i, a)| match &a.action {
            Action::UpdateKeyAccess { diff, .. } => Some((i, diff)),
            _ => None,
        })
        .expect("an access update");
    assert!(
        diff.iter()
            .any(|l| l.starts_with("~ statement AllowAnthropicCMEKCrypto")
                && l.contains(&format!("adds {}", compartment("c")))),
        "{diff:#?}"
    );
    let attach = plan
        .actions
        .iter()
        .position(|a| matches!(a.action, Action::AttachWorkspace { .. }))
        .expect("the attach");
    assert!(position < attach);
    // Widening a hand-written policy with an extra grant passes too.
    let (mut d, p, o) = converged_quickstart(&ORACLE);
    let policy = observed_policy(&o);
    let mut list = statements(&policy);
    list.push(json!({
        "Sid": "AllowAuditorDescribe", "Effect": "Allow",
        "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:role/Auditor")},
        "Action": ["kms:DescribeKey", "kms:GetKeyPolicy"], "Resource": "*"
    }));
    set_policy(&mut d, with_statements(&policy, list));
    let plan = plan_with(&d, &p, &o, &ORACLE);
    assert!(plan.refusals.is_empty(), "{:#?}", plan.refusals);
    assert!(
        plan.actions
            .iter()
            .any(|a| matches!(a.action, Action::UpdateKeyAccess { .. }))
    );
}

#[test]
fn narrowed_reports_both_directions_with_the_evaluator_reason() {
    let (_, _, o) = converged_quickstart(&ORACLE);
    let full = o.keys[&key_prod()].access.clone();
    let policy = aws_policy(&full).clone();
    let no_crypto = AccessDoc::AwsPolicy(with_statements(
        &policy,
        statements(&policy)
            .into_iter()
            .filter(|s| s["Sid"] != "AllowAnthropicCMEKCrypto")
            .collect(),
    ));
    let requests = AnthropicRequests {
        platform: Platform::ClaudePlatform,
        org_uuids: vec![ORG.to_string()],
        validation: true,
        workspaces: vec![CompartmentUse {
            workspace_id: "wrkspc_a".into(),
            compartment_uuid: compartment("a"),
            status: CompartmentStatus::Attached,
        }],
    };
    let lost = ORACLE.narrowed(&full, &no_crypto, &requests);
    // validation encrypt + decrypt, traffic encrypt + decrypt.
    assert_eq!(lost.len(), 4, "{lost:#?}");
    assert!(
        lost.iter()
            .all(|f| f.old == Decision::Allow && f.new == Decision::Deny)
    );
    assert!(lost.iter().any(|f| f.request.contains("wrkspc_a")));
    assert!(lost[0].reason.starts_with("denied:"), "{}", lost[0].reason);
    let gained = ORACLE.narrowed(&no_crypto, &full, &requests);
    assert_eq!(gained.len(), 4);
    assert!(gained.iter().all(|f| f.new == Decision::Allow));
    assert_eq!(
        ORACLE
            .bound_org_uuids(&full)
            .into_iter()
            .collect::<Vec<_>>(),
        vec![ORG.to_string()]
    );
}

#[test]
fn gcp_and_azure_narrowing_is_simulated() {
    let mut d = empty_desired(Platform::ClaudePlatform);
    let g = gcp_key("main");
    let z = azure_key("main");
    let rg = registration("g", &g.address);
    let rz = registration("z", &z.address);
    add_workspace(&mut d, workspace("g1", Some(&rg.address)));
    add_workspace(&mut d, workspace("z1", Some(&rz.address)));
    add_registration(&mut d, rg);
    add_registration(&mut d, rz);
    let (ga, za) = (g.address.clone(), z.address.clone());
    add_key(&mut d, g);
    add_key(&mut d, z);
    let (_, o) = converged_with(&d, &ORACLE);
    let requests = AnthropicRequests {
        platform: Platform::ClaudePlatform,
        org_uuids: vec![ORG.to_string()],
        validation: true,
        workspaces: Vec::new(),
    };
    // GCP: dropping the viewer binding loses the metadata read.
    let gcp = o.keys[&ga].access.clone();
    let AccessDoc::GcpBindings(mut narrowed) = gcp.clone() else {
        panic!()
    };
    narrowed.bindings.remove("roles/cloudkms.viewer");
    let lost = ORACLE.narrowed(&gcp, &AccessDoc::GcpBindings(narrowed), &requests);
    assert_eq!(lost.len(), 1, "{lost:#?}");
    assert!(
        lost[0].request.contains("cloudkms.cryptoKeys.get"),
        "{lost:#?}"
    );
    // Azure: dropping unwrapKey from the key operations loses decrypt.
    let azure = o.keys[&za].access.clone();
    let AccessDoc::AzureAssignment(mut narrowed) = azure.clone() else {
        panic!()
    };
    narrowed.key_ops.remove("unwrapKey");
    let lost = ORACLE.narrowed(
        &azure,
        &AccessDoc::AzureAssignment(narrowed.clone()),
        &requests,
    );
    assert_eq!(lost.len(), 2, "{lost:#?}");
    assert!(
        lost.iter().all(|f| f.request.starts_with("unwrapKey")),
        "{lost:#?}"
    );
    assert!(
        ORACLE
            .statement_diff(&azure, &AccessDoc::AzureAssignment(narrowed))
            .contains(&"- key operation unwrapKey".to_string())
    );
}

#[test]
fn unknown_aws_account_never_renders_a_usable_policy() {
    let d = quickstart();
    let (p, mut o) = from_scratch(&d);
    o.aws_caller_account = None;
    let plan = plan_with(&d, &p, &o, &ORACLE);
    let diff = plan
        .actions
        .iter()
        .find_map(|a| match &a.action {
            Action::CreateKey { diff, .. } => Some(diff),
            _ => None,
        })
        .expect("create");
    assert!(
        diff.iter()
            .any(|l| l.contains("account that owns the key is unknown")),
        "{diff:#?}"
    );
}
