//! The plan's table-driven safety scenarios: for each rule a case that must refuse and a near
//! case that must pass. Worlds are built with a given oracle, so the same table runs with the
//! test double (`plan_safety`) and with the real policy library (`engine_oracle`).

#![allow(dead_code)]

use cmek::address::{Address, Cloud};
use cmek::anthropic::types::{Attachment, ProviderConfig};
use cmek::plan::input::{AccessDoc, Observed, PolicyOracle, Prior};
use cmek::plan::model::RuleId;
use cmek::plan::plan_exit_code;
use cmek::spec::model::{Desired, KeyKind, Platform};

use super::*;

pub type World = (Desired, Prior, Observed);

pub fn key_prod() -> Address {
    Address::key(Cloud::Aws, "prod")
}

pub fn converged_quickstart(oracle: &dyn PolicyOracle) -> World {
    let d = quickstart();
    let (p, o) = converged_with(&d, oracle);
    (d, p, o)
}

/// A quickstart whose key exists but was never attached: workspaces are unattached and the
/// registration is unused.
pub fn unused_quickstart(oracle: &dyn PolicyOracle) -> World {
    let mut d = quickstart();
    for w in d.workspaces.values_mut() {
        w.external_key = None;
    }
    let (p, o) = converged_with(&d, oracle);
    (d, p, o)
}

/// An AWS policy for `key.aws.prod` as the escape hatch, listing only `keep` compartments.
pub fn hand_written_policy(keep: &[&str]) -> serde_json::Value {
    let mut comps = vec![super::oracle::ZERO.to_string()];
    comps.extend(keep.iter().map(|w| compartment(w)));
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {"Sid": "AccountRootAdmin", "Effect": "Allow",
             "Principal": {"AWS": format!("arn:aws:iam::{ACCOUNT}:root")},
             "Action": "kms:*", "Resource": "*"},
            {"Sid": "AllowAnthropicCMEKCrypto", "Effect": "Allow",
             "Principal": {"AWS": super::oracle::ANTHROPIC_ROLE},
             "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*",
             "Condition": {
                "StringEquals": {"kms:EncryptionContext:anthropic:org_uuid": [ORG]},
                "StringEqualsIfExists": {"kms:EncryptionContext:anthropic:compartment_uuid": comps}}},
            {"Sid": "AllowAnthropicCMEKDescribe", "Effect": "Allow",
             "Principal": {"AWS": super::oracle::ANTHROPIC_ROLE},
             "Action": "kms:DescribeKey", "Resource": "*"}
        ]
    })
}

pub fn set_policy(d: &mut Desired, policy: serde_json::Value) {
    let KeyKind::Aws(a) = &mut d.keys.get_mut(&key_prod()).unwrap().kind else {
        panic!()
    };
    a.policy = Some(policy);
}

/// A GCP key with one registration; `attached` decides whether a workspace uses it. The
/// observed key also carries a second organization's label.
pub fn gcp_shared(oracle: &dyn PolicyOracle, attached: bool) -> World {
    let mut d = empty_desired(Platform::ClaudePlatform);
    let k = gcp_key("main");
    let r = registration("g", &k.address);
    add_workspace(&mut d, workspace("g1", attached.then_some(&r.address)));
    add_registration(&mut d, r);
    let addr = k.address.clone();
    add_key(&mut d, k);
    let (p, mut o) = converged_with(&d, oracle);
    let key = o.keys.get_mut(&addr).unwrap();
    let AccessDoc::GcpBindings(g) = &mut key.access else {
        panic!()
    };
    g.org_labels.insert(format!("anthropic-org-{OTHER_ORG}"));
    (d, p, o)
}

pub struct Case {
    pub name: &'static str,
    pub world: fn(&dyn PolicyOracle) -> World,
    /// The rule that must refuse, or `None` for a near case that must pass.
    pub refuses: Option<RuleId>,
}

pub fn cases() -> Vec<Case> {
    vec![
        // SAFE001 swap
        Case {
            name: "swap: spec names another registration than the attached one",
            world: |oracle| {
                let (mut d, p, mut o) = converged_quickstart(oracle);
                let other = registration("other", &key_prod());
                add_registration(&mut d, other.clone());
                d.workspaces
                    .get_mut(&Address::workspace("a"))
                    .unwrap()
                    .external_key = Some(other.address.clone());
                let (_, o2) = converged_with(&d, oracle);
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
            world: |oracle| {
                let (mut d, p, o) = converged_quickstart(oracle);
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
            world: |oracle| {
                let (mut d, p, o) = converged_quickstart(oracle);
                d.workspaces.remove(&Address::workspace("b"));
                (d, p, o)
            },
            refuses: Some(RuleId::Safe003),
        },
        Case {
            name: "unmanage: key protecting data deleted with its registration",
            world: |oracle| {
                let (mut d, p, o) = converged_quickstart(oracle);
                d.keys.clear();
                d.external_keys.clear();
                d.workspaces.clear();
                (d, p, o)
            },
            refuses: Some(RuleId::Safe003),
        },
        Case {
            name: "unmanage near case: the same deletion with removed blocks",
            world: |oracle| {
                let (mut d, p, o) = converged_quickstart(oracle);
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
            world: |oracle| {
                let (mut d, p, o) = converged_quickstart(oracle);
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
            world: |oracle| {
                let mut d = empty_desired(Platform::ClaudePlatform);
                add_key(&mut d, gcp_key("main"));
                let (p, o) = converged_with(&d, oracle);
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
            world: |oracle| {
                let (mut d, p, o) = converged_quickstart(oracle);
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
            world: |oracle| {
                let (mut d, p, o) = converged_quickstart(oracle);
                set_policy(&mut d, hand_written_policy(&["a"]));
                (d, p, o)
            },
            refuses: Some(RuleId::Safe005),
        },
        Case {
            name: "narrow: formerly attached workspace's compartment dropped",
            world: |oracle| {
                let (mut d, mut p, mut o) = converged_quickstart(oracle);
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
            world: |oracle| {
                let (mut d, p, o) = unused_quickstart(oracle);
                set_policy(&mut d, hand_written_policy(&[]));
                (d, p, o)
            },
            refuses: None,
        },
        // SAFE006 frozen registration
        Case {
            name: "frozen registration: provider_config of a registration in use",
            world: |oracle| {
                let (d, p, mut o) = converged_quickstart(oracle);
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
            world: |oracle| {
                let (d, mut p, mut o) = unused_quickstart(oracle);
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
            world: |oracle| gcp_shared(oracle, true),
            refuses: Some(RuleId::Safe007),
        },
        Case {
            name: "org binding near case: dropped from a key nobody uses",
            world: |oracle| gcp_shared(oracle, false),
            refuses: None,
        },
        Case {
            name: "org binding near case: kept when the spec labels name it",
            world: |oracle| {
                let (mut d, p, o) = gcp_shared(oracle, true);
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

/// Runs every case of [`cases`] with `oracle` building the worlds and deciding the plan.
pub fn run_table(oracle: &dyn PolicyOracle) {
    let mut covered = std::collections::BTreeSet::new();
    for case in cases() {
        let (d, p, o) = (case.world)(oracle);
        let plan = plan_with(&d, &p, &o, oracle);
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
