//! The diff and ordering: create from scratch, converged, drift, removed and vanished blocks,
//! determinism, and the structural safety invariant of `Action`.

mod common;

use cmek::address::{Address, Cloud};
use cmek::plan::input::{AccessDoc, CompartmentStatus, KeyState, PolicyOracle, VersionState};
use cmek::plan::model::{Action, DriftKind, DriftSeverity, Effect, PlannedAction, Reason};
use cmek::plan::plan_exit_code;
use cmek::spec::model::Platform;
use common::oracle::TestOracle;
use common::*;

fn ids(actions: &[PlannedAction]) -> Vec<&str> {
    actions.iter().map(|a| a.id.as_str()).collect()
}

fn key_prod() -> Address {
    Address::key(Cloud::Aws, "prod")
}

/// Compartment values in an AWS policy's crypto statement (via the double's renderer shape).
fn aws_compartments(doc: &AccessDoc) -> Vec<String> {
    let AccessDoc::AwsPolicy(p) = doc else {
        panic!("not an AWS policy")
    };
    p["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Sid"] == "AllowAnthropicCMEKCrypto")
        .and_then(|s| {
            s["Condition"]["StringEqualsIfExists"]["kms:EncryptionContext:anthropic:compartment_uuid"]
                .as_array()
        })
        .map(|a| a.iter().map(|v| v.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

#[test]
fn quickstart_from_scratch_creates_registers_verifies_then_attaches() {
    let d = quickstart();
    let (prior, observed) = from_scratch(&d);
    let plan = plan(&d, &prior, &observed);
    assert_eq!(
        ids(&plan.actions),
        vec![
            "create_key:key.aws.prod",
            "create_registration:external_key.prod",
            "verify_key:key.aws.prod",
            "attach:workspace.a",
            "attach:workspace.b",
        ]
    );
    assert!(plan.refusals.is_empty(), "{:?}", plan.refusals);
    assert!(plan.drift.is_empty());
    // The key is created with both workspaces' compartments (and all-zeros) already allowed.
    let Action::CreateKey { access, diff } = &plan.actions[0].action else {
        panic!()
    };
    assert!(diff.contains(&"+ statement AllowAnthropicCMEKCrypto".to_string()));
    let comps = aws_compartments(access);
    assert!(comps.contains(&compartment("a")));
    assert!(comps.contains(&compartment("b")));
    assert!(comps.contains(&common::oracle::ZERO.to_string()));
    // Attaches are irreversible and wait for verification and the registration.
    let attach = plan.action("attach:workspace.a").unwrap();
    assert!(attach.irreversible);
    assert!(
        attach
            .depends_on
            .contains(&"verify_key:key.aws.prod".to_string())
    );
    assert!(
        attach
            .depends_on
            .contains(&"create_registration:external_key.prod".to_string())
    );
    let reg = plan
        .action("create_registration:external_key.prod")
        .unwrap();
    assert_eq!(reg.depends_on, vec!["create_key:key.aws.prod"]);
    assert_eq!(plan_exit_code(&plan, true), 2);
    assert_eq!(plan_exit_code(&plan, false), 0);
    assert_eq!(plan.lineage, LINEAGE);
}

#[test]
fn converged_world_has_no_actions() {
    for d in [quickstart(), {
        let mut d = empty_desired(Platform::ClaudePlatform);
        let g = gcp_key("main");
        let z = azure_key("main");
        let rg = registration("g", &g.address);
        let rz = registration("z", &z.address);
        add_workspace(&mut d, workspace("g1", Some(&rg.address)));
        add_workspace(&mut d, workspace("z1", Some(&rz.address)));
        add_registration(&mut d, rg);
        add_registration(&mut d, rz);
        add_key(&mut d, g);
        add_key(&mut d, z);
        d
    }] {
        let (prior, observed) = converged(&d);
        let plan = plan(&d, &prior, &observed);
        assert!(plan.actions.is_empty(), "{:#?}", plan.actions);
        assert!(plan.refusals.is_empty(), "{:#?}", plan.refusals);
        assert!(plan.drift.is_empty(), "{:#?}", plan.drift);
        assert_eq!(plan_exit_code(&plan, true), 0);
        assert_eq!(plan.serial, 7);
        // Every observed object is fingerprinted.
        assert_eq!(
            plan.fingerprints.len(),
            observed.keys.len() + observed.registrations.len() + observed.workspaces.len()
        );
    }
}

#[test]
fn pending_deletion_is_cancelled_and_enabled_first() {
    let d = quickstart();
    let (prior, mut observed) = converged(&d);
    observed.keys.get_mut(&key_prod()).unwrap().state = KeyState::PendingDeletion {
        deletion_date: Some("2026-12-06".to_string()),
    };
    let plan = plan(&d, &prior, &observed);
    assert_eq!(
        ids(&plan.actions),
        vec![
            "cancel_key_deletion:key.aws.prod",
            "enable_key:key.aws.prod"
        ]
    );
    assert!(
        plan.actions
            .iter()
            .all(|a| a.action.effect() == Effect::Restore)
    );
    assert_eq!(plan.drift[0].kind, DriftKind::KeyPendingDeletion);
    assert_eq!(plan.drift[0].severity, DriftSeverity::DataAtRisk);
    assert_eq!(
        plan.drift[0].restored_by,
        vec![
            "cancel_key_deletion:key.aws.prod",
            "enable_key:key.aws.prod"
        ]
    );
    assert_eq!(
        plan.action("enable_key:key.aws.prod").unwrap().depends_on,
        vec!["cancel_key_deletion:key.aws.prod"]
    );
    assert!(plan.refusals.is_empty());
}

#[test]
fn disabled_key_is_enabled() {
    let d = quickstart();
    let (prior, mut observed) = converged(&d);
    observed.keys.get_mut(&key_prod()).unwrap().state = KeyState::Disabled;
    let plan = plan(&d, &prior, &observed);
    assert_eq!(ids(&plan.actions), vec!["enable_key:key.aws.prod"]);
    assert_eq!(plan.actions[0].reason, Reason::KeyDisabled);
    assert_eq!(plan.drift[0].kind, DriftKind::KeyDisabled);
}

#[test]
fn gcp_primary_version_disabled_or_destroy_scheduled_is_restored() {
    let mut d = empty_desired(Platform::ClaudePlatform);
    let g = gcp_key("main");
    let addr = g.address.clone();
    let r = registration("g", &g.address);
    add_workspace(&mut d, workspace("g1", Some(&r.address)));
    add_registration(&mut d, r);
    add_key(&mut d, g);
    for (state, restore_first, reason) in [
        (VersionState::Disabled, false, Reason::VersionDisabled),
        (
            VersionState::DestroyScheduled,
            true,
            Reason::VersionDestroyScheduled,
        ),
    ] {
        let (prior, mut observed) = converged(&d);
        observed
            .keys
            .get_mut(&addr)
            .unwrap()
            .primary_version
            .as_mut()
            .unwrap()
            .state = state;
        let plan = plan(&d, &prior, &observed);
        assert_eq!(ids(&plan.actions), vec!["enable_key_version:key.gcp.main"]);
        assert_eq!(plan.actions[0].reason, reason);
        assert_eq!(
            plan.actions[0].action,
            Action::EnableKeyVersion {
                version: "1".to_string(),
                restore_first
            }
        );
        assert_eq!(plan.drift[0].severity, DriftSeverity::DataAtRisk);
    }
    // A destroyed primary version cannot be fixed by cmek: blocking drift, exit 1.
    let (prior, mut observed) = converged(&d);
    observed
        .keys
        .get_mut(&addr)
        .unwrap()
        .primary_version
        .as_mut()
        .unwrap()
        .state = VersionState::Destroyed;
    let plan = plan(&d, &prior, &observed);
    assert!(plan.actions.is_empty());
    assert!(plan.drift[0].blocking);
    assert_eq!(plan_exit_code(&plan, false), 1);
}

#[test]
fn access_removed_out_of_band_is_restored() {
    let d = quickstart();
    let (prior, mut observed) = converged(&d);
    let key = observed.keys.get_mut(&key_prod()).unwrap();
    let AccessDoc::AwsPolicy(p) = &mut key.access else {
        panic!()
    };
    // Someone deleted the crypto statement.
    p["Statement"]
        .as_array_mut()
        .unwrap()
        .retain(|s| s["Sid"] != "AllowAnthropicCMEKCrypto");
    let plan = plan(&d, &prior, &observed);
    assert_eq!(ids(&plan.actions), vec!["restore_access:key.aws.prod"]);
    assert_eq!(plan.actions[0].reason, Reason::AccessRemovedOutOfBand);
    let Action::RestoreAccess { diff, .. } = &plan.actions[0].action else {
        panic!()
    };
    assert_eq!(
        diff,
        &vec!["+ statement AllowAnthropicCMEKCrypto".to_string()]
    );
    assert_eq!(plan.drift[0].kind, DriftKind::AccessRemoved);
    assert_eq!(plan.drift[0].severity, DriftSeverity::DataAtRisk);
    assert!(
        plan.refusals.is_empty(),
        "restoring widens: {:?}",
        plan.refusals
    );
}

#[test]
fn new_workspace_gets_its_compartment_before_attach() {
    let mut d = quickstart();
    let (prior, mut observed) = converged(&d);
    add_workspace(&mut d, workspace("c", Some(&Address::external_key("prod"))));
    observed
        .workspaces
        .insert(Address::workspace("c"), observed_workspace("c", None));
    let plan = plan(&d, &prior, &observed);
    assert_eq!(
        ids(&plan.actions),
        vec![
            "update_key_access:key.aws.prod",
            "verify_key:key.aws.prod",
            "attach:workspace.c"
        ]
    );
    let update = &plan.actions[0];
    assert_eq!(update.reason, Reason::CompartmentAddedBeforeAttach);
    let Action::UpdateKeyAccess { after, diff, .. } = &update.action else {
        panic!()
    };
    assert!(aws_compartments(after).contains(&compartment("c")));
    assert!(
        diff.iter()
            .any(|l| l.starts_with('+') && l.contains(&compartment("c")))
    );
    let attach = plan.action("attach:workspace.c").unwrap();
    assert!(
        attach
            .depends_on
            .contains(&"update_key_access:key.aws.prod".to_string())
    );
    assert!(
        attach
            .depends_on
            .contains(&"verify_key:key.aws.prod".to_string())
    );
    assert!(plan.refusals.is_empty(), "{:?}", plan.refusals);
}

#[test]
fn formerly_attached_compartments_stay_in_the_policy() {
    // workspace.a is forgotten via `removed`; its compartment must stay on the key.
    let mut d = quickstart();
    let (prior, observed) = converged(&d);
    d.workspaces.remove(&Address::workspace("a"));
    add_removed(&mut d, Address::workspace("a"));
    let plan = plan(&d, &prior, &observed);
    assert_eq!(ids(&plan.actions), vec!["forget:workspace.a"]);
    assert_eq!(plan.actions[0].reason, Reason::RemovedBlock);
    assert!(plan.refusals.is_empty());
}

#[test]
fn unprotected_vanished_block_is_forgotten_not_deleted() {
    let mut d = quickstart();
    let spare = aws_key("spare");
    add_key(&mut d, spare.clone());
    let (prior, observed) = converged(&d);
    d.keys.remove(&spare.address);
    let plan = plan(&d, &prior, &observed);
    assert_eq!(ids(&plan.actions), vec!["forget:key.aws.spare"]);
    assert_eq!(plan.actions[0].reason, Reason::NoLongerInSpec);
    assert!(plan.refusals.is_empty());
}

#[test]
fn missing_key_that_protected_data_is_never_recreated() {
    let d = quickstart();
    let (prior, mut observed) = converged(&d);
    observed.keys.remove(&key_prod());
    let plan = plan(&d, &prior, &observed);
    assert!(
        plan.actions
            .iter()
            .all(|a| !matches!(a.action, Action::CreateKey { .. })),
        "{:?}",
        ids(&plan.actions)
    );
    let drift = &plan.drift[0];
    assert_eq!(drift.kind, DriftKind::KeyMissing);
    assert!(drift.blocking);
    assert!(drift.message.contains("removed { from = key.aws.prod }"));
    assert_eq!(plan_exit_code(&plan, true), 1);
}

#[test]
fn missing_key_that_never_protected_data_is_recreated() {
    let mut d = empty_desired(Platform::ClaudePlatform);
    add_key(&mut d, aws_key("spare"));
    let (prior, mut observed) = converged(&d);
    observed.keys.clear();
    let plan = plan(&d, &prior, &observed);
    assert_eq!(ids(&plan.actions), vec!["create_key:key.aws.spare"]);
    assert_eq!(plan.actions[0].reason, Reason::KeyMissingRecreate);
    assert_eq!(plan.drift[0].severity, DriftSeverity::Notice);
    assert!(!plan.drift[0].blocking);
}

#[test]
fn attribute_changes_are_updated_in_place() {
    let d = quickstart();
    let (prior, mut observed) = converged(&d);
    let key = observed.keys.get_mut(&key_prod()).unwrap();
    key.mutable
        .insert("rotation".into(), serde_json::json!(false));
    key.mutable.insert(
        "tags".into(),
        serde_json::json!({"team": "security", "anthropic-org-x": "true"}),
    );
    let plan = plan(&d, &prior, &observed);
    assert_eq!(
        ids(&plan.actions),
        vec!["update_key_attributes:key.aws.prod"]
    );
    let Action::UpdateKeyAttributes { changes } = &plan.actions[0].action else {
        panic!()
    };
    // Only rotation: org tags are access, not attributes.
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].name, "rotation");
}

