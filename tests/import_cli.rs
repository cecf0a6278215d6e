//! `cmek import` end to end: the real binary with `--sandbox`, in a temp copy of
//! examples/quickstart. Remote objects are made out of band, as a customer's existing ones
//! would be: directly with the AWS SDK against the KMS emulator and with the Admin API client,
//! or by an apply whose state is then lost.
//!
//! Checked: import of each kind (a key by alias, by ARN and by key id; a registration; a
//! workspace), the statement-level diff of an imported key whose live policy differs from the
//! rendered one, protection recorded at once for an attached workspace (then SAFE003 and SAFE001
//! refuse), `import` blocks in plan and apply, and every bad input leaving the state untouched.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

use aws_sdk_kms::config::{BehaviorVersion, Credentials, Region};
use cmek::anthropic::api_key::ApiKey;
use cmek::anthropic::client::{AdminClient, ClientOptions};
use cmek::anthropic::retry::RetryPolicy;
use cmek::anthropic::types::{CreateExternalKey, ProviderConfig};
use cmek::sandbox::kms::identity::{SANDBOX_ADMIN_ACCESS_KEY_ID, SANDBOX_SECRET_ACCESS_KEY};
use cmek::sandbox::log::RequestLog;
use cmek::sandbox::world::SandboxWorld;

mod sandbox_cli;
use sandbox_cli::{ORG, cmek, redact, spec_path};

fn quickstart() -> tempfile::TempDir {
    sandbox_cli::example("quickstart")
}

const RESEARCH: &str = "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ";
const SUPPORT: &str = "wrkspc_01JwfJBd0Kh8oOOL8dKLzdocJ2";
const ALIAS: &str = "alias/anthropic-cmek-quickstart";
const ANTHROPIC_ROLE: &str = "arn:aws:iam::915198916910:role/anthropic-cmek-client-us";

fn state_path(dir: &Path) -> PathBuf {
    dir.join("cmek.state.json")
}

fn state(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(state_path(dir)).unwrap()).unwrap()
}

/// The state file's bytes, or `None` when there is none.
fn state_bytes(dir: &Path) -> Option<Vec<u8>> {
    std::fs::read(state_path(dir)).ok()
}

fn snapshot(name: &str, text: &str) {
    insta::with_settings!({ snapshot_path => "../snapshots/import", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!(name, redact(text));
    });
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn kms_client(world: &SandboxWorld, region: &str) -> aws_sdk_kms::Client {
    let config = aws_sdk_kms::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(world.endpoints().kms_url.clone())
        .credentials_provider(Credentials::new(
            SANDBOX_ADMIN_ACCESS_KEY_ID,
            SANDBOX_SECRET_ACCESS_KEY,
            None,
            None,
            "test",
        ))
        .build();
    aws_sdk_kms::Client::from_conf(config)
}

fn admin_client(world: &SandboxWorld) -> AdminClient {
    let ep = world.endpoints();
    AdminClient::new(
        &ep.admin_api_url,
        ApiKey::new(ep.admin_api_key.clone()).unwrap(),
        ClientOptions {
            retry: RetryPolicy::none(),
            ..ClientOptions::default()
        },
    )
    .unwrap()
}

/// A key policy as the June 2026 docs had it: no organization condition, no compartments.
fn june_policy() -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountRootAdmin",
                "Effect": "Allow",
                "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
                "Action": "kms:*",
                "Resource": "*"
            },
            {
                "Sid": "AllowAnthropicCMEKCrypto",
                "Effect": "Allow",
                "Principal": {"AWS": ANTHROPIC_ROLE},
                "Action": ["kms:Encrypt", "kms:Decrypt"],
                "Resource": "*"
            },
            {
                "Sid": "AllowAnthropicCMEKDescribe",
                "Effect": "Allow",
                "Principal": {"AWS": ANTHROPIC_ROLE},
                "Action": "kms:DescribeKey",
                "Resource": "*"
            }
        ]
    })
    .to_string()
}

/// What was made out of band.
struct OutOfBand {
    arn: String,
    key_id: String,
    ekey: String,
}

