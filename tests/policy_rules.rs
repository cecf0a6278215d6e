//! One test per rule in domain/anthropic-cmek.md §4 "Rules that follow from the current docs"
//! (and the statement-shape rules above it), each checked through the public policy API.

mod policy_support;

use std::collections::BTreeMap;

use cmek::policy::aws::{CompiledPolicy, Decision, Request, RequestPrincipal, evaluate};
use cmek::policy::render::aws::{CompartmentStatus, render_aws_policy};
use cmek::policy::simulate::{
    ExternalPrincipal, Purpose, aws_external_access, aws_requests, is_expected_validation_denial,
    narrowed, simulate,
};
use cmek::spec::model::Platform;
use policy_support::*;
use serde_json::json;

fn parse(v: serde_json::Value) -> cmek::policy::aws::PolicyDocument {
    cmek::policy::aws::parse_policy_value(&v).unwrap()
}

/// Rule: with the compartment condition, list every workspace the key is or was attached to,
/// and add a new workspace's compartment *before* attaching it.
#[test]
fn rule_compartment_list_covers_every_workspace_and_new_ones_first() {
    let mut input = platform_input();
    input
        .compartments
        .push(compartment(COMP2, WS2, CompartmentStatus::Attaching));
    input
        .compartments
        .push(compartment(COMP3, WS3, CompartmentStatus::FormerlyAttached));
    let requests = aws_requests(&input, KEY_ARN).unwrap();
    let rendered = CompiledPolicy::new(&render_aws_policy(&input).unwrap());
    let report = simulate(&rendered, &requests);
    assert!(report.all_ok(), "{}", report.render_text());
    assert!(
        report
            .outcome(&format!("traffic/{WS2}/kms:Encrypt"))
            .unwrap()
            .ok
    );
    assert!(
        report
            .outcome(&format!("traffic/{WS3}/kms:Decrypt"))
            .unwrap()
            .ok
    );

    // The policy as it was before the new workspace (and with the old one dropped): the attach
    // would fail and old data would become unreadable.
    let stale_input = platform_input();
    let stale = CompiledPolicy::new(&render_aws_policy(&stale_input).unwrap());
    let report = simulate(&stale, &requests);
    let failing: Vec<&str> = report.failures().map(|o| o.id.as_str()).collect();
    assert_eq!(
        failing,
        [
            format!("traffic/{WS2}/kms:Encrypt"),
            format!("traffic/{WS2}/kms:Decrypt"),
            format!("traffic/{WS3}/kms:Decrypt")
        ]
    );
    // Dropping a formerly attached compartment narrows access: SAFE005 sees the flip.
    let flips = narrowed(&rendered, &stale, &requests);
    assert!(
        flips
            .iter()
            .any(|f| f.id == format!("traffic/{WS3}/kms:Decrypt"))
    );
    assert!(
        flips
            .iter()
            .all(|f| matches!(f.purpose, Purpose::Traffic { .. }))
    );
}

/// Rule: a key that already protects data under an older policy keeps
/// AllowAnthropicCMEKDecryptExistingData, or old data becomes unreadable.
#[test]
fn rule_existing_data_statement_is_kept() {
    let mut input = platform_input();
    input.protects_pre_current_data = true;
    input
        .compartments
        .push(compartment(COMP3, WS3, CompartmentStatus::FormerlyAttached));
    let requests = aws_requests(&input, KEY_ARN).unwrap();
    let with_statement = render_aws_policy(&input).unwrap();
    let report = simulate(&CompiledPolicy::new(&with_statement), &requests);
    assert!(report.all_ok(), "{}", report.render_text());
    let existing = report
        .outcome(&format!("existing-data/{WS1}/kms:Decrypt"))
        .unwrap();
    assert_eq!(
        existing.check.deciding,
        ["AllowAnthropicCMEKDecryptExistingData"]
    );

    let mut without = with_statement.clone();
    without
        .statements
        .retain(|s| s.sid.as_deref() != Some("AllowAnthropicCMEKDecryptExistingData"));
    let flips = narrowed(
        &CompiledPolicy::new(&with_statement),
        &CompiledPolicy::new(&without),
        &requests,
    );
    let ids: Vec<&str> = flips.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            format!("existing-data/{WS1}/kms:Decrypt"),
            format!("existing-data/{WS3}/kms:Decrypt")
        ]
    );
    assert!(
        flips[0]
            .after
            .explanation
            .contains("request has no kms:EncryptionContext:anthropic:org_uuid")
    );
}

