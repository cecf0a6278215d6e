//! Every kind of wrong state file gets a clear error that names the file and what is wrong, and
//! nothing is written: not the state, not a backup, not a lock.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const CASES: &[&str] = &[
    "empty.json",
    "truncated.json",
    "corrupt.json",
    "array.json",
    "future.json",
    "terraform.tfstate",
    "terraform-plan.json",
    "plan.json",
    "no-format-version.json",
    "bad-format-version.json",
    "bad-lineage.json",
    "bad-serial.json",
    "bad-address.json",
    "wrong-kind.json",
    "duplicate-id.json",
];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/state")
        .join(name)
}

fn cmek(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cmek"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn each_bad_state_file_is_refused_clearly_and_left_untouched() {
    for case in CASES {
        let dir = tempfile::tempdir().unwrap();
        let state_path = dir.path().join("cmek.state.json");
        fs::copy(fixture(case), &state_path).unwrap();
        let before = fs::read(&state_path).unwrap();
        let d = dir.path().to_str().unwrap();

        let valid = fixture("valid.json");
        let valid = valid.to_str().unwrap();
        for args in [
            vec!["state", "list", d],
            vec!["state", "show", "key.aws.prod", d],
            vec!["state", "pull", d],
            vec!["state", "push", valid, d],
        ] {
            let (code, stdout, stderr) = cmek(&args);
            assert_eq!(code, 1, "{case} {args:?}: {stderr}");
            assert!(stdout.is_empty(), "{case} {args:?}: {stdout}");
            assert!(
                stderr.contains(state_path.to_str().unwrap()),
                "{case}: {stderr}"
            );
            assert_eq!(
                fs::read(&state_path).unwrap(),
                before,
                "{case}: state changed"
            );
            assert_eq!(
                listing(dir.path()),
                ["cmek.state.json"],
                "{case}: files written"
            );
        }

        // The library says the same as the CLI.
        let err = cmek::state::parse_state(&state_path, &before).unwrap_err();
        let (_, _, stderr) = cmek(&["state", "list", d]);
        assert_eq!(stderr, format!("error: {err}\n"));

        let message = stderr.replace(d, "[DIR]");
        let name = format!("bad_input_{}", case.replace(['.', '-'], "_"));
        insta::with_settings!({ snapshot_path => "../snapshots/state", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!(name, message);
        });
    }
}

#[test]
fn a_bad_file_is_never_pushed() {
    let dir = tempfile::tempdir().unwrap();
    let state_path = dir.path().join("cmek.state.json");
    fs::copy(fixture("valid.json"), &state_path).unwrap();
    let before = fs::read(&state_path).unwrap();
    for case in CASES {
        let (code, _, stderr) = cmek(&[
            "state",
            "push",
            fixture(case).to_str().unwrap(),
            dir.path().to_str().unwrap(),
        ]);
        assert_eq!(code, 1, "{case}");
        assert!(stderr.contains(case), "{case}: {stderr}");
        assert_eq!(fs::read(&state_path).unwrap(), before);
        assert_eq!(listing(dir.path()), ["cmek.state.json"]);
    }
}

#[test]
fn newer_patch_fields_are_tolerated_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let state_path = dir.path().join("cmek.state.json");
    fs::copy(fixture("newer-patch.json"), &state_path).unwrap();
    let (code, stdout, stderr) = cmek(&["state", "list", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, "workspace.prod\n");
    let (code, pulled, _) = cmek(&["state", "pull", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&pulled).unwrap();
    assert_eq!(v["check_history"][0]["ok"], true);
    assert_eq!(v["workspaces"]["workspace.prod"]["archived"], false);
}
