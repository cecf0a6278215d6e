//! `cmek verify --sandbox` end to end through the real binary, in a temp copy of
//! examples/quickstart: every check passes after the quickstart apply; after the key policy is
//! broken out of band (the organization UUID condition upper-cased, written straight into the
//! KMS emulator as the sandbox admin) verify exits 4 and says precisely why; a disabled key
//! exits 4 saying so; and without a state it exits 1.
//!
//! Snapshots (under `snapshots/verify/`) have the latencies masked (the latency column has a
//! fixed width, so masking moves nothing) and the random ids (key ARN, `ekey_` ids, compartment
//! UUIDs) replaced by placeholders.

use std::path::Path;

mod sandbox_cli;
use sandbox_cli::{as_sandbox_admin, cmek};

fn quickstart() -> tempfile::TempDir {
    sandbox_cli::example("quickstart")
}

const ORG: &str = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
const ORG_UPPER: &str = "4F1C2D3E-5A6B-4C7D-8E9F-0A1B2C3D4E5F";

fn key_arn(dir: &Path) -> String {
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("cmek.state.json")).unwrap())
            .unwrap();
    state["keys"]["key.aws.quickstart"]["remote_id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Masks every latency cell (`{:>6} ms`, 9 characters wide) without changing the line's width.
fn mask_latencies(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        let window: String = chars[i..(i + 9).min(chars.len())].iter().collect();
        let is_cell = window.len() == 9
            && window.ends_with(" ms")
            && window[..6].chars().all(|c| c == ' ' || c.is_ascii_digit())
            && window[..6].chars().any(|c| c.is_ascii_digit())
            && (i == 0 || chars[i - 1] == ' ');
        if is_cell {
            out.push_str("   [N] ms");
            i += 9;
        } else {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

/// Replaces the key ARN, `ekey_` ids and UUIDs other than the organization's and the all-zeros
/// one with placeholders; masks latencies.
fn redact(text: &str, arn: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let mut l = line.replace(arn, "<key arn>");
        while let Some(i) = l.find("ekey_") {
            let end = l[i..]
                .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
                .map(|e| i + e)
                .unwrap_or(l.len());
            l.replace_range(i..end, "<ekey id>");
        }
        out.push_str(&mask_latencies(&redact_uuids(&l)));
        out.push('\n');
    }
    out
}

fn redact_uuids(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while !rest.is_empty() {
        match rest.get(..36).filter(|c| uuid::Uuid::try_parse(c).is_ok()) {
            Some(u) => {
                if u == ORG || u == ORG_UPPER || u == "00000000-0000-0000-0000-000000000000" {
                    out.push_str(u);
                } else {
                    out.push_str("<uuid>");
                }
                rest = &rest[36..];
            }
            None => {
                let c = rest.chars().next().unwrap();
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    out
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => "../snapshots/verify", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, text);
    });
}

/// Upper-cases the organization UUID in the live key policy, out of band.
fn uppercase_org_in_policy(dir: &Path, arn: &str) {
    as_sandbox_admin(dir, |client| async move {
        let policy = client
            .get_key_policy()
            .key_id(arn)
            .policy_name("default")
            .send()
            .await
            .unwrap()
            .policy
            .unwrap();
        assert!(policy.contains(ORG), "{policy}");
        client
            .put_key_policy()
            .key_id(arn)
            .policy_name("default")
            .policy(policy.replace(ORG, ORG_UPPER))
            .send()
            .await
            .unwrap();
    });
}

fn disable_key(dir: &Path, arn: &str) {
    as_sandbox_admin(dir, |client| async move {
        client.disable_key().key_id(arn).send().await.unwrap();
    });
}

/// `latency_ms` values replaced by `"[N]"` where a check ran (null stays null).
fn mask_json_latencies(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            for (k, value) in map.iter_mut() {
                if k == "latency_ms" {
                    if value.is_u64() {
                        *value = serde_json::json!("[N]");
                    }
                } else {
                    mask_json_latencies(value);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(mask_json_latencies),
        _ => {}
    }
}

#[test]
fn verify_passes_after_apply_and_explains_a_case_mismatch() {
    let tmp = quickstart();
    let dir = tmp.path();

    // Nothing applied yet: an error (exit 1), not a verification failure.
    let (code, out, err) = cmek(dir, &["verify", "."]);
    assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
    assert!(err.contains("no state"), "{err}");

    let (code, out, err) = cmek(dir, &["apply", ".", "--auto-approve"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    let arn = key_arn(dir);

    let (code, out, err) = cmek(dir, &["verify", "."]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("Verification passed"), "{out}");
    assert!(!out.contains("FAIL"), "{out}");
    for check in ["round trip", "simulation", "anthropic validate"] {
        assert!(
            out.lines()
                .any(|l| l.contains(check) && l.contains("  pass  ")),
            "{check} did not pass:\n{out}"
        );
    }
    // The latency column holds real numbers.
    assert!(
        out.lines()
            .skip(1)
            .all(|l| l.is_empty() || l.starts_with("Verification") || l.contains(" ms  "))
    );
    snapshot("quickstart_passing_table", &redact(&out, &arn));

    let (code, out, err) = cmek(dir, &["verify", ".", "--format", "json"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    let mut json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["passed"], true);
    assert_eq!(json["keys"][0]["checks"].as_array().unwrap().len(), 3);
    assert!(json["keys"][0]["checks"][0]["latency_ms"].is_u64());
    mask_json_latencies(&mut json);
    snapshot(
        "quickstart_passing_json",
        &redact(&serde_json::to_string_pretty(&json).unwrap(), &arn),
    );

    // Break the policy out of band: `StringEquals` on the upper-cased organization UUID.
    uppercase_org_in_policy(dir, &arn);
    let (code, out, err) = cmek(dir, &["verify", "."]);
    assert_eq!(code, 4, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("Verification FAILED"), "{out}");
    let why = out.split("Why:").nth(1).unwrap_or_default();
    assert!(
        why.contains(&format!(
            "requires kms:EncryptionContext:anthropic:org_uuid StringEquals [{ORG_UPPER}] but the request sends {ORG}: StringEquals is case-sensitive"
        )),
        "the reason is not precise:\n{out}"
    );
    assert!(
        why.contains("Anthropic's requests validation/kms:Encrypt"),
        "{out}"
    );
    // Anthropic's own validate fails too, for the same reason, seen from the KMS side.
    assert!(
        out.lines()
            .any(|l| l.contains("anthropic validate") && l.contains("FAIL")),
        "{out}"
    );
    // The round trip runs with the customer's credentials, which the policy still allows.
    assert!(
        out.lines()
            .any(|l| l.contains("round trip") && l.contains("  pass  ")),
        "{out}"
    );
    snapshot("quickstart_case_mismatch_table", &redact(&out, &arn));

    let (code, out, _) = cmek(dir, &["verify", ".", "--format", "json"]);
    assert_eq!(code, 4);
    let json: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(json["passed"], false);
    let simulation = &json["keys"][0]["checks"][1];
    assert_eq!(simulation["check"], "simulation");
    assert_eq!(simulation["result"], "fail");
    assert!(
        simulation["reasons"][0]
            .as_str()
            .unwrap()
            .contains("StringEquals is case-sensitive")
    );
}

#[test]
fn a_disabled_key_fails_verification_with_exit_4() {
    let tmp = quickstart();
    let dir = tmp.path();
    let (code, out, err) = cmek(dir, &["apply", ".", "--auto-approve"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    let arn = key_arn(dir);
    disable_key(dir, &arn);

    let (code, out, err) = cmek(dir, &["verify", "."]);
    assert_eq!(code, 4, "stdout:\n{out}\nstderr:\n{err}");
    let round_trip = out
        .lines()
        .find(|l| l.contains("round trip"))
        .unwrap_or_default();
    assert!(round_trip.contains("FAIL"), "{out}");
    assert!(round_trip.contains("the key is disabled"), "{out}");
    // The policy itself is still right.
    assert!(
        out.lines()
            .any(|l| l.contains("simulation") && l.contains("  pass  ")),
        "{out}"
    );
    snapshot("quickstart_disabled_table", &redact(&out, &arn));

    // The restorative apply re-enables the key; verify passes again.
    let (code, out, err) = cmek(dir, &["apply", ".", "--auto-approve"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    let (code, out, err) = cmek(dir, &["verify", "."]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
}

#[test]
fn an_unreadable_spec_is_an_error_not_a_verification_failure() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("main.cmek.hcl"), "anthropic {\n").unwrap();
    let (code, _, err) = cmek(tmp.path(), &["verify", "."]);
    assert_eq!(code, 1, "{err}");
    assert!(!err.is_empty());
}