/// Rule: old keys whose compartment statement allows kms:Encrypt are still validated with the
/// all-zeros compartment while unattached: keep all-zeros in such lists.
#[test]
fn rule_all_zeros_stays_in_compartment_lists() {
    let mut doc = render_aws_policy(&platform_input()).unwrap().to_json();
    doc["Statement"][1]["Condition"]["StringEqualsIfExists"]["kms:EncryptionContext:anthropic:compartment_uuid"] =
        json!([COMP1]);
    let without_zeros = parse(doc);
    let mut input = platform_input();
    input.compartments.clear(); // unattached
    let requests = aws_requests(&input, KEY_ARN).unwrap();
    let report = simulate(&CompiledPolicy::new(&without_zeros), &requests);
    let failing: Vec<&str> = report.failures().map(|o| o.id.as_str()).collect();
    assert_eq!(
        failing,
        ["validation/kms:Encrypt", "validation/kms:Decrypt"]
    );
    // The renderer never leaves it out.
    let rendered = render_aws_policy(&input).unwrap();
    assert!(rendered.to_pretty_string().contains(ZEROS));
}

/// Rule: cross-account access must be granted in the key policy; IAM policies in the customer
/// account cannot grant it.
#[test]
fn rule_cross_account_needs_the_key_policy() {
    let only_root = parse(json!({"Statement": [
        {"Sid": "AccountRootAdmin", "Effect": "Allow", "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")}, "Action": "kms:*", "Resource": "*"}
    ]}));
    let req = Request::new(RequestPrincipal::aws(ROLE), "kms:Encrypt", KEY_ARN);
    // The customer's root statement delegates to the customer's IAM, which cannot reach an
    // identity in Anthropic's account: the result is a plain implicit deny.
    assert_eq!(evaluate(&only_root, &req).decision, Decision::ImplicitDeny);
    let customer_role = Request::new(
        RequestPrincipal::aws("arn:aws:iam::111122223333:role/App"),
        "kms:Encrypt",
        KEY_ARN,
    );
    assert_eq!(
        evaluate(&only_root, &customer_role).decision,
        Decision::DelegatedToAccount {
            account: ACCOUNT.into()
        }
    );
}

/// Rule: resource control policies that deny on aws:PrincipalOrgID apply to Anthropic's role
/// and need a carve-out (SCPs do not apply to the external role).
#[test]
fn rule_rcp_org_deny_needs_a_carve_out() {
    let req = Request::new(RequestPrincipal::aws(ROLE), "kms:Decrypt", KEY_ARN);
    let rcp = evaluate(&fixture("rcp_org_deny.json"), &req);
    assert_eq!(rcp.decision, Decision::ExplicitDeny);
    assert_eq!(rcp.deciding[0].label(), "EnforceOrgIdentities");
    let carved = evaluate(&fixture("rcp_org_deny_with_carveout.json"), &req);
    assert_ne!(carved.decision, Decision::ExplicitDeny);
    // The customer's own identities (in the org) are unaffected.
    let insider = Request::new(
        RequestPrincipal::aws("arn:aws:iam::111122223333:role/App"),
        "kms:Decrypt",
        KEY_ARN,
    )
    .with("aws:PrincipalOrgID", "o-abcdef1234");
    assert_ne!(
        evaluate(&fixture("rcp_org_deny.json"), &insider).decision,
        Decision::ExplicitDeny
    );
}

/// Rule: the console wizard's "key usage" grant to Anthropic's account is the whole account,
/// with kms:ReEncrypt* and kms:GenerateDataKey* and no conditions: too broad, and validation
/// rejects it.
#[test]
fn rule_console_wizard_policy_is_too_broad_and_fails_validation() {
    let doc = fixture("console_wizard.json");
    let grants = aws_external_access(&doc, ACCOUNT, Platform::ClaudePlatform).unwrap();
    let broad = grants
        .iter()
        .find(|g| g.statement.label() == "Allow use of the key")
        .unwrap();
    assert_eq!(
        broad.principal,
        ExternalPrincipal::WholeAccount {
            account: "915198916910".into(),
            anthropic: true
        }
    );
    assert!(!broad.conditional);
    assert!(broad.actions.contains(&"kms:ReEncrypt*".to_string()));
    assert!(broad.actions.contains(&"kms:GenerateDataKey*".to_string()));

    let report = simulate(
        &CompiledPolicy::new(&doc),
        &aws_requests(&platform_input(), KEY_ARN).unwrap(),
    );
    let encrypt = report.outcome("validation/kms:Encrypt").unwrap();
    assert!(!encrypt.ok);
    assert!(encrypt.check.explanation.starts_with(
        "delegated: statement Allow use of the key grants account 915198916910's root"
    ));
    // The probes are not refused by the key policy either: it hands them to IAM in
    // Anthropic's account, which the customer cannot see.
    let probe = report
        .outcome("validation-probe/no-org/kms:Encrypt")
        .unwrap();
    assert_eq!(probe.check.decision, "delegated to account IAM policies");
}

