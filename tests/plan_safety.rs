//! Safety rules, table-driven: for each rule a case that must refuse and a near case that must
//! pass. A refused plan still holds its actions and exits 3.

mod common;

use cmek::address::{Address, Cloud};
use cmek::anthropic::types::{Attachment, ProviderConfig};
use cmek::plan::input::{AccessDoc, Observed, Prior};
use cmek::plan::model::{Action, RuleId};
use cmek::plan::{check_safety, plan_exit_code};
use cmek::spec::model::{Desired, KeyKind, Platform};
use common::oracle::TestOracle;
use common::*;

type World = (Desired, Prior, Observed);

fn key_prod() -> Address {
    Address::key(Cloud::Aws, "prod")
}

fn converged_quickstart() -> World {
    let d = quickstart();
    let (p, o) = converged(&d);
    (d, p, o)
}

/// A quickstart whose key exists but was never attached: workspaces are unattached and the
/// registration is unused.
fn unused_quickstart() -> World {
    let mut d = quickstart();
    for w in d.workspaces.values_mut() {
        w.external_key = None;
    }
    let (p, o) = converged(&d);
    (d, p, o)
}

/// An AWS policy for `key.aws.prod` as the escape hatch, listing only `keep` compartments.
fn hand_written_policy(keep: &[&str]) -> serde_json::Value {
    let mut comps = vec![common::oracle::ZERO.to_string()];
    comps.extend(keep.iter().map(|w| compartment(w)));
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AccountRootAdmin", "Effect": "Allow",
             "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
             "Action": "kms:*", "Resource": "*"},
            {"Sid": "AllowAnthropicCMEKCrypto", "Effect": "Allow",
             "Principal": {"AWS": common::oracle::ANTHROPIC_ROLE},
             "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*",
             "Condition": {
                "StringEquals": {"kms:EncryptionContext:anthropic:org_uuid": [ORG]},
                "StringEqualsIfExists": {"kms:EncryptionContext:anthropic:compartment_uuid": comps}}},
            {"Sid": "AllowAnthropicCMEKDescribe", "Effect": "Allow",
             "Principal": {"AWS": common::oracle::ANTHROPIC_ROLE},
             "Action": "kms:DescribeKey", "Resource": "*"}
        ]
    })
}

fn set_policy(d: &mut Desired, policy: serde_json::Value) {
    let KeyKind::Aws(a) = &mut d.keys.get_mut(&key_prod()).unwrap().kind else {
        panic!()
    };
    a.policy = Some(policy);
}

/// A GCP key with one registration; `attached` decides whether a workspace uses it. The
/// observed key also carries a second organization's label.
fn gcp_shared(attached: bool) -> World {
    let mut d = empty_desired(Platform::ClaudePlatform);
    let k = gcp_key("main");
    let r = registration("g", &k.address);
    add_workspace(&mut d, workspace("g1", attached.then_some(&r.address)));
    add_registration(&mut d, r);
    let addr = k.address.clone();
    add_key(&mut d, k);
    let (p, mut o) = converged(&d);
    let key = o.keys.get_mut(&addr).unwrap();
    let AccessDoc::GcpBindings(g) = &mut key.access else {
        panic!()
    };
    g.org_labels.insert(format!("anthropic-org-{OTHER_ORG}"));
    (d, p, o)
}

struct Case {
    name: &'static str,
    world: fn() -> World,
    /// The rule that must refuse, or `None` for a near case that must pass.
    refuses: Option<RuleId>,
}