#[test]
fn registration_display_name_and_unused_config_updates() {
    let mut d = empty_desired(Platform::ClaudePlatform);
    let k = gcp_key("main");
    let r = registration("g", &k.address);
    add_registration(&mut d, r.clone());
    add_key(&mut d, k);
    let (prior, mut observed) = converged(&d);
    let reg = observed.registrations.get_mut(&r.address).unwrap();
    reg.display_name = Some("old".to_string());
    reg.provider_config = cmek::anthropic::types::ProviderConfig::Gcp {
        key_name: "projects/x/locations/us-east5/keyRings/r/cryptoKeys/old".to_string(),
    };
    let plan = plan(&d, &prior, &observed);
    assert_eq!(
        ids(&plan.actions),
        vec![
            "update_registration_config:external_key.g",
            "update_registration_display_name:external_key.g"
        ]
    );
    assert!(plan.refusals.is_empty());
}

#[test]
fn plans_are_deterministic() {
    let d = many(30);
    let (prior, observed) = from_scratch(&d);
    let a = plan(&d, &prior, &observed);
    let b = plan(&d, &prior, &observed);
    assert_eq!(a, b);
    // Every action comes after its dependencies.
    let pos: std::collections::HashMap<&str, usize> = a
        .actions
        .iter()
        .enumerate()
        .map(|(i, x)| (x.id.as_str(), i))
        .collect();
    for (i, x) in a.actions.iter().enumerate() {
        for dep in &x.depends_on {
            assert!(pos[dep.as_str()] < i, "{} before {dep}", x.id);
        }
    }
}