/// Rule: a compartment id is the workspace's UUID `compartment_id`, not its `wrkspc_` id.
#[test]
fn rule_compartment_ids_are_uuids_not_workspace_ids() {
    let mut input = platform_input();
    input.compartments = vec![compartment(WS2, WS2, CompartmentStatus::Attaching)];
    assert!(render_aws_policy(&input).is_err());
    // A hand-written policy listing the workspace id denies that workspace's traffic.
    let mut doc = render_aws_policy(&platform_input()).unwrap().to_json();
    doc["Statement"][1]["Condition"]["StringEqualsIfExists"]["kms:EncryptionContext:anthropic:compartment_uuid"] =
        json!([ZEROS, WS1]);
    let report = simulate(
        &CompiledPolicy::new(&parse(doc)),
        &aws_requests(&platform_input(), KEY_ARN).unwrap(),
    );
    let failing: Vec<&str> = report.failures().map(|o| o.id.as_str()).collect();
    assert_eq!(
        failing,
        [
            format!("traffic/{WS1}/kms:Encrypt"),
            format!("traffic/{WS1}/kms:Decrypt")
        ]
    );
}

/// Rule: each validation leaves four expected access-denied CloudTrail entries
/// (associatedData = Y21lay12YWxpZGF0aW9u, caller account 915198916910).
#[test]
fn rule_four_expected_validation_denials() {
    let requests = aws_requests(&platform_input(), KEY_ARN).unwrap();
    let report = simulate(
        &CompiledPolicy::new(&render_aws_policy(&platform_input()).unwrap()),
        &requests,
    );
    let denied: Vec<_> = report
        .outcomes
        .iter()
        .filter(|o| !o.check.allowed)
        .collect();
    assert_eq!(denied.len(), 4);
    for r in requests
        .iter()
        .filter(|r| r.purpose == Purpose::ValidationProbe)
    {
        let ctx: BTreeMap<String, String> = r.request.encryption_context.iter().cloned().collect();
        assert!(is_expected_validation_denial(&ctx, "915198916910").unwrap());
        assert!(!is_expected_validation_denial(&ctx, ACCOUNT).unwrap());
    }
    let traffic = BTreeMap::from([("anthropic:org_uuid".to_string(), ORG.to_string())]);
    assert!(!is_expected_validation_denial(&traffic, "915198916910").unwrap());
}

/// Shape rule: AllowAnthropicCMEKDescribe has no condition; an encryption-context condition on
/// it always denies (DescribeKey carries no encryption context).
#[test]
fn rule_describe_has_no_condition() {
    let mut doc = render_aws_policy(&platform_input()).unwrap().to_json();
    doc["Statement"][2]["Condition"] =
        json!({"StringEquals": {"kms:EncryptionContext:anthropic:org_uuid": ORG}});
    let report = simulate(
        &CompiledPolicy::new(&parse(doc)),
        &aws_requests(&platform_input(), KEY_ARN).unwrap(),
    );
    let failing: Vec<&str> = report.failures().map(|o| o.id.as_str()).collect();
    assert_eq!(failing, ["validation/kms:DescribeKey"]);
}

/// Shape rule: the crypto statement grants kms:Encrypt and kms:Decrypt only, to the role only.
#[test]
fn rule_crypto_statement_grants_nothing_else() {
    let doc = render_aws_policy(&platform_input()).unwrap();
    let compiled = CompiledPolicy::new(&doc);
    for action in [
        "kms:ReEncryptFrom",
        "kms:GenerateDataKey",
        "kms:CreateGrant",
        "kms:PutKeyPolicy",
    ] {
        let req = Request::new(RequestPrincipal::aws(ROLE), action, KEY_ARN)
            .with_encryption_context("anthropic:org_uuid", ORG);
        assert_eq!(
            compiled.decide(&req).decision,
            Decision::ImplicitDeny,
            "{action}"
        );
    }
    assert!(
        aws_external_access(&doc, ACCOUNT, Platform::ClaudePlatform)
            .unwrap()
            .is_empty()
    );
}

/// Claude Platform on AWS: the service principal, GenerateDataKey, aws:SourceArn; validation at
/// attach with the workspace's compartment (so a workspace being attached must be listed).
#[test]
fn rule_claude_platform_on_aws_shape() {
    let mut input = cpoa_input();
    input
        .compartments
        .push(compartment(COMP2, WS2, CompartmentStatus::Attaching));
    let requests = aws_requests(&input, KEY_ARN).unwrap();
    assert!(
        requests
            .iter()
            .all(|r| r.request.principal == RequestPrincipal::service(SERVICE))
    );
    let report = simulate(
        &CompiledPolicy::new(&render_aws_policy(&input).unwrap()),
        &requests,
    );
    assert!(report.all_ok(), "{}", report.render_text());
    assert!(
        report
            .outcome(&format!("traffic/{WS2}/kms:GenerateDataKey"))
            .unwrap()
            .ok
    );
    // The documented fixture (compartment COMP1, SourceArn pattern) serves WS1 but not WS2.
    let fixture_report = simulate(
        &CompiledPolicy::new(&fixture("claude_platform_on_aws.json")),
        &requests,
    );
    let failing: Vec<&str> = fixture_report.failures().map(|o| o.id.as_str()).collect();
    assert_eq!(failing.len(), 3, "{failing:?}");
    assert!(failing.iter().all(|f| f.contains(WS2)));
}
