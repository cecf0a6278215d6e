//! End to end with `--sandbox`: the real binary, driven in a temp copy of examples/quickstart,
//! against the in-process emulators. `ANTHROPIC_ADMIN_API_KEY` is removed from the environment
//! to prove the sandbox needs no real key.
//!
//! Needs the real `PolicyLibraryAuthorizer` (oracle branch): with the placeholder authorizer,
//! Anthropic's cross-account validation is always denied.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use aws_sdk_kms::config::{BehaviorVersion, Credentials, Region};
use cmek::sandbox::kms::identity::{SANDBOX_ADMIN_ACCESS_KEY_ID, SANDBOX_SECRET_ACCESS_KEY};
use cmek::sandbox::log::RequestLog;
use cmek::sandbox::world::SandboxWorld;

const ORG: &str = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";

fn quickstart() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart");
    // The spec files only: not the committed reviews, nor a sandbox or state a developer left.
    for entry in std::fs::read_dir(&src).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        if entry.path().extension().is_some_and(|e| e == "hcl") {
            std::fs::copy(entry.path(), tmp.path().join(name)).unwrap();
        }
    }
    tmp
}

fn cmek(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("cmek")
        .unwrap()
        .current_dir(dir)
        .env_remove("ANTHROPIC_ADMIN_API_KEY")
        .env("NO_COLOR", "1")
        .arg("--sandbox")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn spec_path(dir: &Path) -> PathBuf {
    dir.join("main.cmek.hcl")
}

/// Replaces UUIDs, ARNs, ekey/lineage ids with stable placeholders.
fn redact(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let mut l = line.to_string();
        for (prefix, len, name) in [("ekey_", 24, "ekey_[id]"), ("key/", 36, "key/[id]")] {
            while let Some(i) = l.find(prefix) {
                let end = (i + prefix.len() + len).min(l.len());
                if l[i + prefix.len()..end].contains('[') {
                    break;
                }
                l.replace_range(i..end, &name.replace("[id]", "[ID]"));
            }
        }
        out.push_str(&redact_uuids(&l));
        out.push('\n');
    }
    out
}

