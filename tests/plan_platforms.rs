//! The plan core per platform (with the real policy library as the oracle): what Claude Platform on AWS
//! and Claude Enterprise plan differently from Claude Platform, and how those plans render
//! (text, markdown and JSON snapshots under `snapshots/plan/`).

mod common;

use cmek::address::Address;
use cmek::engine::oracle::LibraryOracle;
use cmek::plan::model::{Action, DriftKind, Plan};
use cmek::plan::plan_exit_code;
use cmek::plan::render::{json, markdown, text};
use cmek::spec::model::{AwsProviderConfig, Desired, Platform};
use common::*;

fn key_prod() -> Address {
    aws_key("prod").address
}

fn ids(plan: &Plan) -> Vec<&str> {
    plan.actions.iter().map(|a| a.id.as_str()).collect()
}

fn snapshot_all(name: &str, plan: &Plan) {
    insta::with_settings!({ snapshot_path => "../snapshots/plan", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(format!("{name}_text"), text::render(plan, false));
        insta::assert_snapshot!(format!("{name}_markdown"), markdown::render(plan));
        insta::assert_snapshot!(format!("{name}_json"), json::render(plan));
    });
}

/// One key protecting one workspace on Claude Platform on AWS, the provider in the key's region.
fn platform_aws() -> Desired {
    let mut d = empty_desired(Platform::ClaudePlatformAws);
    let key = aws_key("prod");
    let reg = registration("prod", &key.address);
    add_workspace(&mut d, workspace("a", Some(&reg.address)));
    add_registration(&mut d, reg);
    let region = match &key.kind {
        cmek::spec::model::KeyKind::Aws(a) => a.region.clone(),
        _ => unreachable!(),
    };
    d.providers.aws = Some(AwsProviderConfig {
        region,
        profile: None,
        endpoint: None,
        assume_role: None,
        origin: origin(),
    });
    add_key(&mut d, key);
    d
}

/// One organization-wide key on Claude Enterprise.
fn enterprise() -> Desired {
    let mut d = empty_desired(Platform::ClaudeEnterprise);
    let key = aws_key("prod");
    add_registration(&mut d, registration("prod", &key.address));
    add_key(&mut d, key);
    d
}

#[test]
fn platform_aws_from_scratch_creates_verifies_and_attaches_without_registration() {
    let d = platform_aws();
    let (prior, observed) = from_scratch(&d);
    let plan = plan_with(&d, &prior, &observed, &LibraryOracle);
    assert_eq!(
        ids(&plan),
        vec![
            "create_key:key.aws.prod",
            "verify_key:key.aws.prod",
            "attach:workspace.a"
        ]
    );
    assert_eq!(
        plan.action("verify_key:key.aws.prod").unwrap().action,
        Action::VerifyKey { registration: None },
        "no separate validate call on this platform"
    );
    snapshot_all("platform_aws_from_scratch", &plan);
}

#[test]
fn platform_aws_refuses_to_attach_a_key_of_another_account_at_plan_time() {
    let d = platform_aws();
    let (prior, mut observed) = from_scratch(&d);
    // The key exists already (being imported), but in another account than the workspaces'.
    let (_, key_observed) = converged_with(&d, &LibraryOracle);
    let mut key = key_observed.keys[&key_prod()].clone();
    key.remote_id = key.remote_id.replace(common::ACCOUNT, "444455556666");
    key.immutable
        .insert("account".to_string(), "444455556666".to_string());
    observed.keys.insert(key_prod(), key);
    let plan = plan_with(&d, &prior, &observed, &LibraryOracle);
    // The spec's key would live in the caller's account: SAFE004 refuses the account change,
    // and the platform rule says why the attach could not happen anyway.
    assert!(
        plan.refusals.iter().any(|r| r.rule.as_str() == "SAFE004"),
        "{:?}",
        plan.refusals
    );
    assert!(
        plan.action("attach:workspace.a").is_none(),
        "{:?}",
        ids(&plan)
    );
    let drift = plan
        .drift
        .iter()
        .find(|x| x.kind == DriftKind::PlatformMismatch)
        .expect("a platform mismatch");
    assert!(drift.blocking);
    assert!(drift.message.contains("444455556666"), "{}", drift.message);
    assert!(drift.message.contains("same AWS account and region"));
    assert_eq!(plan_exit_code(&plan, true), 3);
    snapshot_all("platform_aws_other_account", &plan);
}

#[test]
fn platform_aws_refuses_a_multi_region_key_at_plan_time() {
    let d = platform_aws();
    let (prior, mut observed) = from_scratch(&d);
    let (_, key_observed) = converged_with(&d, &LibraryOracle);
    let mut key = key_observed.keys[&key_prod()].clone();
    key.remote_id = key.remote_id.replace("key/", "key/mrk-");
    observed.keys.insert(key_prod(), key);
    let plan = plan_with(&d, &prior, &observed, &LibraryOracle);
    assert!(plan.action("attach:workspace.a").is_none());
    assert!(
        plan.drift
            .iter()
            .any(|x| x.kind == DriftKind::PlatformMismatch && x.message.contains("multi-region"))
    );
}

#[test]
fn enterprise_from_scratch_registers_and_verifies_with_anthropic() {
    let d = enterprise();
    let (prior, observed) = from_scratch(&d);
    let plan = plan_with(&d, &prior, &observed, &LibraryOracle);
    assert_eq!(
        ids(&plan),
        vec![
            "create_key:key.aws.prod",
            "create_registration:external_key.prod",
            "verify_key:key.aws.prod"
        ]
    );
    let verify = plan.action("verify_key:key.aws.prod").unwrap();
    assert_eq!(
        verify.action,
        Action::VerifyKey {
            registration: Some(Address::external_key("prod"))
        }
    );
    assert!(
        verify
            .depends_on
            .contains(&"create_registration:external_key.prod".to_string())
    );
    snapshot_all("enterprise_from_scratch", &plan);
}

#[test]
fn enterprise_in_use_is_not_verified_again_and_is_protected() {
    let d = enterprise();
    let (mut prior, observed) = converged_with(&d, &LibraryOracle);
    prior
        .registrations
        .get_mut(&Address::external_key("prod"))
        .unwrap()
        .in_use = true;
    let plan = plan_with(&d, &prior, &observed, &LibraryOracle);
    assert!(plan.actions.is_empty(), "{:?}", ids(&plan));

    // Pointing the organization's registration at another key is refused (SAFE006).
    let mut moved = d.clone();
    let other = aws_key("other");
    moved
        .external_keys
        .get_mut(&Address::external_key("prod"))
        .unwrap()
        .key = other.address.clone();
    add_key(&mut moved, other);
    let plan = plan_with(&moved, &prior, &observed, &LibraryOracle);
    assert!(
        plan.refusals.iter().any(|r| r.rule.as_str() == "SAFE006"),
        "{:?}",
        plan.refusals
    );
}