fn cases() -> Vec<Case> {
    vec![
        // SAFE001 swap
        Case {
            name: "swap: spec names another registration than the attached one",
            world: || {
                let (mut d, p, mut o) = converged_quickstart();
                let other = registration("other", &key_prod());
                add_registration(&mut d, other.clone());
                d.workspaces
                    .get_mut(&Address::workspace("a"))
                    .unwrap()
                    .external_key = Some(other.address.clone());
                let (_, o2) = converged(&d);
                o.registrations = o2.registrations;
                (d, p, o)
            },
            refuses: Some(RuleId::Safe001),
        },
        Case {
            name: "swap near case: same registration as attached",
            world: converged_quickstart,
            refuses: None,
        },
        // SAFE002 detach
        Case {
            name: "detach: external_key removed while attached",
            world: || {
                let (mut d, p, o) = converged_quickstart();
                d.workspaces
                    .get_mut(&Address::workspace("a"))
                    .unwrap()
                    .external_key = None;
                (d, p, o)
            },
            refuses: Some(RuleId::Safe002),
        },
        Case {
            name: "detach near case: no external_key on an unattached workspace",
            world: unused_quickstart,
            refuses: None,
        },
        // SAFE003 stop managing protected objects
        Case {
            name: "unmanage: attached workspace's block deleted",
            world: || {
                let (mut d, p, o) = converged_quickstart();
                d.workspaces.remove(&Address::workspace("b"));
                (d, p, o)
            },
            refuses: Some(RuleId::Safe003),
        },
        Case {
            name: "unmanage: key protecting data deleted with its registration",
            world: || {
                let (mut d, p, o) = converged_quickstart();
                d.keys.clear();
                d.external_keys.clear();
                d.workspaces.clear();
                (d, p, o)
            },
            refuses: Some(RuleId::Safe003),
        },
        Case {
            name: "unmanage near case: the same deletion with removed blocks",
            world: || {
                let (mut d, p, o) = converged_quickstart();
                d.keys.clear();
                d.external_keys.clear();
                d.workspaces.clear();
                add_removed(&mut d, key_prod());
                add_removed(&mut d, Address::external_key("prod"));
                add_removed(&mut d, Address::workspace("a"));
                add_removed(&mut d, Address::workspace("b"));
                (d, p, o)
            },
            refuses: None,
        },
        // SAFE004 replace
        Case {
            name: "replace: region changed",
            world: || {
                let (mut d, p, o) = converged_quickstart();
                let KeyKind::Aws(a) = &mut d.keys.get_mut(&key_prod()).unwrap().kind else {
                    panic!()
                };
                a.region = "us-east-1".to_string();
                (d, p, o)
            },
            refuses: Some(RuleId::Safe004),
        },
        Case {
            name: "replace: GCP key ring changed",
            world: || {
                let mut d = empty_desired(Platform::ClaudePlatform);
                add_key(&mut d, gcp_key("main"));
                let (p, o) = converged(&d);
                let KeyKind::Gcp(g) = &mut d.keys.values_mut().next().unwrap().kind else {
                    panic!()
                };
                g.key_ring = "other-ring".to_string();
                (d, p, o)
            },
            refuses: Some(RuleId::Safe004),
        },
        Case {
            name: "replace near case: description changes in place",
            world: || {
                let (mut d, p, o) = converged_quickstart();
                let KeyKind::Aws(a) = &mut d.keys.get_mut(&key_prod()).unwrap().kind else {
                    panic!()
                };
                a.description = "Production CMEK".to_string();
                (d, p, o)
            },
            refuses: None,
        },
        // SAFE005 narrow access
        Case {
            name: "narrow: hand-written policy drops an attached workspace's compartment",
            world: || {
                let (mut d, p, o) = converged_quickstart();
                set_policy(&mut d, hand_written_policy(&["a"]));
                (d, p, o)
            },
            refuses: Some(RuleId::Safe005),
        },
        Case {
            name: "narrow: formerly attached workspace's compartment dropped",
            world: || {
                let (mut d, mut p, mut o) = converged_quickstart();
                o.keys.get_mut(&key_prod()).unwrap().access =
                    AccessDoc::AwsPolicy(hand_written_policy(&["a", "b", "old"]));
                p.keys.get_mut(&key_prod()).unwrap().served.push(
                    cmek::plan::input::ServedWorkspace {
                        workspace_id: "wrkspc_old".into(),
                        compartment_uuid: compartment("old"),
                        via_external_key_id: "ekey_prod".into(),
                    },
                );
                set_policy(&mut d, hand_written_policy(&["a", "b"]));
                (d, p, o)
            },
            refuses: Some(RuleId::Safe005),
        },
        Case {
            name: "narrow near case: the same narrowing on a key that never protected data",
            world: || {
                let (mut d, p, o) = unused_quickstart();
                set_policy(&mut d, hand_written_policy(&[]));
                (d, p, o)
            },
            refuses: None,
        },
        // SAFE006 frozen registration
        Case {
            name: "frozen registration: provider_config of a registration in use",
            world: || {
                let (d, p, mut o) = converged_quickstart();
                o.registrations
                    .get_mut(&Address::external_key("prod"))
                    .unwrap()
                    .provider_config = ProviderConfig::Aws {
                    kms_arn: "arn:aws:kms:us-east-2:111122223333:key/elsewhere".into(),
                    region: None,
                };
                (d, p, o)
            },
            refuses: Some(RuleId::Safe006),
        },
        Case {
            name: "frozen registration near case: same change while not in use",
            world: || {
                let (d, mut p, mut o) = unused_quickstart();
                let reg = o
                    .registrations
                    .get_mut(&Address::external_key("prod"))
                    .unwrap();
                assert_eq!(reg.attachment, Attachment::Unattached);
                reg.provider_config = ProviderConfig::Aws {
                    kms_arn: "arn:aws:kms:us-east-2:111122223333:key/elsewhere".into(),
                    region: None,
                };
                p.registrations
                    .get_mut(&Address::external_key("prod"))
                    .unwrap()
                    .in_use = false;
                (d, p, o)
            },
            refuses: None,
        },
        // SAFE007 org binding
        Case {
            name: "org binding: another organization's label dropped from a key in use",
            world: || gcp_shared(true),
            refuses: Some(RuleId::Safe007),
        },
        Case {
            name: "org binding near case: dropped from a key nobody uses",
            world: || gcp_shared(false),
            refuses: None,
        },
        Case {
            name: "org binding near case: kept when the spec labels name it",
            world: || {
                let (mut d, p, o) = gcp_shared(true);
                let KeyKind::Gcp(g) = &mut d.keys.values_mut().next().unwrap().kind else {
                    panic!()
                };
                g.labels
                    .insert(format!("anthropic-org-{OTHER_ORG}"), "true".to_string());
                (d, p, o)
            },
            refuses: None,
        },
    ]
}