fn redact_uuids(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while !rest.is_empty() {
        let candidate = rest.get(..36).filter(|c| uuid::Uuid::try_parse(c).is_ok());
        match candidate {
            Some(u) => {
                if u == ORG || u == "00000000-0000-0000-0000-000000000000" {
                    out.push_str(u);
                } else {
                    out.push_str("[uuid]");
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

fn requests(dir: &Path) -> Vec<cmek::sandbox::log::RequestLogEntry> {
    RequestLog::read_entries(dir.join(".cmek/sandbox/requests.jsonl")).unwrap()
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => "../snapshots/e2e", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, redact(text));
    });
}

#[test]
fn apply_converges_and_refuses_unsafe_edits() {
    let tmp = quickstart();
    let dir = tmp.path();

    let (code, out, err) = cmek(dir, &["plan", "."]);
    assert_eq!(code, 0, "{err}");
    snapshot("quickstart_first_plan", &out);

    let (code, out, err) = cmek(dir, &["apply", ".", "--auto-approve"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("Apply complete"));
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("cmek.state.json")).unwrap())
            .unwrap();
    for ws in ["workspace.research", "workspace.support"] {
        assert!(
            state["workspaces"][ws]["attached_external_key_id"]
                .as_str()
                .unwrap()
                .starts_with("ekey_"),
            "{ws} not attached: {state:#}"
        );
    }

    let (code, out, err) = cmek(dir, &["plan", ".", "--detailed-exitcode"]);
    assert_eq!(code, 0, "not converged:\n{out}\n{err}");
    snapshot("quickstart_converged", &out);

    // SAFE001: point a workspace at a new registration.
    let original = std::fs::read_to_string(spec_path(dir)).unwrap();
    let swapped = original.replace(
        "workspace \"support\" {\n  id           = \"wrkspc_01JwfJBd0Kh8oOOL8dKLzdocJ2\"\n  external_key = external_key.quickstart",
        "external_key \"second\" {\n  key          = key.aws.quickstart\n  display_name = \"Second\"\n  geo          = \"us\"\n}\n\nworkspace \"support\" {\n  id           = \"wrkspc_01JwfJBd0Kh8oOOL8dKLzdocJ2\"\n  external_key = external_key.second",
    );
    assert_ne!(swapped, original);
    std::fs::write(spec_path(dir), &swapped).unwrap();
    let before = requests(dir).len();
    let (code, out, _) = cmek(dir, &["plan", "."]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("SAFE001"), "{out}");
    let (code, _, _) = cmek(dir, &["apply", ".", "--auto-approve"]);
    assert_eq!(code, 3);
    for entry in &requests(dir)[before..] {
        let op = entry.operation.as_str();
        assert!(
            !op.starts_with("Delete")
                && !op.starts_with("Disable")
                && !op.starts_with("Schedule")
                && op != "CreateExternalKey"
                && op != "UpdateWorkspace",
            "unexpected call after a refusal: {entry:?}"
        );
    }

    // SAFE003: drop a workspace block.
    let dropped = original.replace(
        "workspace \"support\" {\n  id           = \"wrkspc_01JwfJBd0Kh8oOOL8dKLzdocJ2\"\n  external_key = external_key.quickstart\n}\n",
        "",
    );
    assert_ne!(dropped, original);
    std::fs::write(spec_path(dir), &dropped).unwrap();
    let (code, out, _) = cmek(dir, &["plan", "."]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("SAFE003"), "{out}");
    std::fs::write(spec_path(dir), &original).unwrap();

    // Drift: the key is disabled behind cmek's back (test side, as the sandbox admin).
    let arn = state["keys"]["key.aws.quickstart"]["remote_id"]
        .as_str()
        .unwrap()
        .to_string();
    disable_key_in_sandbox(dir, &arn);
    let (code, out, err) = cmek(dir, &["plan", ".", "--detailed-exitcode"]);
    assert_eq!(code, 2, "{out}\n{err}");
    let actions = out.split("in this order:").nth(1).unwrap_or("");
    let first = actions.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    assert!(first.contains("restore: enable the key"), "{out}");
    assert!(out.contains("Data at risk"), "{out}");
    snapshot("quickstart_disabled_drift", &out);
    let (code, out, err) = cmek(dir, &["apply", ".", "--auto-approve"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let (code, out, _) = cmek(dir, &["plan", ".", "--detailed-exitcode"]);
    assert_eq!(code, 0, "not converged after the restore:\n{out}");
}

fn disable_key_in_sandbox(dir: &Path, arn: &str) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let world = SandboxWorld::start(dir, ORG, &[]).await.unwrap();
        let config = aws_sdk_kms::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new("us-east-2"))
            .endpoint_url(world.endpoints().kms_url.clone())
            .credentials_provider(Credentials::new(
                SANDBOX_ADMIN_ACCESS_KEY_ID,
                SANDBOX_SECRET_ACCESS_KEY,
                None,
                None,
                "test",
            ))
            .build();
        let client = aws_sdk_kms::Client::from_conf(config);
        client.disable_key().key_id(arn).send().await.unwrap();
        world.shutdown().await.unwrap();
    });
}

#[test]
fn broken_policy_fails_verification_and_attaches_nothing() {
    let tmp = quickstart();
    let dir = tmp.path();
    let spec = std::fs::read_to_string(spec_path(dir)).unwrap();
    let broken = spec.replace(
        "  description = \"Anthropic CMEK (quickstart)\"\n",
        "  description = \"Anthropic CMEK (quickstart)\"\n  policy = jsonencode({\n    Version = \"2012-10-17\"\n    Statement = [{\n      Sid       = \"AccountRootAdmin\"\n      Effect    = \"Allow\"\n      Principal = { AWS = \"arn:aws:iam::111122223333:root\" }\n      Action    = \"kms:*\"\n      Resource  = \"*\"\n    }]\n  })\n",
    );
    assert_ne!(broken, spec);
    std::fs::write(spec_path(dir), broken).unwrap();
    let (code, out, err) = cmek(dir, &["apply", ".", "--auto-approve"]);
    assert_eq!(code, 4, "stdout:\n{out}\nstderr:\n{err}");
    assert!(
        err.contains("verification of key.aws.quickstart failed"),
        "{err}"
    );
    let admin: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join(".cmek/sandbox/anthropic.json")).unwrap(),
    )
    .unwrap();
    for ws in admin["workspaces"].as_array().unwrap() {
        assert!(ws["external_key_id"].is_null(), "attached: {ws}");
    }
    assert!(
        !requests(dir)
            .iter()
            .any(|e| e.operation == "UpdateWorkspace")
    );
}

