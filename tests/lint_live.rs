//! `cmek lint --live` against the sandbox: after an apply the live keys lint clean; after
//! out-of-band changes (a look-alike principal written into the key policy, the key
//! disabled) the live lint reports them while the spec alone still lints clean.

use std::path::Path;

mod sandbox_cli;
use sandbox_cli::{as_sandbox_admin, cmek};

fn quickstart() -> tempfile::TempDir {
    sandbox_cli::example("quickstart")
}

/// Change the key behind cmek's back, as the sandbox admin: rewrite its policy with `edit`,
/// then disable it when `disable`.
fn drift(dir: &Path, arn: &str, edit: impl Fn(&str) -> String, disable: bool) {
    as_sandbox_admin(dir, |client| async move {
        let policy = client
            .get_key_policy()
            .key_id(arn)
            .send()
            .await
            .unwrap()
            .policy
            .unwrap();
        let edited = edit(&policy);
        assert_ne!(policy, edited);
        client
            .put_key_policy()
            .key_id(arn)
            .policy(edited)
            .send()
            .await
            .unwrap();
        if disable {
            client.disable_key().key_id(arn).send().await.unwrap();
        }
    });
}

#[test]
fn live_lint_reads_the_keys_as_they_are() {
    let tmp = quickstart();
    let dir = tmp.path();
    let (code, out, err) = cmek(dir, &["apply", ".", "--auto-approve"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let (code, out, err) = cmek(dir, &["lint", "--live", "."]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("0 error(s)"), "{out}");

    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("cmek.state.json")).unwrap())
            .unwrap();
    let arn = state["keys"]["key.aws.quickstart"]["remote_id"]
        .as_str()
        .unwrap()
        .to_string();
    drift(
        dir,
        &arn,
        |p| p.replace("915198916910", "915198916901"),
        true,
    );

    // The spec alone is unchanged and clean.
    let (code, out, _) = cmek(dir, &["lint", "."]);
    assert_eq!(code, 0, "{out}");
    // Live: the look-alike, the missing principal and the disabled key, on the key's block.
    let (code, out, err) = cmek(dir, &["lint", "--live", ".", "--format", "json"]);
    assert_eq!(code, 1, "{out}\n{err}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let ids: Vec<&str> = findings
        .iter()
        .map(|f| f["rule_id"].as_str().unwrap())
        .collect();
    for want in ["CMEK-AWS-001", "CMEK-AWS-002", "CMEK-AWS-021"] {
        assert!(ids.contains(&want), "{want}: {ids:?}");
    }
    for f in findings {
        assert_eq!(f["address"], "key.aws.quickstart");
        assert!(
            f["location"]["file"]
                .as_str()
                .unwrap()
                .ends_with("main.cmek.hcl")
        );
    }
    let disabled = findings
        .iter()
        .find(|f| f["rule_id"] == "CMEK-AWS-021")
        .unwrap();
    assert!(
        disabled["message"].as_str().unwrap().contains("Disabled"),
        "{disabled}"
    );
    // Plan still works on the same state afterwards: lint released its lock.
    let (code, out, err) = cmek(dir, &["plan", "."]);
    assert!(code == 0 || code == 1 || code == 2, "{out}\n{err}");
    assert!(!err.contains("lock"), "{err}");
}

#[test]
fn live_lint_finds_a_served_workspace_missing_from_the_compartments() {
    let tmp = quickstart();
    let dir = tmp.path();
    let (code, out, err) = cmek(dir, &["apply", ".", "--auto-approve"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("cmek.state.json")).unwrap())
            .unwrap();
    let arn = state["keys"]["key.aws.quickstart"]["remote_id"]
        .as_str()
        .unwrap()
        .to_string();
    // Drop one workspace's compartment from every list in the policy.
    let dropped = std::cell::RefCell::new(String::new());
    drift(
        dir,
        &arn,
        |p| {
            let mut doc: serde_json::Value = serde_json::from_str(p).unwrap();
            let mut victim = None;
            for st in doc["Statement"].as_array_mut().unwrap() {
                let Some(cond) = st.get_mut("Condition").and_then(|c| c.as_object_mut()) else {
                    continue;
                };
                for (_, entries) in cond.iter_mut() {
                    for (k, values) in entries.as_object_mut().unwrap().iter_mut() {
                        if !k.ends_with("compartment_uuid") {
                            continue;
                        }
                        let list = values.as_array_mut().unwrap();
                        let v = victim.get_or_insert_with(|| {
                            list.iter()
                                .map(|v| v.as_str().unwrap().to_string())
                                .find(|v| !v.starts_with("00000000"))
                                .unwrap()
                        });
                        list.retain(|x| x.as_str() != Some(v.as_str()));
                    }
                }
            }
            *dropped.borrow_mut() = victim.unwrap();
            doc.to_string()
        },
        false,
    );
    let (code, out, err) = cmek(dir, &["lint", "--live", "."]);
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("CMEK-AWS-022"), "{out}");
    assert!(out.contains(dropped.borrow().as_str()), "{out}");
}

#[test]
fn live_needs_a_spec_directory() {
    let tmp = quickstart();
    let (code, _, err) = cmek(tmp.path(), &["lint", "--live", "main.cmek.hcl"]);
    assert_eq!(code, 2);
    assert!(err.contains("--live needs spec directories"), "{err}");
}
