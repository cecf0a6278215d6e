//! Safety rules, table-driven: for each rule a case that must refuse and a near case that must
//! pass (the table lives in `common/safety_cases.rs`, shared with the engine tests that run it
//! with the real policy library). A refused plan still holds its actions and exits 3.

mod common;

use cmek::address::Address;
use cmek::plan::check_safety;
use cmek::plan::model::{Action, RuleId};
use cmek::spec::model::KeyKind;
use common::oracle::TestOracle;
use common::safety_cases::*;
use common::*;

#[test]
fn each_rule_refuses_its_case_and_passes_the_near_case() {
    run_table(&TestOracle);
}

#[test]
fn refused_plan_keeps_every_action() {
    // SAFE005 refuses, but the update (and everything else) is still in the plan for review.
    let (mut d, p, o) = converged_quickstart(&TestOracle);
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
    let (mut d, p, o) = converged_quickstart(&TestOracle);
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