#[test]
fn saved_plans_apply_only_while_nothing_moved() {
    let tmp = quickstart();
    let dir = tmp.path();

    // A saved plan applies as long as the state and the remote objects are as it saw them.
    let (code, out, err) = cmek(dir, &["plan", ".", "--out", "fresh.plan.json"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let (code, out, err) = cmek(
        dir,
        &[
            "apply",
            "fresh.plan.json",
            "--config-dir",
            ".",
            "--auto-approve",
        ],
    );
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("Apply complete"), "{out}");

    // Stale by the remote: a plan saved, then the key disabled out of band.
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("cmek.state.json")).unwrap())
            .unwrap();
    let arn = state["keys"]["key.aws.quickstart"]["remote_id"]
        .as_str()
        .unwrap()
        .to_string();
    let (code, out, err) = cmek(dir, &["plan", ".", "--out", "before-drift.plan.json"]);
    assert_eq!(code, 0, "{out}\n{err}");
    disable_key_in_sandbox(dir, &arn);
    let serial_before = std::fs::read_to_string(dir.join("cmek.state.json")).unwrap();
    let (code, out, err) = cmek(
        dir,
        &[
            "apply",
            "before-drift.plan.json",
            "--config-dir",
            ".",
            "--auto-approve",
        ],
    );
    assert_eq!(code, 1, "a stale plan must not apply:\n{out}\n{err}");
    let text = format!("{out}{err}");
    assert!(text.contains("stale"), "{text}");
    assert!(text.contains(&arn), "the changed object is named: {text}");
    assert_eq!(
        std::fs::read_to_string(dir.join("cmek.state.json")).unwrap(),
        serial_before,
        "a refused saved plan leaves the state untouched"
    );

    // The restorative apply re-enables the key; afterwards a saved plan applies again.
    let (code, out, err) = cmek(dir, &["apply", ".", "--auto-approve"]);
    assert_eq!(code, 0, "the restorative apply runs:\n{out}\n{err}");

    // Stale by the state: a plan saved, then the state moved on (here by a push of itself,
    // which bumps the serial without touching anything remote).
    let (code, out, err) = cmek(dir, &["plan", ".", "--out", "old-serial.plan.json"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let (code, pulled, err) = cmek(dir, &["state", "pull", "."]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(dir.join("pulled.json"), pulled).unwrap();
    let (code, out, err) = cmek(dir, &["state", "push", "pulled.json", "."]);
    assert_eq!(code, 0, "{out}\n{err}");
    let (code, out, err) = cmek(
        dir,
        &[
            "apply",
            "old-serial.plan.json",
            "--config-dir",
            ".",
            "--auto-approve",
        ],
    );
    assert_eq!(
        code, 1,
        "a plan from an older serial must not apply:\n{out}\n{err}"
    );
    assert!(format!("{out}{err}").contains("serial"), "{out}{err}");

    // A plan file edited by hand (or from another tool) is refused with a clear error.
    std::fs::write(dir.join("edited.plan.json"), "{\"format_version\": 99}").unwrap();
    let (code, out, err) = cmek(
        dir,
        &[
            "apply",
            "edited.plan.json",
            "--config-dir",
            ".",
            "--auto-approve",
        ],
    );
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(!err.is_empty(), "the refusal says why");
}

/// Every safety rule that a spec edit can trigger, end to end on an applied quickstart: the
/// plan and the apply both exit 3 naming the rule, and nothing destructive reaches the emulators.
#[test]
fn each_unsafe_spec_edit_is_refused_end_to_end() {
    let tmp = quickstart();
    let dir = tmp.path();
    let (code, out, err) = cmek(dir, &["apply", ".", "--auto-approve"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    let original = std::fs::read_to_string(spec_path(dir)).unwrap();
    let research = "workspace \"research\" {\n  id           = \"wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ\"\n  external_key = external_key.quickstart";
    let key_block = "key \"aws\" \"quickstart\" {\n  region      = \"us-east-2\"";
    // SAFE007 (dropping the organization) is covered with the real policy library in
    // tests/engine_oracle.rs: the sandbox is one organization, so another org UUID is another world.
    let cases: [(&str, &str, String); 4] = [
        (
            "SAFE002",
            "detach a workspace",
            original.replace(
                research,
                "workspace \"research\" {\n  id           = \"wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ\"\n  external_key = null",
            ),
        ),
        (
            "SAFE004",
            "move the key to another region",
            original.replace(
                key_block,
                "key \"aws\" \"quickstart\" {\n  region      = \"us-west-2\"",
            ),
        ),
        (
            "SAFE005",
            "an escape-hatch policy without Anthropic's statements",
            original.replace(
                key_block,
                "key \"aws\" \"quickstart\" {\n  policy = jsonencode({ Version = \"2012-10-17\", Statement = [{ Sid = \"AccountRootAdmin\", Effect = \"Allow\", Principal = { AWS = \"arn:aws:iam::111122223333:root\" }, Action = \"kms:*\", Resource = \"*\" }] })\n  region      = \"us-east-2\"",
            ),
        ),
        (
            "SAFE006",
            "point the registration in use at another key",
            original.replace(
                "  key          = key.aws.quickstart",
                "  key          = key.aws.other",
            ) + "\nkey \"aws\" \"other\" {\n  region = \"us-east-2\"\n}\n",
        ),
    ];
    for (rule, what, spec) in &cases {
        assert_ne!(spec, &original, "{rule}: the edit did not apply");
        std::fs::write(spec_path(dir), spec).unwrap();
        let before = requests(dir).len();
        let (code, out, err) = cmek(dir, &["plan", "."]);
        assert_eq!(code, 3, "{rule} ({what}) not refused:\n{out}\n{err}");
        assert!(out.contains(rule), "{rule} ({what}) missing:\n{out}");
        let (code, out, err) = cmek(dir, &["apply", ".", "--auto-approve"]);
        assert_eq!(code, 3, "{rule} ({what}) applied:\n{out}\n{err}");
        for entry in &requests(dir)[before..] {
            let op = entry.operation.as_str();
            assert!(
                !op.starts_with("Delete")
                    && !op.starts_with("Disable")
                    && !op.starts_with("Schedule")
                    && !op.starts_with("Create")
                    && !op.starts_with("Put")
                    && !op.starts_with("Update"),
                "{rule}: a call after a refusal: {entry:?}"
            );
        }
    }
    std::fs::write(spec_path(dir), &original).unwrap();
    let (code, out, _) = cmek(dir, &["plan", ".", "--detailed-exitcode"]);
    assert_eq!(code, 0, "the original spec is still converged:\n{out}");
}

/// A safe in-place change (the key's description) plans as an update, applies, and converges.
#[test]
fn description_change_applies_in_place_and_converges() {
    let tmp = quickstart();
    let dir = tmp.path();
    let (code, out, err) = cmek(dir, &["apply", ".", "--auto-approve"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    let original = std::fs::read_to_string(spec_path(dir)).unwrap();
    let edited = original.replace(
        "description = \"Anthropic CMEK (quickstart)\"",
        "description = \"Anthropic CMEK (quickstart, renamed)\"",
    );
    assert_ne!(edited, original);
    std::fs::write(spec_path(dir), &edited).unwrap();
    let (code, out, err) = cmek(dir, &["plan", ".", "--detailed-exitcode"]);
    assert_eq!(code, 2, "{out}\n{err}");
    assert!(out.contains("description"), "{out}");
    let (code, out, err) = cmek(dir, &["apply", ".", "--auto-approve"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    let (code, out, _) = cmek(dir, &["plan", ".", "--detailed-exitcode"]);
    assert_eq!(code, 0, "not converged after the update:\n{out}");
}