#[test]
fn each_rule_refuses_its_case_and_passes_the_near_case() {
    let mut covered = std::collections::BTreeSet::new();
    for case in cases() {
        let (d, p, o) = (case.world)();
        let plan = plan(&d, &p, &o);
        let rules: Vec<RuleId> = plan.refusals.iter().map(|r| r.rule).collect();
        match case.refuses {
            Some(rule) => {
                assert!(
                    rules.contains(&rule),
                    "{}: expected {rule}, got {rules:?}",
                    case.name
                );
                assert_eq!(plan_exit_code(&plan, false), 3, "{}", case.name);
                for r in &plan.refusals {
                    assert!(
                        !r.why.is_empty() && !r.way_forward.is_empty(),
                        "{}",
                        case.name
                    );
                }
                covered.insert(rule);
            }
            None => {
                assert!(
                    rules.is_empty(),
                    "{}: unexpected {:#?}",
                    case.name,
                    plan.refusals
                );
                assert_ne!(plan_exit_code(&plan, true), 3, "{}", case.name);
            }
        }
    }
    assert_eq!(covered.len(), 7, "SAFE001-007 covered here, SAFE008 below");
}

#[test]
fn refused_plan_keeps_every_action() {
    // SAFE005 refuses, but the update (and everything else) is still in the plan for review.
    let (mut d, p, o) = converged_quickstart();
    set_policy(&mut d, hand_written_policy(&["a"]));
    let plan = plan(&d, &p, &o);
    assert_eq!(plan.refusals.len(), 1);
    assert!(
        plan.actions
            .iter()
            .any(|a| matches!(a.action, Action::UpdateKeyAccess { .. }))
    );
    let r = &plan.refusals[0];
    assert!(r.why.contains("wrkspc_b"), "{}", r.why);
}

#[test]
fn safe008_refuses_an_attach_that_lost_its_verification() {
    let d = quickstart();
    let (p, o) = from_scratch(&d);
    let plan = plan(&d, &p, &o);
    // Near case: the plan as made verifies before every attach.
    assert!(check_safety(&d, &p, &o, &TestOracle, &plan.actions).is_empty());
    // Edited plan: attach:workspace.a no longer waits for verify_key.
    let mut edited = plan.actions.clone();
    for a in &mut edited {
        if a.id == "attach:workspace.a" {
            a.depends_on.retain(|x| !x.starts_with("verify_key:"));
        }
    }
    let refusals = check_safety(&d, &p, &o, &TestOracle, &edited);
    assert_eq!(refusals.len(), 1);
    assert_eq!(refusals[0].rule, RuleId::Safe008);
    assert_eq!(refusals[0].address, Address::workspace("a"));
    // And with the verify action gone entirely, both attaches are refused.
    edited.retain(|a| !a.id.starts_with("verify_key:"));
    for a in &mut edited {
        a.depends_on.retain(|x| !x.starts_with("verify_key:"));
    }
    let refusals = check_safety(&d, &p, &o, &TestOracle, &edited);
    assert_eq!(refusals.len(), 2);
}

#[test]
fn refusals_are_sorted_and_independent() {
    // Two rules at once: a detach and a replace.
    let (mut d, p, o) = converged_quickstart();
    d.workspaces
        .get_mut(&Address::workspace("a"))
        .unwrap()
        .external_key = None;
    let KeyKind::Aws(a) = &mut d.keys.get_mut(&key_prod()).unwrap().kind else {
        panic!()
    };
    a.multi_region = true;
    let plan = plan(&d, &p, &o);
    let rules: Vec<RuleId> = plan.refusals.iter().map(|r| r.rule).collect();
    assert_eq!(rules, vec![RuleId::Safe002, RuleId::Safe004]);
}
