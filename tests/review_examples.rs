//! Review files of every example and of fixtures, snapshotted under `snapshots/review/`; the
//! committed reviews of every example are current; and review determinism: an escape-hatch
//! policy with reordered statements and differently ordered values reviews identically.

use std::path::{Path, PathBuf};

use cmek::review::{ReviewExtras, ReviewFile, build_reviews_with, lint_findings};
use cmek::spec::{LoadOptions, load};
use cmek::state::LocalBackend;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

fn reviews_of(dir: &Path) -> Vec<ReviewFile> {
    reviews_with_state(dir, true)
}

/// `with_state: false` reviews the spec alone: running an example with `--sandbox` leaves a
/// (git-ignored) state file beside it that must not change what the committed snapshots show.
fn reviews_with_state(dir: &Path, with_state: bool) -> Vec<ReviewFile> {
    let r = load(
        dir,
        &LoadOptions {
            env: Some(Vec::new()),
            ..LoadOptions::default()
        },
    );
    assert!(!r.has_errors(), "{}: {:?}", dir.display(), r.diagnostics);
    let desired = r.desired.unwrap();
    let state = if with_state {
        LocalBackend::new(dir.join("cmek.state.json"))
            .read_sync()
            .unwrap()
    } else {
        None
    };
    let extras = ReviewExtras {
        findings: Some(lint_findings(dir)),
        live: None,
    };
    build_reviews_with(&desired, state.as_ref(), &extras).unwrap()
}

const EXAMPLES: [&str; 7] = [
    "quickstart",
    "aws",
    "gcp",
    "azure",
    "claude-enterprise",
    "claude-platform-aws",
    "modules",
];

/// Copies `src` into `dst`, leaving out state files and the sandbox a developer may have left.
fn copy_spec_tree(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name().to_string_lossy().into_owned();
        if name == ".cmek" || name.contains(".state.json") {
            continue;
        }
        if entry.path().is_dir() {
            copy_spec_tree(&entry.path(), &dst.join(&name));
        } else {
            std::fs::copy(entry.path(), dst.join(&name)).unwrap();
        }
    }
}

/// Every example's committed reviews (`examples/<name>/reviews/`) are what `cmek review`
/// gives now: `cmek review --check` passes on each. Run on a copy laid out like the repository
/// (modules resolve as `../../modules`), without any state a sandbox run left behind.
#[test]
fn committed_example_reviews_are_current() {
    let tmp = tempfile::tempdir().unwrap();
    copy_spec_tree(&root().join("modules"), &tmp.path().join("modules"));
    for example in EXAMPLES {
        let dir = tmp.path().join("examples").join(example);
        copy_spec_tree(&root().join("examples").join(example), &dir);
        assert!(
            dir.join("reviews").is_dir(),
            "examples/{example}/reviews is missing: run `cmek review examples/{example} --out examples/{example}/reviews`"
        );
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_cmek"))
            .args(["review", ".", "--check", "reviews"])
            .current_dir(&dir)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "examples/{example}: reviews are stale:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => "../snapshots/review", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn every_example_has_a_review_per_key() {
    for example in EXAMPLES {
        let files = reviews_with_state(&root().join("examples").join(example), false);
        assert!(!files.is_empty(), "{example}: no reviews");
        for f in files {
            assert!(f.content.ends_with("```\n"), "{example}/{}", f.name);
            snapshot(
                &format!("{example}__{}", f.name.trim_end_matches(".md")),
                &f.content,
            );
        }
    }
}

#[test]
fn protection_history_shows_formerly_attached_workspaces() {
    let files = reviews_of(&root().join("tests/fixtures/review/history"));
    assert_eq!(files.len(), 1);
    let review = &files[0].content;
    // The formerly attached workspace keeps its compartment in the policy and its row.
    assert!(review.contains(
        "| `wrkspc_01OldOldOldOldOldOldOldOl` | (no longer in the spec) | formerly attached | `0a0b0c0d-1111-4222-8333-444455556666` |"
    ));
    assert!(review.contains("\"0a0b0c0d-1111-4222-8333-444455556666\""));
    // The workspace not attached yet has no compartment offline.
    assert!(review.contains(
        "| `wrkspc_01NewNewNewNewNewNewNewNe` | `workspace.newbie` | to attach | (assigned by Anthropic at attach) |"
    ));
    assert!(review.contains("`9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d` (bound per state)"));
    snapshot("history__key.aws.prod", review);
}

const ESCAPE_HATCH_HCL: &str = r#"
anthropic {
  organization_uuid = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
  platform          = "claude_platform"
}

key "aws" "custom" {
  region      = "us-east-2"
  description = "hand-written policy"
  policy      = file("policy.json")
}
"#;

const POLICY_A: &str = r#"{
  "Version": "2012-10-17",
  "Statement": [
    {"Sid": "Root", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "kms:*", "Resource": "*"},
    {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::915198916910:role/anthropic-cmek-client-us"},
     "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*",
     "Condition": {"StringEquals": {"kms:EncryptionContext:anthropic:org_uuid": "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"}}},
    {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::444455556666:role/Auditor", "arn:aws:iam::915198916910:role/anthropic-cmek-client-us"]},
     "Action": "kms:DescribeKey", "Resource": "*"}
  ]
}"#;

const POLICY_B: &str = r#"{
  "Statement": [
    {"Resource": ["*"], "Action": ["kms:DescribeKey"], "Effect": "Allow",
     "Principal": {"AWS": ["arn:aws:iam::915198916910:role/anthropic-cmek-client-us", "arn:aws:iam::444455556666:role/Auditor"]}},
    {"Condition": {"StringEquals": {"kms:encryptioncontext:anthropic:org_uuid": ["4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"]}},
     "Effect": "Allow", "Resource": "*", "Action": ["kms:Decrypt", "kms:Encrypt"],
     "Principal": {"AWS": "arn:aws:iam::915198916910:role/anthropic-cmek-client-us"}},
    {"Action": "kms:*", "Sid": "Root", "Effect": "Allow", "Resource": "*", "Principal": {"AWS": "111122223333"}}
  ],
  "Version": "2012-10-17"
}"#;

fn escape_hatch_dir(policy: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("main.cmek.hcl"), ESCAPE_HATCH_HCL).unwrap();
    std::fs::write(dir.path().join("policy.json"), policy).unwrap();
    dir
}

#[test]
fn reordered_escape_hatch_policy_reviews_identically() {
    let a = escape_hatch_dir(POLICY_A);
    let b = escape_hatch_dir(POLICY_B);
    let ra = reviews_of(a.path());
    let rb = reviews_of(b.path());
    assert_eq!(ra, rb);
    let review = &ra[0].content;
    assert!(review.contains("escape hatch"));
    // The auditor in another account is somebody else.
    assert!(review.contains("`arn:aws:iam::444455556666:role/Auditor`: kms:DescribeKey"));
    snapshot("escape_hatch__key.aws.custom", review);
}
