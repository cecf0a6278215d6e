//! `cmek plan` / `apply` / `show` end to end with `--sandbox` (the real binary, in a temp copy
//! of examples/quickstart):
//! - a saved plan records its config directory and applies from the same cwd without
//!   `--config-dir`; `--config-dir` still overrides;
//! - a saved plan made from another config (or an edited spec, or a version-1 file) is refused
//!   and the state is untouched;
//! - plan lints the spec: findings are in every format, and apply carries out the safe steps,
//!   then stops with exit 4 before attaching anything to a key with error findings;
//! - `show state` reads the backend path the spec configures; `show PLANFILE [--json]`.

use std::path::Path;

use assert_cmd::Command;

fn copy_quickstart(to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/quickstart");
    for entry in std::fs::read_dir(&src).unwrap() {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|e| e == "hcl") {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

fn cmek(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::cargo_bin("cmek")
        .unwrap()
        .current_dir(cwd)
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

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from} not in {}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

#[test]
fn saved_plan_applies_against_the_config_dir_it_records() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    copy_quickstart(&root.join("cfg"));

    let (code, out, err) = cmek(root, &["plan", "cfg", "--out", "plan.json"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let saved = read_json(&root.join("plan.json"));
    assert_eq!(saved["format_version"], 2);
    assert_eq!(saved["config"]["dir"], "cfg");
    let fingerprint = saved["config"]["fingerprint"].as_str().unwrap();
    assert!(
        fingerprint.starts_with("sha256:") && fingerprint.len() == 7 + 64,
        "{fingerprint}"
    );

    // From the same cwd, no --config-dir needed.
    let (code, out, err) = cmek(root, &["apply", "plan.json", "--auto-approve"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("Apply complete"), "{out}");
    let state = read_json(&root.join("cfg/cmek.state.json"));
    assert!(state["workspaces"]["workspace.research"]["attached_external_key_id"].is_string());
    assert!(!root.join("cmek.state.json").exists());

    // From another cwd the recorded dir does not resolve: a clear error, or --config-dir.
    let (code, out, err) = cmek(root, &["plan", "cfg", "--out", "converged.json"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let cfg = root.join("cfg");
    let (code, _, err) = cmek(&cfg, &["apply", "../converged.json", "--auto-approve"]);
    assert_eq!(code, 1);
    assert!(err.contains("--config-dir"), "{err}");
    let (code, out, err) = cmek(
        &cfg,
        &[
            "apply",
            "../converged.json",
            "--config-dir",
            ".",
            "--auto-approve",
        ],
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("Nothing to do"), "{out}");

    // --config-dir belongs to plan files.
    let (code, _, err) = cmek(root, &["apply", "cfg", "--config-dir", "cfg"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("--config-dir is for a saved plan file"),
        "{err}"
    );
}

#[test]
fn saved_plan_from_another_config_is_refused_and_state_is_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    copy_quickstart(&root.join("a"));
    copy_quickstart(&root.join("b"));
    edit(
        &root.join("b/main.cmek.hcl"),
        "display_name = \"Quickstart CMEK\"",
        "display_name = \"Another CMEK\"",
    );

    let (code, out, err) = cmek(root, &["plan", "a", "--out", "a.json"]);
    assert_eq!(code, 0, "{out}\n{err}");

    // Against another config directory.
    let (code, out, err) = cmek(
        root,
        &["apply", "a.json", "--config-dir", "b", "--auto-approve"],
    );
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(err.contains("made from another config"), "{err}");
    assert!(err.contains("Nothing was applied"), "{err}");
    assert!(
        !root.join("b/cmek.state.json").exists(),
        "b's state written"
    );
    assert!(!out.contains("Apply complete"));

    // Against its own directory after the spec there changed.
    edit(
        &root.join("a/main.cmek.hcl"),
        "display_name = \"Quickstart CMEK\"",
        "display_name = \"Edited CMEK\"",
    );
    let (code, _, err) = cmek(root, &["apply", "a.json", "--auto-approve"]);
    assert_eq!(code, 1);
    assert!(err.contains("made from another config"), "{err}");
    assert!(
        !root.join("a/cmek.state.json").exists(),
        "a's state written"
    );

    // A layout-only edit (comments, blank lines) keeps the fingerprint.
    edit(
        &root.join("a/main.cmek.hcl"),
        "display_name = \"Edited CMEK\"",
        "display_name = \"Quickstart CMEK\" # same value, new comment\n",
    );
    let (code, out, err) = cmek(root, &["apply", "a.json", "--auto-approve"]);
    assert_eq!(code, 0, "{out}\n{err}");

    // A version-1 plan file does not say where it came from: refused.
    let v1 = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/plan/refused.plan.json");
    std::fs::copy(v1, root.join("v1.json")).unwrap();
    let serial = std::fs::read_to_string(root.join("a/cmek.state.json")).unwrap();
    let (code, _, err) = cmek(
        root,
        &["apply", "v1.json", "--config-dir", "a", "--auto-approve"],
    );
    assert_eq!(code, 1);
    assert!(err.contains("format_version 1"), "{err}");
    assert_eq!(
        std::fs::read_to_string(root.join("a/cmek.state.json")).unwrap(),
        serial
    );
}

#[test]
fn plan_carries_lint_findings_and_apply_holds_attaches_to_a_key_with_errors() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_quickstart(dir);

    // The escape hatch: the policy cmek would render, plus an admin action for Anthropic's role
    // (CMEK-AWS-010, an error; Anthropic's requests still work, so verification passes).
    let (code, out, err) = cmek(dir, &["plan", ".", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let plan: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        plan["findings"],
        serde_json::json!([]),
        "quickstart is clean"
    );
    let mut policy = plan["actions"][0]["action"]["access"]["document"].clone();
    assert!(policy["Statement"].is_array(), "{:#}", plan["actions"][0]);
    policy["Statement"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "Sid": "ReadPolicy",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::915198916910:role/anthropic-cmek-client-us"},
            "Action": "kms:GetKeyPolicy",
            "Resource": "*"
        }));
    std::fs::write(
        dir.join("policy.json"),
        serde_json::to_string_pretty(&policy).unwrap(),
    )
    .unwrap();
    edit(
        &dir.join("main.cmek.hcl"),
        "  description = \"Anthropic CMEK (quickstart)\"\n",
        "  description = \"Anthropic CMEK (quickstart)\"\n  policy      = file(\"policy.json\")\n",
    );

    let (code, out, err) = cmek(dir, &["plan", ".", "--format", "json"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let plan: serde_json::Value = serde_json::from_str(&out).unwrap();
    let errors: Vec<&serde_json::Value> = plan["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .collect();
    assert!(!errors.is_empty(), "{:#}", plan["findings"]);
    for f in &errors {
        assert_eq!(f["address"], "key.aws.quickstart");
        assert!(
            f["location"].as_str().unwrap().contains("policy.json"),
            "{f}"
        );
    }
    let (_, text, _) = cmek(dir, &["plan", "."]);
    assert!(text.contains("Findings:"), "{text}");
    assert!(
        text.contains("Error findings hold these attaches"),
        "{text}"
    );
    assert!(text.contains("attach:workspace.research"), "{text}");
    let (_, markdown, _) = cmek(dir, &["plan", ".", "--format", "markdown"]);
    assert!(markdown.contains("### Findings"), "{markdown}");

    let (code, out, err) = cmek(dir, &["apply", ".", "--auto-approve"]);
    assert_eq!(code, 4, "stdout:\n{out}\nstderr:\n{err}");
    assert!(err.contains("lint findings of severity error"), "{err}");
    assert!(out.contains("HELD"), "{out}");
    let state = read_json(&dir.join("cmek.state.json"));
    // The safe steps ran: the key exists and is registered; nothing is attached.
    assert!(state["keys"]["key.aws.quickstart"]["remote_id"].is_string());
    assert!(state["external_keys"]["external_key.quickstart"].is_object());
    for ws in ["workspace.research", "workspace.support"] {
        assert!(
            state["workspaces"][ws]["attached_external_key_id"].is_null(),
            "{ws} attached despite error findings: {:#}",
            state["workspaces"]
        );
    }
}

#[test]
fn show_reads_the_configured_state_backend_and_saved_plans() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    copy_quickstart(dir);
    edit(
        &dir.join("main.cmek.hcl"),
        "path = \"cmek.state.json\"",
        "path = \"state/prod.json\"",
    );
    std::fs::create_dir_all(dir.join("state")).unwrap();

    let (code, out, err) = cmek(dir, &["plan", ".", "--out", "plan.json"]);
    assert_eq!(code, 0, "{out}\n{err}");
    let (code, shown, err) = cmek(dir, &["show", "plan.json", "--json"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        shown,
        std::fs::read_to_string(dir.join("plan.json")).unwrap()
    );
    let (code, shown, _) = cmek(dir, &["show", "plan.json"]);
    assert_eq!(code, 0);
    assert!(shown.contains("cmek will perform these actions"), "{shown}");

    let (code, _, err) = cmek(dir, &["show", "state"]);
    assert_eq!(code, 1, "no state yet");
    assert!(err.contains("state/prod.json"), "{err}");

    let (code, out, err) = cmek(dir, &["apply", ".", "--auto-approve"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(dir.join("state/prod.json").exists());
    assert!(!dir.join("cmek.state.json").exists());

    let (code, listed, err) = cmek(dir, &["show", "state"]);
    assert_eq!(code, 0, "{err}");
    assert!(listed.contains("key.aws.quickstart"), "{listed}");
    assert!(listed.contains("workspace.research"), "{listed}");
    let (code, json, err) = cmek(dir, &["show", "state", "--json"]);
    assert_eq!(code, 0, "{err}");
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(value["keys"]["key.aws.quickstart"].is_object(), "{value:#}");
    let (code, _, _) = cmek(
        dir.parent().unwrap(),
        &["show", "state", "--dir", dir.to_str().unwrap()],
    );
    assert_eq!(code, 0);

    // The `state` commands read and replace the same configured file.
    let (code, listed, err) = cmek(dir, &["state", "list", "."]);
    assert_eq!(code, 0, "{err}");
    assert!(listed.contains("key.aws.quickstart"), "{listed}");
    let (code, shown, err) = cmek(dir, &["state", "show", "workspace.research", "."]);
    assert_eq!(code, 0, "{err}");
    assert!(shown.contains("workspace.research"), "{shown}");
    let (code, pulled, err) = cmek(dir, &["state", "pull", "."]);
    assert_eq!(code, 0, "{err}");
    std::fs::write(dir.join("pulled.json"), &pulled).unwrap();
    let (code, out, err) = cmek(dir, &["state", "push", "pulled.json", "."]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("state/prod.json"), "{out}");
    assert!(!dir.join("cmek.state.json").exists());

    // A spec that does not load is an error, not a guess at the default path.
    std::fs::write(dir.join("broken.cmek.hcl"), "key \"aws\" {\n").unwrap();
    let (code, _, err) = cmek(dir, &["state", "list", "."]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot read the spec"), "{err}");
}