#[test]
fn desired_access_lists_every_compartment_status() {
    // Attached, formerly attached and about-to-attach workspaces all reach the renderer.
    let mut d = quickstart();
    let (mut prior, mut observed) = converged(&d);
    prior
        .keys
        .get_mut(&key_prod())
        .unwrap()
        .served
        .push(cmek::plan::input::ServedWorkspace {
            workspace_id: "wrkspc_gone".into(),
            compartment_uuid: compartment("gone"),
            via_external_key_id: "ekey_prod".into(),
        });
    add_workspace(&mut d, workspace("c", Some(&Address::external_key("prod"))));
    observed
        .workspaces
        .insert(Address::workspace("c"), observed_workspace("c", None));
    let facts = cmek::plan::facts::Facts::new(&d, &prior, &observed, &TestOracle);
    let statuses: Vec<(String, CompartmentStatus)> = facts.keys[&key_prod()]
        .compartments
        .iter()
        .map(|c| (c.workspace_id.clone(), c.status))
        .collect();
    assert_eq!(
        statuses,
        vec![
            ("wrkspc_a".into(), CompartmentStatus::Attached),
            ("wrkspc_b".into(), CompartmentStatus::Attached),
            ("wrkspc_c".into(), CompartmentStatus::AboutToAttach),
            ("wrkspc_gone".into(), CompartmentStatus::FormerlyAttached),
        ]
    );
    let doc = facts.keys[&key_prod()].desired_access.clone().unwrap();
    let comps = aws_compartments(&doc);
    for w in ["a", "b", "c", "gone"] {
        assert!(comps.contains(&compartment(w)), "{w}");
    }
    assert!(TestOracle.canonical_eq(&doc, &doc));
}