/// Makes, outside cmek, a key in `region` with the June-era policy and the quickstart alias
/// (when `alias`), and a registration of it at Anthropic.
fn make_out_of_band(dir: &Path, region: &str, alias: bool) -> OutOfBand {
    runtime().block_on(async {
        let world = SandboxWorld::start(dir, ORG, &[RESEARCH.to_string(), SUPPORT.to_string()])
            .await
            .unwrap();
        let kms = kms_client(&world, region);
        let created = kms
            .create_key()
            .policy(june_policy())
            .description("Anthropic CMEK (quickstart)")
            .send()
            .await
            .unwrap();
        let meta = created.key_metadata.unwrap();
        let arn = meta.arn.unwrap();
        let key_id = meta.key_id;
        kms.enable_key_rotation().key_id(&arn).send().await.unwrap();
        if alias {
            kms.create_alias()
                .alias_name(ALIAS)
                .target_key_id(&key_id)
                .send()
                .await
                .unwrap();
        }
        let ekey = admin_client(&world)
            .create_external_key(&CreateExternalKey {
                provider_config: ProviderConfig::Aws {
                    kms_arn: arn.clone(),
                    region: Some(region.to_string()),
                },
                display_name: Some("Quickstart CMEK".to_string()),
                geo: Some("us".to_string()),
            })
            .await
            .unwrap();
        world.shutdown().await.unwrap();
        OutOfBand {
            arn,
            key_id,
            ekey: ekey.id,
        }
    })
}

