//! `import` blocks in the plan core, with literal inputs: what `plan` proposes for them, and
//! when they block it. (The CLI and apply side is in `tests/import_cli.rs`.)

mod common;

use cmek::address::Address;
use cmek::plan::model::{Action, DriftKind};
use cmek::plan::{Prior, plan_exit_code};
use cmek::spec::model::ImportSpec;
use common::*;

fn import(to: Address, id: &str) -> ImportSpec {
    ImportSpec {
        to,
        id: id.to_string(),
        origin: origin(),
    }
}

#[test]
fn imports_come_first_and_everything_else_waits_for_them() {
    let d0 = quickstart();
    let (_, observed) = converged(&d0);
    let mut d = d0.clone();
    let ws = d.workspaces.keys().next().unwrap().clone();
    let ws_id = d.workspaces[&ws].id.clone();
    let key = d.keys.keys().next().unwrap().clone();
    let key_arn = key_remote_id(&d.keys[&key]);
    d.imports.push(import(ws.clone(), &ws_id));
    d.imports.push(import(key.clone(), &key_arn));
    let plan = common::plan(&d, &Prior::default(), &observed);
    let imports: Vec<&str> = plan
        .actions
        .iter()
        .take_while(|a| matches!(a.action, Action::Import { .. }))
        .map(|a| a.id.as_str())
        .collect();
    assert_eq!(imports.len(), 2, "{:#?}", plan.actions);
    for a in plan.actions.iter().skip(2) {
        assert!(
            !matches!(a.action, Action::Import { .. }),
            "imports are first: {:?}",
            a.id
        );
        for i in &imports {
            assert!(
                a.depends_on.iter().any(|d| d == i),
                "{} waits for {i}",
                a.id
            );
        }
    }
}

#[test]
fn a_key_import_by_alias_or_key_id_records_the_observed_arn() {
    let d0 = quickstart();
    let (_, observed) = converged(&d0);
    let key = d0.keys.keys().next().unwrap().clone();
    let arn = key_remote_id(&d0.keys[&key]);
    let key_id = arn.rsplit('/').next().unwrap().to_string();
    let mut d = d0.clone();
    d.imports.push(import(key.clone(), &key_id));
    let plan = common::plan(&d, &Prior::default(), &observed);
    let a = plan
        .actions
        .iter()
        .find(|a| a.id == format!("import:{key}"))
        .unwrap();
    assert_eq!(a.action, Action::Import { remote_id: arn });
}

#[test]
fn an_import_of_the_managed_object_is_a_no_op_and_another_object_conflicts() {
    let d0 = quickstart();
    let (prior, observed) = converged(&d0);
    let key = d0.keys.keys().next().unwrap().clone();
    let arn = key_remote_id(&d0.keys[&key]);
    let key_id = arn.rsplit('/').next().unwrap().to_string();

    // The same object (by ARN or key id): nothing to do.
    for id in [arn.as_str(), key_id.as_str()] {
        let mut d = d0.clone();
        d.imports.push(import(key.clone(), id));
        let plan = common::plan(&d, &prior, &observed);
        assert!(plan.actions.is_empty(), "{id}: {:#?}", plan.actions);
        assert!(plan.drift.is_empty(), "{id}: {:#?}", plan.drift);
        assert_eq!(plan_exit_code(&plan, true), 0);
    }

    // Another object: a blocking conflict, exit 1.
    let mut d = d0.clone();
    let other = arn.replace(&key_id, "0b0b0b0b-1111-4222-8333-444444444444");
    d.imports.push(import(key.clone(), &other));
    let plan = common::plan(&d, &prior, &observed);
    let drift = plan
        .drift
        .iter()
        .find(|x| x.kind == DriftKind::ImportConflict)
        .unwrap();
    assert!(drift.blocking);
    assert!(
        drift.message.contains("already managed as"),
        "{}",
        drift.message
    );
    assert!(plan.is_blocked());
    assert_eq!(plan_exit_code(&plan, false), 1);

    // A registration already managed at another address: a conflict as well.
    let reg = d0.external_keys.keys().next().unwrap().clone();
    let reg_id = prior.registrations[&reg].remote_id.clone();
    let mut d = d0.clone();
    let mut second = d.external_keys[&reg].clone();
    second.address = Address::external_key("second");
    d.external_keys
        .insert(second.address.clone(), second.clone());
    d.imports.push(import(second.address.clone(), &reg_id));
    let plan = common::plan(&d, &prior, &observed);
    let drift = plan
        .drift
        .iter()
        .find(|x| x.kind == DriftKind::ImportConflict && x.address == second.address)
        .unwrap();
    assert!(
        drift.message.contains(&format!("already managed at {reg}")),
        "{}",
        drift.message
    );
}

#[test]
fn a_missing_registration_import_target_blocks_instead_of_registering() {
    let d0 = quickstart();
    let (_, mut observed) = converged(&d0);
    observed.registrations.clear();
    let reg = d0.external_keys.keys().next().unwrap().clone();
    let mut d = d0.clone();
    d.imports.push(import(reg.clone(), "ekey_01Missing"));
    let plan = common::plan(&d, &Prior::default(), &observed);
    assert!(
        !plan
            .actions
            .iter()
            .any(|a| matches!(a.action, Action::CreateRegistration { .. })),
        "{:#?}",
        plan.actions
    );
    let drift = plan.drift.iter().find(|x| x.address == reg).unwrap();
    assert_eq!(drift.kind, DriftKind::ImportTargetMissing);
    assert!(plan.is_blocked());
}
