//! `cmek validate` end to end: exit codes, success line, text and JSON diagnostics, `--var`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn fixture(p: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/spec")
        .join(p)
}

fn cmek() -> Command {
    let mut c = Command::cargo_bin("cmek").unwrap();
    c.env_remove("CMEK_VAR_org").env_remove("CMEK_VAR_region");
    c
}

#[test]
fn valid_config_exits_zero() {
    let out = cmek()
        .arg("validate")
        .arg(fixture("ok/all_blocks"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Success! The configuration is valid.\n"
    );
}

#[test]
fn broken_config_exits_one_with_located_text() {
    let out = cmek()
        .arg("validate")
        .arg(fixture("broken/many_errors"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("error[spec::unknown-attribute]"), "{err}");
    assert!(err.contains("--> main.hcl:6:3"), "{err}");
    assert!(err.contains("did you mean `region`?"), "{err}");
    assert!(err.contains("error: 7 errors in "), "{err}");
    assert!(!err.contains('\x1b'), "no color when not a terminal");
    assert!(out.stdout.is_empty());
}

#[test]
fn json_format() {
    let out = cmek()
        .args(["validate", "--format", "json"])
        .arg(fixture("broken/org_prefix"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v[0]["code"], "spec::org-uuid");
    assert_eq!(v[0]["line"], 2);
    assert_eq!(v[0]["column"], 23);
    let ok = cmek()
        .args(["validate", "--format", "json"])
        .arg(fixture("ok/defaults"))
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&ok.stdout).trim(), "[]");
}

#[test]
fn vars_and_var_files_from_the_command_line() {
    let dir = fixture("ok/variables");
    let out = cmek()
        .arg("validate")
        .arg(&dir)
        .args(["--var", "org=4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"])
        .arg("--var-file")
        .arg(dir.join("second.json"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cmek().arg("validate").arg(&dir).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("variable `org` has no value"));
    let out = cmek()
        .arg("validate")
        .arg(&dir)
        .env("CMEK_VAR_org", "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f")
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn secret_on_the_command_line_is_redacted() {
    let out = cmek()
        .arg("validate")
        .arg(fixture("ok/variables"))
        .args(["--var", "org=sk-ant-admin01-TOPSECRETVALUE"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("TOPSECRETVALUE"), "{err}");
    assert!(err.contains("<command line>:1:11"), "{err}");
}