/// Applies the quickstart (key, registration, both workspaces attached), then loses the state:
/// every object exists and is attached, and cmek knows none of them.
fn applied_then_state_lost(dir: &Path) -> (String, String) {
    let (code, out, err) = cmek(dir, &["apply", ".", "--auto-approve"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    let s = state(dir);
    let arn = s["keys"]["key.aws.quickstart"]["remote_id"]
        .as_str()
        .unwrap()
        .to_string();
    let ekey = s["external_keys"]["external_key.quickstart"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    std::fs::remove_file(state_path(dir)).unwrap();
    for entry in std::fs::read_dir(dir).unwrap() {
        let p = entry.unwrap().path();
        if p.to_string_lossy().contains("cmek.state.json") {
            std::fs::remove_file(p).unwrap();
        }
    }
    (arn, ekey)
}

fn requests_after(dir: &Path, before: usize) -> Vec<String> {
    RequestLog::read_entries(dir.join(".cmek/sandbox/requests.jsonl"))
        .unwrap()
        .into_iter()
        .skip(before)
        .map(|e| e.operation)
        .collect()
}

fn request_count(dir: &Path) -> usize {
    RequestLog::read_entries(dir.join(".cmek/sandbox/requests.jsonl"))
        .map(|v| v.len())
        .unwrap_or(0)
}

/// Import only reads: no create, put, update, attach or anything destructive reaches the world.
fn assert_read_only(ops: &[String]) {
    for op in ops {
        let read = op.starts_with("Describe")
            || op.starts_with("Get")
            || op.starts_with("List")
            || op.starts_with("get")
            || op.starts_with("list")
            || op.starts_with("Read")
            || op.starts_with("Retrieve")
            || op == "sts:GetCallerIdentity";
        assert!(read, "import made a non-read call: {op} (all: {ops:?})");
    }
}

#[test]
fn imports_an_out_of_band_key_and_registration_and_shows_the_statement_diff() {
    let tmp = quickstart();
    let dir = tmp.path();
    let made = make_out_of_band(dir, "us-east-2", true);

    // The key by its alias: the state records the key ARN.
    let before = request_count(dir);
    let (code, out, err) = cmek(dir, &["import", "key.aws.quickstart", ALIAS]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert_read_only(&requests_after(dir, before));
    snapshot("key_by_alias", &out);
    assert!(
        out.contains(&format!("resolves to `{}`", made.arn)),
        "{out}"
    );
    let s = state(dir);
    let entry = &s["keys"]["key.aws.quickstart"];
    assert_eq!(entry["remote_id"], made.arn.as_str());
    assert_eq!(entry["origin"], "imported");
    // The live policy lacks the organization condition: the statement diff says so.
    assert!(
        out.contains("update key access") && out.contains("AllowAnthropicCMEKCrypto"),
        "{out}"
    );
    assert!(out.contains(ORG), "the diff names the org condition: {out}");

    // The registration by its id.
    let (code, out, err) = cmek(dir, &["import", "external_key.quickstart", &made.ekey]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    snapshot("registration", &out);
    let s = state(dir);
    assert_eq!(
        s["external_keys"]["external_key.quickstart"]["id"],
        made.ekey.as_str()
    );
    assert_eq!(
        s["external_keys"]["external_key.quickstart"]["key"],
        "key.aws.quickstart"
    );

    // The plan that follows: the key's policy is rewritten (statement by statement), nothing is
    // created again, and the workspaces are attached to the imported registration.
    let (code, out, err) = cmek(dir, &["plan", ".", "--detailed-exitcode"]);
    assert_eq!(code, 2, "stdout:\n{out}\nstderr:\n{err}");
    snapshot("plan_after_import", &out);
    assert!(!out.contains("create key"), "{out}");
    assert!(!out.contains("register key.aws.quickstart"), "{out}");

    // Apply converges on the imported objects.
    let (code, out, err) = cmek(dir, &["apply", ".", "--auto-approve"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    let (code, out, _) = cmek(dir, &["plan", ".", "--detailed-exitcode"]);
    assert_eq!(code, 0, "not converged:\n{out}");
    let s = state(dir);
    assert_eq!(
        s["keys"]["key.aws.quickstart"]["remote_id"],
        made.arn.as_str()
    );
}

#[test]
fn imports_a_key_by_arn_and_by_key_id() {
    let tmp = quickstart();
    let dir = tmp.path();
    let made = make_out_of_band(dir, "us-east-2", false);
    let (code, out, err) = cmek(dir, &["import", ".", "key.aws.quickstart", &made.arn]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert!(out.starts_with(&format!("Imported key.aws.quickstart: {}", made.arn)));
    std::fs::remove_file(state_path(dir)).unwrap();
    let (code, out, err) = cmek(
        dir,
        &[
            "import",
            "--config-dir",
            ".",
            "key.aws.quickstart",
            &made.key_id,
        ],
    );
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert_eq!(
        state(dir)["keys"]["key.aws.quickstart"]["remote_id"],
        made.arn.as_str()
    );
}

#[test]
fn an_imported_attached_workspace_is_protected_at_once() {
    let tmp = quickstart();
    let dir = tmp.path();
    let (arn, ekey) = applied_then_state_lost(dir);

    // The workspace first: its attachment is recorded (write-once) with its compartment.
    let (code, out, err) = cmek(dir, &["import", "workspace.research", RESEARCH]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    snapshot("attached_workspace", &out);
    let s = state(dir);
    let ws = &s["workspaces"]["workspace.research"];
    assert_eq!(ws["attached_external_key_id"], ekey.as_str());
    let compartment = ws["compartment_id"].as_str().unwrap().to_string();

    // Removing its block now is refused (SAFE003); so is pointing it elsewhere (SAFE001).
    let original = std::fs::read_to_string(spec_path(dir)).unwrap();
    let research_block = format!(
        "workspace \"research\" {{\n  id           = \"{RESEARCH}\"\n  external_key = external_key.quickstart\n}}\n"
    );
    assert!(original.contains(&research_block));
    std::fs::write(spec_path(dir), original.replace(&research_block, "")).unwrap();
    let (code, out, _) = cmek(dir, &["plan", "."]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("[SAFE003] workspace.research"), "{out}");
    let swapped = original.replace(
        &research_block,
        &format!(
            "external_key \"second\" {{\n  key          = key.aws.quickstart\n  display_name = \"Second\"\n  geo          = \"us\"\n}}\n\nworkspace \"research\" {{\n  id           = \"{RESEARCH}\"\n  external_key = external_key.second\n}}\n"
        ),
    );
    std::fs::write(spec_path(dir), &swapped).unwrap();
    let (code, out, _) = cmek(dir, &["plan", "."]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("[SAFE001] workspace.research"), "{out}");
    std::fs::write(spec_path(dir), &original).unwrap();

    // The key next: the registrations and workspaces using it are read, and its protection
    // (served workspaces with their compartments, organization) recorded at once.
    let (code, out, err) = cmek(dir, &["import", "key.aws.quickstart", &arn]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    snapshot("key_in_use", &out);
    let s = state(dir);
    let protection = &s["keys"]["key.aws.quickstart"]["protection"];
    assert_eq!(protection["protects_data"], true, "{protection}");
    assert_eq!(protection["ever_attached"], true, "{protection}");
    assert!(
        protection["org_uuids_bound"]
            .as_array()
            .unwrap()
            .iter()
            .any(|o| o == ORG)
    );
    let served: Vec<&str> = protection["workspaces_served"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["compartment_id"].as_str().unwrap())
        .collect();
    assert!(served.contains(&compartment.as_str()), "{protection}");
    assert_eq!(served.len(), 2, "both attached workspaces: {protection}");
    // The key now matches the spec: nothing narrows its policy.
    assert!(out.contains("nothing: it matches the spec"), "{out}");

    // The registration last: it is in use, and links everything.
    let (code, out, err) = cmek(dir, &["import", "external_key.quickstart", &ekey]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    let s = state(dir);
    assert_eq!(
        s["external_keys"]["external_key.quickstart"]["in_use"],
        true
    );
    let (code, out, err) = cmek(dir, &["import", "workspace.support", SUPPORT]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    let (code, out, _) = cmek(dir, &["plan", ".", "--detailed-exitcode"]);
    assert_eq!(code, 0, "fully imported, nothing to do:\n{out}");
    snapshot("plan_after_full_import", &out);
}

#[test]
fn import_blocks_plan_then_apply_adopts_first() {
    let tmp = quickstart();
    let dir = tmp.path();
    let (arn, ekey) = applied_then_state_lost(dir);
    let original = std::fs::read_to_string(spec_path(dir)).unwrap();
    let blocks = format!(
        "\nimport {{\n  to = key.aws.quickstart\n  id = \"{ALIAS}\"\n}}\n\nimport {{\n  to = external_key.quickstart\n  id = \"{ekey}\"\n}}\n\nimport {{\n  to = workspace.research\n  id = \"{RESEARCH}\"\n}}\n\nimport {{\n  to = workspace.support\n  id = \"{SUPPORT}\"\n}}\n"
    );
    std::fs::write(spec_path(dir), format!("{original}{blocks}")).unwrap();

    let (code, out, err) = cmek(dir, &["plan", ".", "--detailed-exitcode"]);
    assert_eq!(code, 2, "stdout:\n{out}\nstderr:\n{err}");
    snapshot("plan_with_import_blocks", &out);
    assert!(
        out.contains(&format!("import {arn} into state")),
        "alias resolved: {out}"
    );
    assert!(out.contains("4 to import"), "{out}");
    assert!(state_bytes(dir).is_none(), "plan writes no state");

    let (code, out, err) = cmek(dir, &["plan", ".", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let plan: serde_json::Value = serde_json::from_str(&out).unwrap();
    let kinds: Vec<&str> = plan["actions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action"]["type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["import"; 4], "{out}");

    let before = request_count(dir);
    let (code, out, err) = cmek(dir, &["apply", ".", "--auto-approve"]);
    assert_eq!(code, 0, "stdout:\n{out}\nstderr:\n{err}");
    assert_read_only(&requests_after(dir, before));
    let s = state(dir);
    assert_eq!(s["keys"]["key.aws.quickstart"]["remote_id"], arn.as_str());
    assert_eq!(
        s["keys"]["key.aws.quickstart"]["protection"]["protects_data"],
        true
    );
    assert_eq!(
        s["workspaces"]["workspace.support"]["attached_external_key_id"],
        ekey.as_str()
    );

    // Kept in the spec, the blocks are no-ops: same ids as state.
    let (code, out, _) = cmek(dir, &["plan", ".", "--detailed-exitcode"]);
    assert_eq!(
        code, 0,
        "import blocks of managed objects are no-ops:\n{out}"
    );

    // An import block naming another object than the managed one blocks the plan.
    let conflicting = format!("{original}{blocks}").replace(
        &format!("  to = external_key.quickstart\n  id = \"{ekey}\""),
        "  to = external_key.quickstart\n  id = \"ekey_01OtherOtherOtherOther1\"",
    );
    std::fs::write(spec_path(dir), conflicting).unwrap();
    let (code, out, err) = cmek(dir, &["plan", "."]);
    assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
    assert!(
        out.contains("already managed as") && out.contains("ekey_01OtherOtherOtherOther1"),
        "{out}"
    );
    let (code, _, _) = cmek(dir, &["apply", ".", "--auto-approve"]);
    assert_eq!(code, 1);
}

#[test]
fn an_import_block_of_a_missing_registration_blocks_instead_of_registering_anew() {
    let tmp = quickstart();
    let dir = tmp.path();
    let made = make_out_of_band(dir, "us-east-2", true);
    let original = std::fs::read_to_string(spec_path(dir)).unwrap();
    std::fs::write(
        spec_path(dir),
        format!(
            "{original}\nimport {{\n  to = key.aws.quickstart\n  id = \"{}\"\n}}\n\nimport {{\n  to = external_key.quickstart\n  id = \"ekey_01NoSuchRegistration000\"\n}}\n",
            made.arn
        ),
    )
    .unwrap();
    let (code, out, err) = cmek(dir, &["plan", "."]);
    assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
    assert!(
        out.contains("import target `ekey_01NoSuchRegistration000` was not found"),
        "{out}"
    );
    assert!(!out.contains("register key.aws.quickstart"), "{out}");
}

/// Every bad request: exit 1, a message that says what is wrong, and the state untouched.
#[test]
fn bad_imports_are_refused_with_clear_errors_and_leave_state_untouched() {
    let tmp = quickstart();
    let dir = tmp.path();
    let made = make_out_of_band(dir, "us-east-2", true);
    let west = make_out_of_band(dir, "us-west-2", false);
    // A second key block, to try importing one key at two addresses.
    let original = std::fs::read_to_string(spec_path(dir)).unwrap();
    std::fs::write(
        spec_path(dir),
        format!("{original}\nkey \"aws\" \"copy\" {{\n  region = \"us-east-2\"\n}}\n"),
    )
    .unwrap();
    let (code, _, err) = cmek(dir, &["import", "key.aws.quickstart", &made.arn]);
    assert_eq!(code, 0, "{err}");
    let missing_key = "arn:aws:kms:us-east-2:111122223333:key/0b0b0b0b-1111-4222-8333-444444444444";

    let cases: Vec<(&str, Vec<String>, &str)> = vec![
        (
            "address_not_in_spec",
            vec!["key.aws.quikstart".into(), made.arn.clone()],
            "did you mean `key.aws.quickstart`?",
        ),
        (
            "malformed_address",
            vec!["key.aws".into(), made.arn.clone()],
            "is not an address",
        ),
        (
            "org_id_for_a_workspace",
            vec![
                "workspace.research".into(),
                "org_01JwQvzr7rXLA5AGx3HKfFUJ".into(),
            ],
            "organization id",
        ),
        (
            "registration_id_for_a_key",
            vec!["key.aws.copy".into(), made.ekey.clone()],
            "is a registration (`ekey_`) id, but the address is an AWS key",
        ),
        (
            "workspace_id_for_a_registration",
            vec!["external_key.quickstart".into(), RESEARCH.into()],
            "is a workspace (`wrkspc_`) id",
        ),
        (
            "non_us_arn",
            vec![
                "key.aws.copy".into(),
                "arn:aws:kms:eu-west-1:111122223333:key/0b0b0b0b-1111-4222-8333-444444444444"
                    .into(),
            ],
            "must be in a US region",
        ),
        (
            "arn_without_key_id",
            vec![
                "key.aws.copy".into(),
                "arn:aws:kms:us-east-2:111122223333:key/not-a-key".into(),
            ],
            "does not end in a key id",
        ),
        (
            "multi_region_key",
            vec![
                "key.aws.copy".into(),
                "mrk-1234abcd12ab34cd56ef1234567890ab".into(),
            ],
            "multi-region",
        ),
        (
            "key_not_found",
            vec!["key.aws.copy".into(), missing_key.into()],
            "no KMS key",
        ),
        (
            "registration_not_found",
            vec![
                "external_key.quickstart".into(),
                "ekey_01NoSuchRegistration000".into(),
            ],
            "has no registration `ekey_01NoSuchRegistration000`",
        ),
        (
            "workspace_not_in_the_block",
            vec![
                "workspace.research".into(),
                "wrkspc_01SomeOtherWorkspace".into(),
            ],
            "declares workspace `wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ`",
        ),
        (
            "already_managed_here",
            vec!["key.aws.quickstart".into(), made.arn.clone()],
            "already managed",
        ),
        (
            "already_managed_elsewhere",
            vec!["key.aws.copy".into(), ALIAS.into()],
            "is already managed at key.aws.quickstart",
        ),
        (
            "immutable_mismatch",
            vec!["key.aws.copy".into(), west.arn.clone()],
            "region is us-west-2 (the spec says us-east-2)",
        ),
    ];
    let mut all = String::new();
    for (name, args, needle) in &cases {
        let before = state_bytes(dir);
        let mut argv = vec!["import"];
        argv.extend(args.iter().map(String::as_str));
        let (code, out, err) = cmek(dir, &argv);
        assert_eq!(code, 1, "{name}: stdout:\n{out}\nstderr:\n{err}");
        assert!(
            err.contains(needle),
            "{name}: expected `{needle}` in:\n{err}"
        );
        assert!(
            out.is_empty(),
            "{name}: nothing is reported as imported:\n{out}"
        );
        assert_eq!(state_bytes(dir), before, "{name}: the state changed");
        all.push_str(&format!("== {name}\n{err}\n"));
    }
    snapshot("bad_inputs", &all);
    // The lock was released every time.
    assert!(!dir.join("cmek.state.json.lock").exists());
}

#[test]
fn a_key_import_with_a_wrong_spec_region_is_refused_before_writing() {
    // The spec says us-west-2; the key lives in us-east-2: a replacement would be needed.
    let tmp = quickstart();
    let dir = tmp.path();
    let made = make_out_of_band(dir, "us-east-2", false);
    let spec = std::fs::read_to_string(spec_path(dir)).unwrap();
    std::fs::write(
        spec_path(dir),
        spec.replace(
            "  region      = \"us-east-2\"",
            "  region      = \"us-west-2\"",
        ),
    )
    .unwrap();
    let (code, out, err) = cmek(dir, &["import", "key.aws.quickstart", &made.arn]);
    assert_eq!(code, 1, "stdout:\n{out}\nstderr:\n{err}");
    assert!(
        err.contains("region is us-east-2 (the spec says us-west-2)"),
        "{err}"
    );
    assert!(state_bytes(dir).is_none());
}

#[test]
fn bad_import_blocks_are_located_diagnostics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/import/bad_blocks");
    let out = Command::cargo_bin("cmek")
        .unwrap()
        .env("NO_COLOR", "1")
        .arg("validate")
        .arg(&dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    for needle in [
        "spec::import-target",
        "did you mean `key.aws.prod`?",
        "spec::import-id",
        "spec::import-workspace-id",
        "spec::duplicate-import",
    ] {
        assert!(err.contains(needle), "missing {needle}:\n{err}");
    }
    let text = err.replace(&dir.display().to_string(), "[dir]");
    insta::with_settings!({ snapshot_path => "../snapshots/import", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("bad_import_blocks", text);
    });
}