/// The structural safety invariant: every `Action` variant is classified here by an exhaustive
/// match (a new variant does not compile until it is), and none destroys, disables, detaches,
/// swaps or deletes.
#[test]
fn no_action_variant_is_destructive() {
    fn classify(a: &Action) -> (&'static str, Effect) {
        match a {
            Action::CreateKey { .. } => ("CreateKey", Effect::Create),
            Action::UpdateKeyAccess { .. } => ("UpdateKeyAccess", Effect::Update),
            Action::UpdateKeyAttributes { .. } => ("UpdateKeyAttributes", Effect::Update),
            Action::CancelKeyDeletion { .. } => ("CancelKeyDeletion", Effect::Restore),
            Action::EnableKey => ("EnableKey", Effect::Restore),
            Action::EnableKeyVersion { .. } => ("EnableKeyVersion", Effect::Restore),
            Action::RestoreAccess { .. } => ("RestoreAccess", Effect::Restore),
            Action::CreateRegistration { .. } => ("CreateRegistration", Effect::Create),
            Action::UpdateRegistrationDisplayName { .. } => {
                ("UpdateRegistrationDisplayName", Effect::Update)
            }
            Action::UpdateRegistrationConfig { .. } => ("UpdateRegistrationConfig", Effect::Update),
            Action::VerifyKey { .. } => ("VerifyKey", Effect::Verify),
            Action::AttachWorkspace { .. } => ("AttachWorkspace", Effect::Attach),
            Action::Forget { .. } => ("Forget", Effect::Forget),
            Action::Import { .. } => ("Import", Effect::Import),
        }
    }
    let doc = AccessDoc::AwsPolicy(serde_json::json!({}));
    let samples = vec![
        Action::CreateKey {
            access: doc.clone(),
            diff: vec![],
        },
        Action::UpdateKeyAccess {
            before: doc.clone(),
            after: doc.clone(),
            diff: vec![],
        },
        Action::UpdateKeyAttributes { changes: vec![] },
        Action::CancelKeyDeletion {
            deletion_date: None,
        },
        Action::EnableKey,
        Action::EnableKeyVersion {
            version: "1".into(),
            restore_first: false,
        },
        Action::RestoreAccess {
            before: doc.clone(),
            after: doc,
            diff: vec![],
        },
        Action::CreateRegistration {
            key: key_prod(),
            display_name: None,
            geo: "us".into(),
            provider_config: cmek::plan::model::PlannedProviderConfig::FromCreatedKey {
                key: key_prod(),
            },
        },
        Action::UpdateRegistrationDisplayName {
            before: None,
            after: "x".into(),
        },
        Action::UpdateRegistrationConfig {
            geo: None,
            provider_config: None,
            before_provider_config: None,
        },
        Action::VerifyKey { registration: None },
        Action::AttachWorkspace {
            workspace_id: "w".into(),
            external_key: Address::external_key("e"),
            external_key_id: None,
            key: key_prod(),
        },
        Action::Forget {
            remote_id: "x".into(),
        },
        Action::Import {
            remote_id: "x".into(),
        },
    ];
    let forbidden = [
        "delete", "destroy", "disable", "detach", "swap", "schedule", "remove", "revoke", "purge",
        "replace",
    ];
    let mut names = std::collections::BTreeSet::new();
    for a in &samples {
        let (name, effect) = classify(a);
        names.insert(name);
        assert_eq!(a.effect(), effect, "{name}");
        for word in forbidden {
            assert!(
                !name.to_lowercase().contains(word),
                "{name} contains {word}"
            );
            assert!(!a.kind().contains(word), "{} contains {word}", a.kind());
        }
        // Only attaching is irreversible.
        assert_eq!(a.is_irreversible(), effect == Effect::Attach, "{name}");
    }
    assert_eq!(names.len(), samples.len(), "every variant sampled once");
}

