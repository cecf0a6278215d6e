//! The three documented AWS policy eras: each era's documented policy allows Anthropic's
//! validation and traffic requests *as that era made them*, and the eras' differences show.

mod policy_support;

use cmek::policy::aws::CompiledPolicy;
use cmek::policy::identities::identities;
use cmek::policy::simulate::{Expected, Purpose, aws_requests_for_era, simulate};
use policy_support::*;

fn report(fixture_name: &str, era: &str) -> cmek::policy::simulate::SimReport {
    let era = identities().unwrap().era(era).unwrap().clone();
    let requests = aws_requests_for_era(&platform_input(), KEY_ARN, &era).unwrap();
    simulate(&CompiledPolicy::new(&fixture(fixture_name)), &requests)
}

#[test]
fn june_2026_policy_allows_june_requests() {
    let r = report("era_june_2026.json", "june_2026");
    assert!(r.all_ok(), "{}", r.render_text());
    // Validation then carried the workspace's own compartment and no org UUID, and no probes.
    assert!(
        r.outcomes
            .iter()
            .all(|o| o.purpose != Purpose::ValidationProbe)
    );
    assert!(r.outcome("validation/kms:Encrypt").is_some());
}

#[test]
fn july_2026_policy_allows_july_requests() {
    let r = report("era_july_2026.json", "july_2026");
    assert!(r.all_ok(), "{}", r.render_text());
}

#[test]
fn current_policy_allows_current_requests_and_refuses_probes() {
    let r = report("era_current.json", "current");
    assert!(r.all_ok(), "{}", r.render_text());
    let probes: Vec<_> = r
        .outcomes
        .iter()
        .filter(|o| o.expected == Expected::Denied)
        .collect();
    assert_eq!(
        probes.len(),
        identities().unwrap().aws.validation_expected_denials as usize
    );
    assert!(probes.iter().all(|p| !p.check.allowed));
    insta::with_settings!({ snapshot_path => "../snapshots/policy", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("era_current_simulation", r.render_text());
    });
}

#[test]
fn july_semantics_june_policy_fails_validation_without_all_zeros() {
    // The July change: validation sends the all-zeros compartment, so a June-style list that
    // lacks it denies validation (and only validation).
    let r = report("era_june_2026.json", "july_2026");
    let failing: Vec<&str> = r.failures().map(|o| o.id.as_str()).collect();
    assert_eq!(
        failing,
        ["validation/kms:Encrypt", "validation/kms:Decrypt"]
    );
    let e = &r
        .outcome("validation/kms:Encrypt")
        .unwrap()
        .check
        .explanation;
    assert!(e.contains("00000000-0000-0000-0000-000000000000"), "{e}");
    assert!(
        r.outcome("traffic/wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ/kms:Encrypt")
            .unwrap()
            .ok
    );
}

#[test]
fn current_semantics_older_policies_fail_validation() {
    // July-style policy (no org condition, all-zeros listed): the foreign-org and no-org probes
    // succeed, so validation fails on the missing organization binding.
    let r = report("era_july_2026.json", "current");
    let failing: Vec<&str> = r.failures().map(|o| o.id.as_str()).collect();
    assert_eq!(
        failing,
        [
            "validation-probe/foreign-org/kms:Encrypt",
            "validation-probe/foreign-org/kms:Decrypt",
            "validation-probe/no-org/kms:Encrypt",
            "validation-probe/no-org/kms:Decrypt"
        ]
    );
    // June-style policy (no all-zeros): the validation round trip itself is denied.
    let r = report("era_june_2026.json", "current");
    let failing: Vec<&str> = r.failures().map(|o| o.id.as_str()).collect();
    assert_eq!(
        failing,
        ["validation/kms:Encrypt", "validation/kms:Decrypt"]
    );
}

#[test]
fn eras_are_pinned_data_with_docs_versions() {
    let ids = identities().unwrap();
    let names: Vec<_> = ids
        .eras
        .iter()
        .map(|e| (e.name.as_str(), e.docs.as_str()))
        .collect();
    assert_eq!(names[0], ("june_2026", "June 2026"));
    assert!(ids.eras.iter().all(|e| !e.docs.is_empty()));
    assert_eq!(
        ids.current_era().unwrap().compartment_operator,
        "StringEqualsIfExists"
    );
}
