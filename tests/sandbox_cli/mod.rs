//! Shared by the tests that drive the real `cmek` binary against the sandbox (`e2e_platform_aws`,
//! `e2e_enterprise`, `import_cli`, `lint_live`, `verify_cli`): a temp copy of an example's spec
//! files, `cmek --sandbox` runs, the sandbox's request log and state files, and redaction of
//! generated ids for snapshots.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use cmek::sandbox::log::{RequestLog, RequestLogEntry};

pub const ORG: &str = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";

/// A temp dir holding the `*.hcl` files of `examples/<name>` (no reviews, state or sandbox).
pub fn example(name: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name);
    for entry in std::fs::read_dir(&src).unwrap() {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|e| e == "hcl") {
            std::fs::copy(entry.path(), tmp.path().join(entry.file_name())).unwrap();
        }
    }
    tmp
}

/// Runs `cmek --sandbox ARGS` in `dir` without any real admin key: (exit code, stdout, stderr).
pub fn cmek(dir: &Path, args: &[&str]) -> (i32, String, String) {
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

pub fn spec_path(dir: &Path) -> PathBuf {
    dir.join("main.cmek.hcl")
}

pub fn read_spec(dir: &Path) -> String {
    std::fs::read_to_string(spec_path(dir)).unwrap()
}

/// Writes the spec after checking the edit changed something.
pub fn write_spec(dir: &Path, original: &str, edited: &str) {
    assert_ne!(edited, original, "the edit did not apply");
    std::fs::write(spec_path(dir), edited).unwrap();
}

pub fn requests(dir: &Path) -> Vec<RequestLogEntry> {
    RequestLog::read_entries(dir.join(".cmek/sandbox/requests.jsonl")).unwrap()
}

pub fn json_file(path: PathBuf) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

pub fn state(dir: &Path) -> serde_json::Value {
    json_file(dir.join("cmek.state.json"))
}

/// The Admin API emulator's organization as persisted.
pub fn organization(dir: &Path) -> serde_json::Value {
    json_file(dir.join(".cmek/sandbox/anthropic.json"))
}

/// Asserts that none of `entries` changes anything (no create, update, put, delete, disable,
/// schedule): what a refused plan or apply may send is reads only.
pub fn assert_read_only(what: &str, entries: &[RequestLogEntry]) {
    for entry in entries {
        let op = entry.operation.as_str();
        assert!(
            ![
                "Delete", "Disable", "Schedule", "Create", "Put", "Update", "Validate"
            ]
            .iter()
            .any(|p| op.starts_with(p)),
            "{what}: a call after a refusal: {entry:?}"
        );
    }
}

/// Replaces generated ids (key ids, ekey ids, lineages, compartments) with placeholders.
/// Generated ids (`ekey_…`, `key/…`, UUIDs other than the org's and the all-zeros one) become
/// placeholders; text that only looks like an id prefix is left alone.
pub fn redact(text: &str) -> String {
    let mut out = String::new();
    for line in text.lines() {
        let mut l = line.to_string();
        for (prefix, len, name) in [("ekey_", 24, "ekey_[ID]"), ("key/", 36, "key/[ID]")] {
            let mut from = 0;
            while let Some(i) = l[from..].find(prefix).map(|i| i + from) {
                let end = (i + prefix.len() + len).min(l.len());
                let body = &l[i + prefix.len()..end];
                if body.len() < len || !body.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                {
                    from = i + prefix.len();
                    continue;
                }
                l.replace_range(i..end, name);
                from = i + name.len();
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

pub fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => "../../snapshots/e2e", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, redact(text));
    });
}

/// Runs `f` with an AWS SDK client acting as the sandbox admin against the world saved in `dir`:
/// how tests change keys behind cmek's back.
pub fn as_sandbox_admin<F, Fut>(dir: &Path, f: F)
where
    F: FnOnce(aws_sdk_kms::Client) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let world = cmek::sandbox::world::SandboxWorld::start(dir, ORG, &[])
            .await
            .unwrap();
        let config = aws_sdk_kms::Config::builder()
            .behavior_version(aws_sdk_kms::config::BehaviorVersion::latest())
            .region(aws_sdk_kms::config::Region::new("us-east-2"))
            .endpoint_url(world.endpoints().kms_url.clone())
            .credentials_provider(aws_sdk_kms::config::Credentials::new(
                cmek::sandbox::kms::identity::SANDBOX_ADMIN_ACCESS_KEY_ID,
                cmek::sandbox::kms::identity::SANDBOX_SECRET_ACCESS_KEY,
                None,
                None,
                "test",
            ))
            .build();
        f(aws_sdk_kms::Client::from_conf(config)).await;
        world.shutdown().await.unwrap();
    });
}