#[test]
fn import_block_adopts_an_existing_key() {
    let d0 = quickstart();
    let (_, observed) = converged(&d0);
    let mut d = empty_desired(Platform::ClaudePlatform);
    add_key(&mut d, aws_key("prod"));
    d.imports.push(cmek::spec::model::ImportSpec {
        to: key_prod(),
        id: key_remote_id(&aws_key("prod")),
        origin: origin(),
    });
    let mut observed = observed;
    observed.registrations.clear();
    observed.workspaces.clear();
    let prior = cmek::plan::Prior::default();
    let plan = plan(&d, &prior, &observed);
    // The observed policy lists workspace compartments the spec no longer mentions; the key
    // protects nothing known to cmek, so the access update is planned (not refused).
    assert_eq!(plan.actions[0].id, "import:key.aws.prod");
    assert!(plan.refusals.is_empty(), "{:?}", plan.refusals);

    // An import whose target does not exist blocks the plan.
    let plan = common::plan(&d, &prior, &cmek::plan::Observed::default());
    assert!(plan.actions.is_empty());
    assert_eq!(plan.drift[0].kind, DriftKind::ImportTargetMissing);
    assert_eq!(plan_exit_code(&plan, false), 1);
}

#[test]
fn azure_soft_deleted_key_is_recovered_without_extra_enable() {
    let mut d = empty_desired(Platform::ClaudePlatform);
    let z = azure_key("main");
    let addr = z.address.clone();
    let r = registration("z", &z.address);
    add_workspace(&mut d, workspace("z1", Some(&r.address)));
    add_registration(&mut d, r);
    add_key(&mut d, z);
    let (prior, mut observed) = converged(&d);
    observed.keys.get_mut(&addr).unwrap().state = KeyState::PendingDeletion {
        deletion_date: None,
    };
    let plan = plan(&d, &prior, &observed);
    assert_eq!(
        ids(&plan.actions),
        vec!["cancel_key_deletion:key.azure.main"]
    );
}

