//! Canonical form and the statement-level semantic diff.

mod policy_support;

use cmek::policy::aws::canonical::{canonicalize, orphaned_principals, semantically_equal};
use cmek::policy::aws::diff::{FieldChange, StatementChange, diff_policies};
use cmek::policy::aws::parse_policy_value;
use cmek::policy::render::aws::{CompartmentStatus, render_aws_policy};
use policy_support::*;
use serde_json::json;

#[test]
fn policy_read_back_in_another_shape_is_equal() {
    let rendered = render_aws_policy(&platform_input()).unwrap();
    // What KMS might hand back: statements reordered, bare account id, lists where strings
    // were, actions in another case and order, condition values as a one-element list.
    let read_back = parse_policy_value(&json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AllowAnthropicCMEKDescribe", "Effect": "Allow", "Principal": {"AWS": [ROLE]}, "Action": ["kms:describekey"], "Resource": ["*"]},
            {"Sid": "AllowAnthropicCMEKCrypto", "Effect": "Allow", "Principal": {"AWS": ROLE}, "Action": ["kms:Decrypt", "kms:Encrypt", "kms:encrypt"], "Resource": "*",
             "Condition": {
                "StringEqualsIfExists": {"KMS:EncryptionContext:anthropic:compartment_uuid": [COMP1, ZEROS]},
                "StringEquals": {"kms:encryptioncontext:anthropic:org_uuid": [ORG]}
             }},
            {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "kms:*", "Resource": "*"}
        ]
    }))
    .unwrap();
    assert!(semantically_equal(&rendered, &read_back));
    let diff = diff_policies(&rendered, &read_back);
    assert!(diff.is_empty(), "{}", diff.render_text());
    assert_eq!(diff.unchanged, 3);
    // The Sid rename is reported, as information.
    assert_eq!(diff.changes.len(), 1);
    assert!(
        matches!(&diff.changes[0], StatementChange::Renamed { new_sid: Some(s), .. } if s == "Root")
    );
}

#[test]
fn canonical_form_is_idempotent_and_normalizes() {
    let doc = fixture("kitchen_sink.json");
    let c = canonicalize(&doc);
    assert_eq!(canonicalize(&c), c);
    let json = c.to_json();
    insta::with_settings!({ snapshot_path => "../snapshots/policy", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("canonical_kitchen_sink", serde_json::to_string_pretty(&json).unwrap());
    });
    // Bare account id became the root ARN; {"AWS": "*"} would become "*".
    assert!(json.to_string().contains("arn:aws:iam::111122223333:root"));
    let star = parse_policy_value(&json!({"Statement": [{"Effect": "Allow", "Principal": {"AWS": ["*", "arn:aws:iam::1:root"]}, "Action": "kms:*", "Resource": "*"}]})).unwrap();
    assert_eq!(
        canonicalize(&star).to_json()["Statement"][0]["Principal"],
        json!("*")
    );
}

#[test]
fn different_policies_are_not_equal() {
    let a = render_aws_policy(&platform_input()).unwrap();
    let mut input = platform_input();
    input
        .compartments
        .push(compartment(COMP2, WS2, CompartmentStatus::Attaching));
    let b = render_aws_policy(&input).unwrap();
    assert!(!semantically_equal(&a, &b));
    // Value case matters (StringEquals is case-sensitive).
    let mut upper = a.to_json();
    upper["Statement"][1]["Condition"]["StringEquals"]["kms:EncryptionContext:anthropic:org_uuid"] =
        json!(ORG.to_uppercase());
    assert!(!semantically_equal(
        &a,
        &parse_policy_value(&upper).unwrap()
    ));
}

#[test]
fn diff_spells_out_principals_actions_and_conditions() {
    let old = fixture("era_july_2026.json");
    let new = fixture("era_current.json");
    let diff = diff_policies(&old, &new);
    let changed: Vec<_> = diff
        .changes
        .iter()
        .filter_map(|c| match c {
            StatementChange::Changed { fields, new, .. } => Some((new.sid.clone(), fields.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(changed.len(), 1);
    assert_eq!(changed[0].0.as_deref(), Some("AllowAnthropicCMEKCrypto"));
    assert!(changed[0].1.contains(&FieldChange::Condition {
        operator: "StringEquals".into(),
        key: "kms:EncryptionContext:anthropic:org_uuid".into(),
        added: vec![ORG.into()],
        removed: vec![],
    }));

    let wizard = fixture("console_wizard.json");
    let diff = diff_policies(&wizard, &new);
    insta::with_settings!({ snapshot_path => "../snapshots/policy", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("diff_july_to_current", diff_policies(&old, &new).render_text());
        insta::assert_snapshot!("diff_console_wizard_to_current", diff.render_text());
    });
    // Deterministic.
    let mut shuffled = wizard.clone();
    shuffled.statements.reverse();
    assert_eq!(diff_policies(&shuffled, &new), diff);
}

#[test]
fn diff_of_added_and_removed_statements() {
    let mut input = platform_input();
    let old = render_aws_policy(&input).unwrap();
    input.protects_pre_current_data = true;
    input.admins = Some(vec!["arn:aws:iam::111122223333:role/KeyAdmin".into()]);
    let new = render_aws_policy(&input).unwrap();
    let diff = diff_policies(&old, &new);
    let added: Vec<_> = diff
        .changes
        .iter()
        .filter_map(|c| match c {
            StatementChange::Added { statement } => statement.sid.clone(),
            _ => None,
        })
        .collect();
    assert_eq!(added.len(), 2, "{}", diff.render_text());
    let back = diff_policies(&new, &old);
    assert_eq!(
        back.changes
            .iter()
            .filter(|c| matches!(c, StatementChange::Removed { .. }))
            .count(),
        2
    );
}

#[test]
fn orphaned_unique_ids_are_flagged() {
    let orphans = orphaned_principals(&fixture("kitchen_sink.json"));
    assert_eq!(orphans.len(), 1);
    assert_eq!(orphans[0].unique_id, "AROAJQABLZS4A3QDU576Q");
    assert_eq!(orphans[0].statement.label(), "Everything");
}

/// Found by `policy_props`: statements that differ only in action case share a content key, so
/// the canonical order must not depend on their input order.
#[test]
fn statements_differing_only_in_action_case_canonicalize_in_one_order() {
    let statement = |decrypt: &str| json!({"Effect": "Allow", "Principal": "*", "NotAction": [decrypt, "kms:GenerateDataKey*"], "Resource": "*"});
    let doc = |first: &str, second: &str| {
        parse_policy_value(&json!({
            "Version": "2012-10-17",
            "Statement": [statement(first), statement(second)]
        }))
        .unwrap()
    };
    let a = doc("KMS:Decrypt", "kms:decrypt");
    let b = doc("kms:decrypt", "KMS:Decrypt");
    assert_eq!(canonicalize(&a), canonicalize(&b));
}
