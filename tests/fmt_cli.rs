//! `cmek fmt` end to end: before/after snapshots of messy fixtures, `--check` diffs, exit
//! codes, in-place rewrites, stdin mode and malformed input.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

fn cmek() -> Command {
    Command::cargo_bin("cmek").unwrap()
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures/fmt"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "hcl"))
        .collect();
    v.sort();
    v
}

/// Formats through stdin, asserting success.
fn fmt_stdin(src: &str) -> String {
    let out = cmek()
        .args(["fmt", "-"])
        .write_stdin(src)
        .assert()
        .success();
    String::from_utf8(out.get_output().stdout.clone()).unwrap()
}

macro_rules! snap {
    ($name:expr, $value:expr) => {
        insta::with_settings!({ snapshot_path => "../snapshots/fmt", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!($name, $value);
        });
    };
}

#[test]
fn fixtures_before_and_after() {
    let files = fixtures();
    assert!(files.len() >= 10, "expected at least 10 fixtures");
    for path in files {
        let name = path.file_stem().unwrap().to_string_lossy().to_string();
        let src = std::fs::read_to_string(&path).unwrap();
        let out = fmt_stdin(&src);
        // Idempotent.
        assert_eq!(fmt_stdin(&out), out, "{name}: not idempotent");
        // Same meaning.
        let a: hcl::Body = hcl::parse(&src).unwrap();
        let b: hcl::Body = hcl::parse(&out).unwrap();
        assert_eq!(a, b, "{name}: meaning changed");
        // Canonical shape.
        assert!(out.is_empty() || out.ends_with('\n') && !out.ends_with("\n\n"));
        assert!(
            out.lines()
                .all(|l| l == l.trim_end() || l.starts_with("      "))
        );
        snap!(
            format!("fixture_{name}"),
            format!("--- before\n{src}\n--- after\n{out}")
        );
    }
}

fn copy_fixture(dir: &Path, name: &str) -> PathBuf {
    let to = dir.join(name);
    std::fs::copy(root().join("tests/fixtures/fmt").join(name), &to).unwrap();
    to
}

#[test]
fn check_prints_diff_and_fails_without_touching_files() {
    let dir = tempfile::tempdir().unwrap();
    let file = copy_fixture(dir.path(), "01_alignment.hcl");
    copy_fixture(dir.path(), "11_already_formatted.hcl");
    let before = std::fs::read_to_string(&file).unwrap();
    let out = cmek()
        .current_dir(dir.path())
        .args(["fmt", "--check", "."])
        .assert()
        .code(1);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    snap!("check_diff", stdout);
    assert!(stderr.contains("1 file is not formatted"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);
}

#[test]
fn check_passes_on_formatted_files() {
    let dir = tempfile::tempdir().unwrap();
    copy_fixture(dir.path(), "11_already_formatted.hcl");
    cmek()
        .current_dir(dir.path())
        .args(["fmt", "--check"])
        .assert()
        .code(0)
        .stdout("");
}

#[test]
fn rewrites_in_place_and_lists_changed_files() {
    let dir = tempfile::tempdir().unwrap();
    let messy = copy_fixture(dir.path(), "05_objects.hcl");
    copy_fixture(dir.path(), "11_already_formatted.hcl");
    let expected = fmt_stdin(&std::fs::read_to_string(&messy).unwrap());
    cmek()
        .current_dir(dir.path())
        .args(["fmt"])
        .assert()
        .code(0)
        .stdout("./05_objects.hcl\n");
    assert_eq!(std::fs::read_to_string(&messy).unwrap(), expected);
    // A second run has nothing to do.
    cmek()
        .current_dir(dir.path())
        .args(["fmt"])
        .assert()
        .code(0)
        .stdout("");
    // No temporary files are left behind.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(names.len(), 2, "{names:?}");
}

#[test]
fn diff_flag_prints_diff_while_rewriting() {
    let dir = tempfile::tempdir().unwrap();
    let file = copy_fixture(dir.path(), "02_indentation.hcl");
    let out = cmek()
        .current_dir(dir.path())
        .args(["fmt", "--diff", "02_indentation.hcl"])
        .assert()
        .code(0);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(stdout.starts_with("--- a/02_indentation.hcl\n+++ b/02_indentation.hcl\n"));
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("  region  = \"us-east-2\"\n")
    );
}

#[test]
fn malformed_input_is_located_and_left_untouched() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("malformed")).unwrap();
    let file = copy_fixture(dir.path(), "malformed/broken.hcl");
    let before = std::fs::read_to_string(&file).unwrap();
    let out = cmek()
        .current_dir(dir.path())
        .args(["fmt", "malformed/broken.hcl"])
        .assert()
        .code(1);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    snap!("malformed_error", stderr);
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);
}

#[test]
fn stdin_mode() {
    let out = fmt_stdin("a=1\nbbb = 2");
    assert_eq!(out, "a   = 1\nbbb = 2\n");
    // --check on stdin: diff and exit 1, or nothing and exit 0.
    let out = cmek()
        .args(["fmt", "--check", "-"])
        .write_stdin("a=1\n")
        .assert()
        .code(1);
    let stdout = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(
        stdout.contains("--- a/<stdin>\n+++ b/<stdin>\n"),
        "{stdout}"
    );
    assert!(stdout.contains("-a=1\n+a = 1\n"), "{stdout}");
    cmek()
        .args(["fmt", "--check", "-"])
        .write_stdin("a = 1\n")
        .assert()
        .code(0)
        .stdout("");
    // Malformed stdin.
    let out = cmek()
        .args(["fmt", "-"])
        .write_stdin("a = \n")
        .assert()
        .code(1);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.starts_with("error: <stdin>:1:"), "{stderr}");
    // `-` only alone.
    cmek().args(["fmt", "-", "x.hcl"]).assert().code(1);
}

#[test]
fn directories_are_recursive_unless_told_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    let nested = copy_fixture(dir.path(), "01_alignment.hcl");
    std::fs::rename(&nested, dir.path().join("sub/main.cmek.hcl")).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "x=1\n").unwrap();
    let out = cmek()
        .current_dir(dir.path())
        .args(["fmt", "--check", "--no-recursive", "."])
        .assert()
        .code(0);
    let stderr = String::from_utf8(out.get_output().stderr.clone()).unwrap();
    assert!(stderr.contains("--no-recursive"), "{stderr}");
    cmek()
        .current_dir(dir.path())
        .args(["fmt", "--check", "."])
        .assert()
        .code(1);
    cmek()
        .current_dir(dir.path())
        .args(["fmt", "--check", "--recursive", "."])
        .assert()
        .code(1);
    cmek()
        .current_dir(dir.path())
        .args(["fmt", "-r", "."])
        .assert()
        .code(0)
        .stdout("./sub/main.cmek.hcl\n");
    // Non-.hcl files in a directory are never touched.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("notes.txt")).unwrap(),
        "x=1\n"
    );
}

#[test]
fn missing_path_is_an_error() {
    cmek().args(["fmt", "does-not-exist"]).assert().code(1);
}
