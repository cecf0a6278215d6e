//! The verification library without a network: which keys a run verifies (targets from state
//! joined with the spec), and how a report renders as a table and as JSON (snapshots under
//! `snapshots/verify/`, with fixed latencies so they are deterministic).

use std::path::Path;
use std::time::Duration;

use cmek::address::Address;
use cmek::spec::{LoadOptions, load};
use cmek::state::{AttachmentRecord, EntryOrigin, State};
use cmek::verify::render::{latency_cell, render_json, render_text};
use cmek::verify::{Check, CheckResult, KeyResult, VerifyReport, targets};

const ORG: &str = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
const ARN: &str = "arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const AT: &str = "2026-11-29T00:00:00Z";

fn addr(s: &str) -> Address {
    Address::parse(s).unwrap()
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => "../snapshots/verify", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, text);
    });
}

/// The quickstart spec plus a second key that is not created yet.
fn desired() -> cmek::spec::model::Desired {
    let tmp = tempfile::tempdir().unwrap();
    let spec = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart/main.cmek.hcl"),
    )
    .unwrap();
    std::fs::write(
        tmp.path().join("main.cmek.hcl"),
        spec + "\nkey \"aws\" \"later\" {\n  region = \"us-east-2\"\n}\n",
    )
    .unwrap();
    let r = load(
        tmp.path(),
        &LoadOptions {
            env: Some(Vec::new()),
            ..LoadOptions::default()
        },
    );
    assert!(!r.has_errors(), "{:?}", r.diagnostics);
    r.desired.unwrap()
}

/// The quickstart key applied: created (in us-west-2 per its ARN, although the spec says
/// us-east-2), registered, one workspace attached; plus a key the spec no longer declares.
fn state() -> State {
    let mut s = State::new();
    let key = addr("key.aws.quickstart");
    let ekey = addr("external_key.quickstart");
    let ws = addr("workspace.research");
    s.upsert_key(&key, ARN, EntryOrigin::Created, serde_json::json!({}), AT)
        .unwrap();
    s.upsert_external_key(
        &ekey,
        "ekey_01AbCdEfGhIjKlMnOpQrStUv",
        Some(key.clone()),
        serde_json::json!({}),
        AT,
    )
    .unwrap();
    s.upsert_workspace(
        &ws,
        "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ",
        Some("9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d".into()),
        serde_json::json!({}),
        AT,
    )
    .unwrap();
    s.record_attachment(&AttachmentRecord {
        workspace: &ws,
        external_key: &ekey,
        key: &key,
        compartment_id: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d",
        org_uuid: ORG,
        attached_at: AT,
    })
    .unwrap();
    s.upsert_key(
        &addr("key.aws.retired"),
        "arn:aws:kms:us-east-2:111122223333:key/00000000-aaaa-4bbb-8ccc-000000000001",
        EntryOrigin::Imported,
        serde_json::json!({}),
        AT,
    )
    .unwrap();
    s
}

#[test]
fn targets_are_the_keys_in_state_joined_with_spec_and_registrations() {
    let (targets, notes) = targets(&desired(), &state());
    let names: Vec<String> = targets.iter().map(|t| t.address.to_string()).collect();
    assert_eq!(names, ["key.aws.quickstart", "key.aws.retired"]);

    let quickstart = &targets[0];
    assert_eq!(quickstart.remote_id, ARN);
    // Addressed where the ARN says the key lives, not where the spec says.
    assert_eq!(
        quickstart.key_ref,
        cmek::providers::KeyRef::Aws {
            region: "us-west-2".into(),
            key: ARN.into(),
            read_tags: false,
        }
    );
    assert_eq!(
        quickstart.registrations,
        [(
            addr("external_key.quickstart"),
            "ekey_01AbCdEfGhIjKlMnOpQrStUv".to_string()
        )]
    );
    assert!(quickstart.spec.is_some());
    let compartments: Vec<(&str, &str)> = quickstart
        .compartments
        .iter()
        .map(|c| (c.workspace_id.as_str(), c.uuid.as_str()))
        .collect();
    // The attached workspace, with its compartment; the other one has none known yet.
    assert_eq!(
        compartments,
        [(
            "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ",
            "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
        )]
    );

    // In state but no longer in the spec: still verified (round trip, validate).
    assert!(targets[1].spec.is_none());
    assert!(targets[1].registrations.is_empty());

    assert_eq!(notes.len(), 1);
    assert!(
        notes[0].starts_with("key.aws.later is in the spec but not in the state"),
        "{notes:?}"
    );
}