#[test]
fn claude_platform_on_aws_attaches_by_key_arn_without_registration_step() {
    let mut d = quickstart();
    d.anthropic.platform = Platform::ClaudePlatformAws;
    let (prior, mut observed) = converged(&d);
    for w in observed.workspaces.values_mut() {
        w.external_key_id = None;
    }
    let mut prior = prior;
    prior.workspaces.clear();
    prior.registrations.clear();
    observed.registrations.clear();
    for k in prior.keys.values_mut() {
        k.served.clear();
        k.ever_attached = false;
        k.protects_data = false;
    }
    let plan = plan(&d, &prior, &observed);
    assert_eq!(
        ids(&plan.actions),
        vec![
            "verify_key:key.aws.prod",
            "attach:workspace.a",
            "attach:workspace.b"
        ]
    );
    let Action::AttachWorkspace {
        external_key_id, ..
    } = &plan.actions[1].action
    else {
        panic!()
    };
    assert_eq!(
        external_key_id.as_deref(),
        Some(key_remote_id(&aws_key("prod")).as_str())
    );
    assert_eq!(
        plan.actions[0].action,
        Action::VerifyKey { registration: None }
    );
}

#[test]
fn missing_workspace_and_missing_registration() {
    let d = quickstart();
    let (mut prior, mut observed) = converged(&d);
    observed.workspaces.remove(&Address::workspace("b"));
    // The registration vanished at Anthropic while unattached.
    observed.registrations.clear();
    prior
        .registrations
        .get_mut(&Address::external_key("prod"))
        .unwrap()
        .in_use = false;
    for w in observed.workspaces.values_mut() {
        w.external_key_id = None;
    }
    for w in prior.workspaces.values_mut() {
        w.attached_external_key_id = None;
    }
    for k in prior.keys.values_mut() {
        k.served.clear();
        k.ever_attached = false;
        k.protects_data = false;
    }
    let plan = plan(&d, &prior, &observed);
    let kinds: Vec<DriftKind> = plan.drift.iter().map(|x| x.kind.clone()).collect();
    assert!(kinds.contains(&DriftKind::WorkspaceMissing));
    assert!(kinds.contains(&DriftKind::RegistrationMissing));
    let reg = plan
        .action("create_registration:external_key.prod")
        .unwrap();
    assert_eq!(reg.reason, Reason::RegistrationMissing);
    assert!(plan.action("attach:workspace.a").is_some());
    assert!(plan.action("attach:workspace.b").is_none());
    assert_eq!(plan_exit_code(&plan, true), 1, "workspace missing blocks");
}

