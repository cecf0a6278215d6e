//! `cmek review --out / --check` end to end through the binary: check passes right after out,
//! fails with a readable unified diff after a spec change, stale files are removed, the
//! committed quickstart reviews are current, lint findings (and suppressions) are shown,
//! `--live --sandbox` reviews the policy read from the emulator, and broken input exits 1.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

mod sandbox_cli;
use sandbox_cli::as_sandbox_admin;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn cmek(args: &[&str], cwd: &Path) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cmek"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

/// A copy of `examples/quickstart` (spec only) in a temp dir.
fn quickstart_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(
        root().join("examples/quickstart/main.cmek.hcl"),
        dir.path().join("main.cmek.hcl"),
    )
    .unwrap();
    dir
}

#[test]
fn committed_quickstart_reviews_are_current() {
    // Checked on a copy of the spec and the committed reviews: running the quickstart with
    // `--sandbox` leaves a git-ignored state file beside it that must not fail this test.
    let dir = quickstart_copy();
    fs::create_dir(dir.path().join("reviews")).unwrap();
    for entry in fs::read_dir(root().join("examples/quickstart/reviews")).unwrap() {
        let entry = entry.unwrap();
        fs::copy(
            entry.path(),
            dir.path().join("reviews").join(entry.file_name()),
        )
        .unwrap();
    }
    let (code, out, err) = cmek(&["review", ".", "--check", "reviews"], dir.path());
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.contains("up to date"));
}

#[test]
fn check_passes_after_out_and_fails_with_a_diff_after_a_change() {
    let dir = quickstart_copy();
    let p = dir.path();
    let (code, out, err) = cmek(&["review", ".", "--out", "reviews"], p);
    assert_eq!(code, 0, "{out}{err}");
    assert!(p.join("reviews/key.aws.quickstart.md").is_file());
    let (code, out, _) = cmek(&["review", ".", "--check", "reviews"], p);
    assert_eq!(code, 0, "{out}");

    // Add an administrator: the review must change and --check must say how.
    let spec = fs::read_to_string(p.join("main.cmek.hcl")).unwrap();
    let spec = spec.replace(
        "  description = \"Anthropic CMEK (quickstart)\"\n",
        "  description = \"Anthropic CMEK (quickstart)\"\n  admins      = [\"arn:aws:iam::111122223333:role/KeyAdmins\"]\n",
    );
    fs::write(p.join("main.cmek.hcl"), spec).unwrap();
    let (code, out, _) = cmek(&["review", ".", "--check", "reviews"], p);
    assert_eq!(code, 1);
    assert!(out.contains("--- a/key.aws.quickstart.md\n+++ b/key.aws.quickstart.md\n"));
    assert!(
        out.contains("+- AllowKeyAdministration: allows arn:aws:iam::111122223333:role/KeyAdmins")
    );
    insta::with_settings!({ snapshot_path => "../snapshots/review", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("check_diff_after_adding_an_admin", out);
    });

    // Regenerating makes it clean again.
    let (code, _, _) = cmek(&["review", ".", "--out", "reviews"], p);
    assert_eq!(code, 0);
    let (code, _, _) = cmek(&["review", ".", "--check", "reviews"], p);
    assert_eq!(code, 0);
}

#[test]
fn out_removes_stale_reviews_only() {
    let dir = quickstart_copy();
    let p = dir.path();
    fs::create_dir(p.join("reviews")).unwrap();
    fs::write(p.join("reviews/key.aws.gone.md"), "old\n").unwrap();
    fs::write(p.join("reviews/module.m.key.gcp.old.md"), "old\n").unwrap();
    fs::write(p.join("reviews/README.md"), "keep me\n").unwrap();
    fs::write(p.join("reviews/workspace.w.md"), "keep me\n").unwrap();

    // --check reports the extra files as removals.
    let (code, out, _) = cmek(&["review", ".", "--check", "reviews"], p);
    assert_eq!(code, 1);
    assert!(out.contains("--- a/key.aws.gone.md\n+++ b/key.aws.gone.md\n"));
    assert!(out.contains("-old\n"));
    assert!(out.contains("--- a/key.aws.quickstart.md")); // missing file: all added

    let (code, out, _) = cmek(&["review", ".", "--out", "reviews"], p);
    assert_eq!(code, 0);
    assert!(out.contains("removed stale"));
    assert!(!p.join("reviews/key.aws.gone.md").exists());
    assert!(!p.join("reviews/module.m.key.gcp.old.md").exists());
    assert!(p.join("reviews/README.md").exists());
    assert!(p.join("reviews/workspace.w.md").exists());
    assert!(p.join("reviews/key.aws.quickstart.md").exists());
    let (code, _, _) = cmek(&["review", ".", "--check", "reviews"], p);
    assert_eq!(code, 0);
}

#[test]
fn output_does_not_depend_on_the_directory_it_runs_from() {
    let dir = quickstart_copy();
    let p = dir.path();
    let (code, _, _) = cmek(&["review", ".", "--out", "a"], p);
    assert_eq!(code, 0);
    let abs = p.to_str().unwrap();
    let out_b = p.join("b");
    let (code, _, _) = cmek(&["review", abs, "--out", out_b.to_str().unwrap()], &root());
    assert_eq!(code, 0);
    assert_eq!(
        fs::read_to_string(p.join("a/key.aws.quickstart.md")).unwrap(),
        fs::read_to_string(p.join("b/key.aws.quickstart.md")).unwrap()
    );
    assert!(
        !fs::read_to_string(p.join("a/key.aws.quickstart.md"))
            .unwrap()
            .contains(abs)
    );
}