fn sample_report() -> VerifyReport {
    let ms = Duration::from_millis;
    VerifyReport::new(
        vec![
            KeyResult {
                address: "key.aws.retired".into(),
                remote_id: "arn:aws:kms:us-east-2:111122223333:key/00000000-aaaa-4bbb-8ccc-000000000001".into(),
                checks: vec![
                    CheckResult::fail(
                        Check::RoundTrip,
                        "the key is disabled: AWS KMS refuses every encrypt and decrypt",
                        None,
                    ),
                    CheckResult::skipped(
                        Check::Simulation,
                        "the key is in the state but not in the spec: which requests Anthropic makes is unknown",
                    ),
                    CheckResult::skipped(
                        Check::Validate,
                        "the key has no registration at Anthropic in the state",
                    ),
                ],
            },
            KeyResult {
                address: "key.aws.quickstart".into(),
                remote_id: ARN.into(),
                checks: vec![
                    CheckResult::pass(Check::RoundTrip, "round trip ok", ms(42)),
                    CheckResult::fail(
                        Check::Simulation,
                        "2 of 9 simulated requests get the wrong answer from the live key policy",
                        Some(ms(0)),
                    )
                    .with_reasons(vec![
                        "Anthropic's requests validation/kms:Encrypt, validation/kms:Decrypt would be denied: because".into(),
                    ]),
                    CheckResult::pass(Check::Validate, "external_key.quickstart: ok", ms(123_456)),
                ],
            },
        ],
        vec!["key.aws.later is in the spec but not in the state (not created yet): not verified".into()],
    )
}

#[test]
fn the_table_and_json_renderings() {
    let report = sample_report();
    assert!(!report.passed);
    assert_eq!(report.counts(), (6, 2, 2, 2));
    // Sorted by address.
    assert_eq!(report.keys[0].address, "key.aws.quickstart");
    let text = render_text(&report);
    // Every latency cell has the same width, so the DETAIL column stays aligned.
    let detail_columns: Vec<usize> = text
        .lines()
        .take(7)
        .map(|l| {
            l.find("DETAIL")
                .or_else(|| l.find("round trip ok"))
                .unwrap_or(0)
        })
        .collect();
    assert_eq!(detail_columns[0], detail_columns[1]);
    snapshot("report_table", &text);
    snapshot("report_json", &render_json(&report).unwrap());
}

#[test]
fn a_passing_report() {
    let report = VerifyReport::new(
        vec![KeyResult {
            address: "key.aws.quickstart".into(),
            remote_id: ARN.into(),
            checks: vec![CheckResult::pass(
                Check::RoundTrip,
                "ok",
                Duration::from_millis(7),
            )],
        }],
        Vec::new(),
    );
    assert!(report.passed);
    let text = render_text(&report);
    assert!(text.ends_with("Verification passed: 1 check(s) on 1 key(s), none failed.\n"));
    assert!(!text.contains("Why:"));
}

#[test]
fn latency_cells_have_a_fixed_width() {
    for d in [0, 7, 999, 123_456, 99_999_999] {
        assert_eq!(
            latency_cell(Some(Duration::from_millis(d))).len(),
            cmek::verify::render::LATENCY_WIDTH
        );
    }
    assert_eq!(
        latency_cell(None).len(),
        cmek::verify::render::LATENCY_WIDTH
    );
}

fn outcome(
    id: &str,
    expected: cmek::policy::simulate::Expected,
    allowed: bool,
    explanation: &str,
) -> cmek::policy::simulate::SimOutcome {
    use cmek::policy::simulate::{Check as SimCheck, Expected, Purpose, SimOutcome};
    SimOutcome {
        id: id.into(),
        purpose: Purpose::Validation,
        expected,
        ok: allowed == (expected == Expected::Allowed),
        check: SimCheck {
            allowed,
            decision: if allowed { "allowed" } else { "denied" }.into(),
            deciding: Vec::new(),
            explanation: explanation.into(),
        },
    }
}

#[test]
fn simulation_failures_are_grouped_by_reason_in_words() {
    use cmek::apply::verify::explain_sim_failures;
    use cmek::policy::simulate::{Expected, SimReport};
    let report = SimReport {
        outcomes: vec![
            outcome(
                "validation/kms:Encrypt",
                Expected::Allowed,
                false,
                "denied: arn:aws:iam::915198916910:role/r kms:Encrypt with encryption context {a=b}: statement D names the principal but not kms:Encrypt; statement C requires k StringEquals [X] but the request sends x: StringEquals is case-sensitive",
            ),
            outcome(
                "validation/kms:DescribeKey",
                Expected::Allowed,
                true,
                "allowed",
            ),
            outcome(
                "traffic/w/kms:Encrypt",
                Expected::Allowed,
                false,
                "denied: arn:aws:iam::915198916910:role/r kms:Encrypt with encryption context {c=d}: statement D names the principal but not kms:Encrypt; statement C requires k StringEquals [X] but the request sends x: StringEquals is case-sensitive",
            ),
            outcome(
                "validation-probe/foreign-org/kms:Encrypt",
                Expected::Denied,
                true,
                "allowed: r kms:Encrypt is allowed by statement C",
            ),
        ],
    };
    assert_eq!(
        explain_sim_failures(&report),
        [
            "Anthropic's requests validation/kms:Encrypt, traffic/w/kms:Encrypt would be denied: statement C requires k StringEquals [X] but the request sends x: StringEquals is case-sensitive",
            "the request validation-probe/foreign-org/kms:Encrypt must be denied (Anthropic's validation checks that the key refuses other organizations and requests without one) but is not: allowed: r kms:Encrypt is allowed by statement C",
        ]
    );
}
