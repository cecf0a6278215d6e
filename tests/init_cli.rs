//! `cmek init` end to end: the generated files per provider and platform (snapshotted),
//! canonical formatting, refusal to overwrite, `--force`, and `.gitignore` merging.

use assert_cmd::Command;

fn cmek() -> Command {
    Command::cargo_bin("cmek").unwrap()
}

macro_rules! snap {
    ($name:expr, $value:expr) => {
        insta::with_settings!({ snapshot_path => "../snapshots/init", prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!($name, $value);
        });
    };
}

fn stdout_of(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(a.get_output().stdout.clone()).unwrap()
}

fn stderr_of(a: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(a.get_output().stderr.clone()).unwrap()
}

fn check_generated(dir: &std::path::Path, name: &str) {
    let config = std::fs::read_to_string(dir.join("main.cmek.hcl")).unwrap();
    let gitignore = std::fs::read_to_string(dir.join(".gitignore")).unwrap();
    // fmt-clean, through the library and through the command.
    assert_eq!(cmek::fmt::format_source(&config).unwrap(), config);
    cmek()
        .current_dir(dir)
        .args(["fmt", "--check", "."])
        .assert()
        .code(0);
    // Valid HCL with the blocks of DESIGN §3.
    let body: hcl::Body = hcl::parse(&config).unwrap();
    for block in ["anthropic", "backend", "provider", "key", "external_key"] {
        assert!(
            body.blocks().any(|b| b.identifier() == block),
            "{name}: no {block} block"
        );
    }
    // Placeholders are marked; the org placeholder is not the all-zeros UUID.
    assert!(config.contains("TODO"));
    assert!(!config.contains("00000000-0000-0000-0000-000000000000"));
    for pattern in [
        "*.state.json",
        "*.state.json.backup",
        "*.state.json.lock",
        ".cmek/",
    ] {
        assert!(gitignore.lines().any(|l| l == pattern), "{pattern}");
    }
    snap!(format!("{name}_main.cmek.hcl"), config);
    // The .gitignore is the same for every provider; one snapshot is enough.
    if name == "aws" {
        snap!("gitignore", gitignore);
    }
}

#[test]
fn each_provider_and_platform() {
    let cases = [
        ("aws", "claude_platform"),
        ("gcp", "claude_platform"),
        ("azure", "claude_platform"),
        ("aws", "claude_platform_aws"),
        ("aws", "claude_enterprise"),
        ("gcp", "claude_enterprise"),
        ("azure", "claude_enterprise"),
    ];
    for (provider, platform) in cases {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("cmek");
        let a = cmek()
            .args(["init", dir.to_str().unwrap(), "--provider", provider])
            .args(["--platform", platform])
            .assert()
            .code(0);
        let out = stdout_of(&a);
        assert!(out.contains("cmek validate"), "{out}");
        assert!(out.contains("cmek plan --sandbox"), "{out}");
        let config = std::fs::read_to_string(dir.join("main.cmek.hcl")).unwrap();
        assert!(config.contains(&format!("platform = \"{platform}\"")));
        assert!(config.contains(&format!("key \"{provider}\" \"main\"")));
        let name = if platform == "claude_platform" {
            provider.to_string()
        } else {
            format!("{provider}_{platform}")
        };
        check_generated(&dir, &name);
    }
}

#[test]
fn recommended_us_regions() {
    let tmp = tempfile::tempdir().unwrap();
    for (provider, needle) in [
        ("aws", "region      = \"us-east-2\""),
        ("gcp", "location         = \"us-east5\""),
        ("azure", "eastus2"),
    ] {
        let dir = tmp.path().join(provider);
        cmek()
            .args(["init", dir.to_str().unwrap(), "--provider", provider])
            .assert()
            .code(0);
        let config = std::fs::read_to_string(dir.join("main.cmek.hcl")).unwrap();
        assert!(config.contains(needle), "{provider}: {needle}");
    }
}

#[test]
fn default_dir_is_current_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let a = cmek()
        .current_dir(tmp.path())
        .args(["init", "--provider", "aws"])
        .assert()
        .code(0);
    snap!("next_steps", stdout_of(&a));
    assert!(tmp.path().join("main.cmek.hcl").is_file());
}

#[test]
fn refuses_to_overwrite_without_force() {
    let tmp = tempfile::tempdir().unwrap();
    let config = tmp.path().join("main.cmek.hcl");
    std::fs::write(&config, "# mine\n").unwrap();
    let a = cmek()
        .current_dir(tmp.path())
        .args(["init", "--provider", "gcp"])
        .assert()
        .code(1);
    let err = stderr_of(&a);
    assert!(
        err.contains("already holds a cmek config (main.cmek.hcl)"),
        "{err}"
    );
    assert!(err.contains("--force"), "{err}");
    assert_eq!(std::fs::read_to_string(&config).unwrap(), "# mine\n");
    // Nothing else was written either.
    assert!(!tmp.path().join(".gitignore").exists());

    cmek()
        .current_dir(tmp.path())
        .args(["init", "--provider", "gcp", "--force"])
        .assert()
        .code(0);
    assert!(
        std::fs::read_to_string(&config)
            .unwrap()
            .contains("key \"gcp\" \"main\"")
    );
}

#[test]
fn refuses_when_another_config_file_exists() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("keys.hcl"), "anthropic {}\n").unwrap();
    let a = cmek()
        .current_dir(tmp.path())
        .args(["init", "--provider", "aws"])
        .assert()
        .code(1);
    assert!(stderr_of(&a).contains("keys.hcl"));
    assert!(!tmp.path().join("main.cmek.hcl").exists());
}

#[test]
fn existing_gitignore_is_extended_not_replaced() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join(".gitignore");
    std::fs::write(&path, "target/\n*.state.json\n").unwrap();
    let a = cmek()
        .current_dir(tmp.path())
        .args(["init", "--provider", "azure"])
        .assert()
        .code(0);
    assert!(stdout_of(&a).contains("Updated ./.gitignore"));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.starts_with("target/\n*.state.json\n"));
    assert_eq!(text.matches("*.state.json\n").count(), 1);
    assert!(text.contains(".cmek/\n"));
}

#[test]
fn platform_on_aws_needs_aws() {
    let tmp = tempfile::tempdir().unwrap();
    let a = cmek()
        .current_dir(tmp.path())
        .args([
            "init",
            "--provider",
            "gcp",
            "--platform",
            "claude_platform_aws",
        ])
        .assert()
        .code(1);
    assert!(stderr_of(&a).contains("--provider aws"));
    assert!(!tmp.path().join("main.cmek.hcl").exists());
}

#[test]
fn provider_is_required() {
    let tmp = tempfile::tempdir().unwrap();
    cmek()
        .current_dir(tmp.path())
        .args(["init"])
        .assert()
        .failure();
}