const ORG: &str = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";

fn section<'a>(review: &'a str, title: &str) -> &'a str {
    let start = review.find(title).unwrap();
    let rest = &review[start..];
    let end = rest[title.len()..]
        .find("\n## ")
        .map(|e| e + title.len())
        .unwrap_or(rest.len());
    &rest[..end]
}

#[test]
fn live_reviews_the_policy_read_from_the_sandbox() {
    let dir = quickstart_copy();
    let p = dir.path();
    let sandbox = |args: &[&str]| {
        let mut all = vec!["--sandbox"];
        all.extend_from_slice(args);
        cmek(&all, p)
    };
    let (code, out, err) = sandbox(&["apply", ".", "--auto-approve"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = sandbox(&["review", ".", "--live", "--out", "live"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = cmek(&["review", ".", "--out", "offline"], p);
    assert_eq!(code, 0, "{out}{err}");
    let live = fs::read_to_string(p.join("live/key.aws.quickstart.md")).unwrap();
    let offline = fs::read_to_string(p.join("offline/key.aws.quickstart.md")).unwrap();
    assert!(live.contains("Generated by `cmek review --live`"), "{live}");
    assert!(
        live.contains("the live key policy, read from AWS KMS"),
        "{live}"
    );
    assert!(live.contains("| Key state | `Enabled` |"), "{live}");
    // Right after apply, the live policy is the one cmek rendered: same access, same answers.
    for title in [
        "## Access summary",
        "## Anthropic's requests",
        "## Anyone else",
    ] {
        assert_eq!(section(&live, title), section(&offline, title), "{title}");
    }
    let (code, out, _) = sandbox(&["review", ".", "--live", "--check", "live"]);
    assert_eq!(code, 0, "{out}");

    // Someone edits the policy in the console: the live review shows it.
    let state: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(p.join("cmek.state.json")).unwrap()).unwrap();
    let arn = state["keys"]["key.aws.quickstart"]["remote_id"]
        .as_str()
        .unwrap()
        .to_string();
    as_sandbox_admin(p, |client| async move {
        let policy = client
            .get_key_policy()
            .key_id(&arn)
            .policy_name("default")
            .send()
            .await
            .unwrap()
            .policy
            .unwrap();
        client
            .put_key_policy()
            .key_id(&arn)
            .policy_name("default")
            .policy(policy.replace(ORG, &ORG.to_uppercase()))
            .send()
            .await
            .unwrap();
    });
    let (code, out, _) = sandbox(&["review", ".", "--live", "--check", "live"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(&ORG.to_uppercase()), "{out}");
    assert!(
        out.contains("+- **PROBLEM** `validation/kms:Encrypt`"),
        "{out}"
    );
    assert!(out.contains("cmek review . --live --out live"), "{out}");
}

#[test]
fn reviews_show_lint_findings_and_suppressions() {
    let dir = quickstart_copy();
    let p = dir.path();
    let spec = fs::read_to_string(p.join("main.cmek.hcl")).unwrap();
    let spec = spec.replace(
        "  description = \"Anthropic CMEK (quickstart)\"\n",
        "  description = \"Anthropic CMEK (quickstart)\"\n  rotation    = false\n",
    );
    fs::write(p.join("main.cmek.hcl"), &spec).unwrap();
    let (code, out, err) = cmek(&["review", ".", "--out", "reviews"], p);
    assert_eq!(code, 0, "{out}{err}");
    let review = fs::read_to_string(p.join("reviews/key.aws.quickstart.md")).unwrap();
    let findings = section(&review, "## Lint findings");
    assert!(
        findings.contains("- **warning** `CMEK-AWS-018`: "),
        "{findings}"
    );

    // Suppressed with a reason: still shown, with the reason.
    let suppressed = spec.replace(
        "key \"aws\" \"quickstart\" {",
        "# cmek:ignore CMEK-AWS-018 rotated by our own tooling\nkey \"aws\" \"quickstart\" {",
    );
    assert_ne!(suppressed, spec);
    fs::write(p.join("main.cmek.hcl"), suppressed).unwrap();
    let (code, out, _) = cmek(&["review", ".", "--check", "reviews"], p);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("+- suppressed warning `CMEK-AWS-018`"),
        "{out}"
    );
    assert!(out.contains("rotated by our own tooling"), "{out}");
}

#[test]
fn spec_errors_are_diagnostics_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(
        dir.path().join("main.cmek.hcl"),
        "anthropic {\n  organization_uuid = \"org_not-a-uuid\"\n}\n",
    )
    .unwrap();
    let (code, _, err) = cmek(&["review", ".", "--out", "reviews"], dir.path());
    assert_eq!(code, 1);
    assert!(err.contains("main.cmek.hcl"), "{err}");
    assert!(!dir.path().join("reviews").exists());
}

#[test]
fn out_or_check_is_required() {
    let dir = quickstart_copy();
    let (code, _, err) = cmek(&["review", "."], dir.path());
    assert_eq!(code, 2, "{err}"); // clap usage error
}