#[test]
fn protected_key_whose_block_vanished_still_shows_its_danger() {
    let mut d = quickstart();
    let (prior, mut observed) = converged(&d);
    d.keys.clear();
    d.external_keys.clear();
    d.workspaces.clear();
    observed.keys.get_mut(&key_prod()).unwrap().state = KeyState::PendingDeletion {
        deletion_date: None,
    };
    let plan = plan(&d, &prior, &observed);
    assert!(plan.actions.is_empty(), "{:?}", ids(&plan.actions));
    assert_eq!(plan.drift.len(), 1);
    assert_eq!(plan.drift[0].kind, DriftKind::KeyPendingDeletion);
    assert_eq!(plan.drift[0].severity, DriftSeverity::DataAtRisk);
    assert!(plan.drift[0].message.contains("restore the block"));
    assert_eq!(plan_exit_code(&plan, false), 3, "SAFE003 refuses");
}

#[test]
fn tombstone_history_follows_a_readopted_key() {
    let d = quickstart();
    let (mut prior, observed) = converged(&d);
    // key.aws.prod was forgotten earlier (as key.aws.legacy) after serving wrkspc_gone.
    let mut history = prior.keys.remove(&key_prod()).unwrap();
    history.served.push(cmek::plan::input::ServedWorkspace {
        workspace_id: "wrkspc_gone".into(),
        compartment_uuid: compartment("gone"),
        via_external_key_id: "ekey_prod".into(),
    });
    prior.tombstones.push(cmek::plan::input::Tombstone {
        address: Address::key(Cloud::Aws, "legacy"),
        remote_id: history.remote_id.clone(),
        key: Some(history),
    });
    let facts = cmek::plan::facts::Facts::new(&d, &prior, &observed, &TestOracle);
    let kf = &facts.keys[&key_prod()];
    assert!(kf.in_use);
    assert!(kf.compartments.iter().any(
        |c| c.workspace_id == "wrkspc_gone" && c.status == CompartmentStatus::FormerlyAttached
    ));
    // The observed policy lacks the old compartment, whose data depends on the key: that is
    // access removed, restored first (a widening), nothing is refused.
    let plan = plan(&d, &prior, &observed);
    assert_eq!(ids(&plan.actions), vec!["restore_access:key.aws.prod"]);
    assert_eq!(plan.drift[0].kind, DriftKind::AccessRemoved);
    assert!(plan.refusals.is_empty(), "{:?}", plan.refusals);
}
