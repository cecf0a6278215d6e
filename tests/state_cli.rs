//! `cmek state list|show|pull|push` end to end through the binary.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

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

/// A config dir holding the valid fixture as its state.
fn dir_with_valid_state() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    fs::copy(fixture("valid.json"), dir.path().join("cmek.state.json")).unwrap();
    dir
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => "../snapshots/state", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, text);
    });
}

#[test]
fn list_is_in_address_order_one_per_line() {
    let dir = dir_with_valid_state();
    let (code, out, err) = cmek(&["state", "list", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    snapshot("state_list", &out);
    let addresses: Vec<cmek::address::Address> = out.lines().map(|l| l.parse().unwrap()).collect();
    let mut sorted = addresses.clone();
    sorted.sort();
    assert_eq!(addresses, sorted);
    // Pending creates and forgotten entries are not managed addresses.
    assert!(!out.contains("key.azure.dr"));
    assert!(!out.contains("workspace.legacy"));
}

#[test]
fn list_without_state_is_empty() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = cmek(&["state", "list", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(out.is_empty());
    assert!(err.contains("no state at"), "{err}");
}

#[test]
fn show_renders_each_kind_with_protection_history() {
    let dir = dir_with_valid_state();
    let d = dir.path().to_str().unwrap();
    for address in [
        "key.aws.prod",
        "module.analytics.key.gcp.main",
        "external_key.prod",
        "workspace.prod",
        "workspace.legacy",
        "key.azure.dr",
    ] {
        let (code, out, err) = cmek(&["state", "show", address, d]);
        assert_eq!(code, 0, "{address}: {err}");
        snapshot(&format!("state_show_{}", address.replace('.', "_")), &out);
    }
}

#[test]
fn show_unknown_address_suggests_the_closest() {
    let dir = dir_with_valid_state();
    let d = dir.path().to_str().unwrap();
    let (code, out, err) = cmek(&["state", "show", "key.aws.prd", d]);
    assert_eq!(code, 1);
    assert!(out.is_empty());
    assert!(err.contains("did you mean `key.aws.prod`?"), "{err}");
    let (code, _, err) = cmek(&["state", "show", "key.oracle.prod", d]);
    assert_eq!(code, 1);
    assert!(err.contains("is not a cloud"), "{err}");
}

#[test]
fn pull_then_push_round_trips_and_bumps_the_serial() {
    let dir = dir_with_valid_state();
    let d = dir.path().to_str().unwrap();
    let (code, pulled, err) = cmek(&["state", "pull", d]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&pulled).unwrap();
    assert_eq!(v["serial"], 7);
    assert_eq!(
        v["keys"]["key.aws.prod"]["protection"]["workspaces_served"][0]["compartment_id"],
        "7d3b9c1e-2f4a-4b6c-8d0e-1f2a3b4c5d6e"
    );

    // Same serial, same content: accepted (a no-op content-wise), serial moves on.
    let file = dir.path().join("pulled.json");
    fs::write(&file, &pulled).unwrap();
    let (code, out, err) = cmek(&["state", "push", file.to_str().unwrap(), d]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("serial 7 -> 8"), "{out}");
    let backup = fs::read_to_string(dir.path().join("cmek.state.json.backup")).unwrap();
    assert_eq!(backup, fs::read_to_string(fixture("valid.json")).unwrap());

    // Now the pulled file (serial 7) is older than the state (serial 8).
    let (code, _, err) = cmek(&["state", "push", file.to_str().unwrap(), d]);
    assert_eq!(code, 1);
    assert!(err.contains("older than the serial 8"), "{err}");
    assert!(err.contains("--force"), "{err}");
    let (code, out, err) = cmek(&["state", "push", "--force", file.to_str().unwrap(), d]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("serial 8 -> 9"), "{out}");
    // No lock left behind.
    assert!(!dir.path().join("cmek.state.json.lock").exists());
}

#[test]
fn push_refuses_another_lineage_even_with_force() {
    let dir = dir_with_valid_state();
    let d = dir.path().to_str().unwrap();
    let other = fs::read_to_string(fixture("valid.json")).unwrap().replace(
        "6f0b2a48-1f2e-4b1c-9d7e-3a5b6c7d8e9f",
        "11111111-2222-4333-8444-555555555555",
    );
    let file = dir.path().join("other.json");
    fs::write(&file, other).unwrap();
    let before = fs::read(dir.path().join("cmek.state.json")).unwrap();
    for extra in [vec![], vec!["--force"]] {
        let mut args = vec!["state", "push"];
        args.extend(extra);
        args.extend([file.to_str().unwrap(), d]);
        let (code, _, err) = cmek(&args);
        assert_eq!(code, 1);
        assert!(err.contains("state lineage mismatch"), "{err}");
    }
    assert_eq!(
        fs::read(dir.path().join("cmek.state.json")).unwrap(),
        before
    );
}

#[test]
fn push_same_serial_different_content_needs_force() {
    let dir = dir_with_valid_state();
    let d = dir.path().to_str().unwrap();
    let changed = fs::read_to_string(fixture("valid.json"))
        .unwrap()
        .replace("Production CMEK", "Prod CMEK");
    let file = dir.path().join("changed.json");
    fs::write(&file, changed).unwrap();
    let (code, _, err) = cmek(&["state", "push", file.to_str().unwrap(), d]);
    assert_eq!(code, 1);
    assert!(err.contains("same serial (7)"), "{err}");
}

#[test]
fn push_into_an_empty_directory_creates_the_state() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().to_str().unwrap();
    let (code, out, err) = cmek(&["state", "push", fixture("valid.json").to_str().unwrap(), d]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("serial 7 -> 8"), "{out}");
    let (_, list, _) = cmek(&["state", "list", d]);
    assert_eq!(list.lines().count(), 4);
}

#[test]
fn push_waits_for_or_reports_the_lock() {
    let dir = dir_with_valid_state();
    let d = dir.path().to_str().unwrap();
    let lock = cmek::state::LockFile::for_state(&dir.path().join("cmek.state.json"));
    let guard = lock.try_acquire("apply").unwrap().unwrap();
    let (code, _, err) = cmek(&[
        "state",
        "push",
        "--lock-timeout",
        "300ms",
        fixture("valid.json").to_str().unwrap(),
        d,
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("state is locked"), "{err}");
    assert!(
        err.contains(&format!("cmek force-unlock {}", guard.id())),
        "{err}"
    );
    assert!(err.contains("waited 300ms"), "{err}");
    let (code, _, err) = cmek(&["state", "push", "--lock-timeout", "soon", "x", d]);
    assert_eq!(code, 2, "clap usage error: {err}");
    assert!(err.contains("is not a duration"), "{err}");
}
