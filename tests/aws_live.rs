//! Opt-in live test against a REAL AWS account: `CMEK_LIVE_AWS=1` (never set in CI). Skips
//! cleanly (one line on stderr) when the variable is unset.
//!
//! What it does: plan → apply → converged plan → checks in the account (key Enabled, rotation
//! on, the caller's account root and Anthropic's statements in the policy, an Encrypt/Decrypt
//! round trip with Anthropic's validation encryption context as the caller). The Anthropic side
//! is the in-process Admin API emulator (no real admin key is used); its validate evaluates the
//! real key policy for Anthropic's role and does a real round trip with your credentials.
//!
//! **It leaves a KMS key behind** (cmek never deletes or schedules deletion of a key, and
//! neither does this test; a KMS key costs about 1 USD a month). Every run reuses it: the spec,
//! state and emulated Anthropic organization live in a persistent directory
//! (`CMEK_LIVE_DIR`, default `target/cmek-live-aws/`), so the next run refreshes the same key by
//! the ARN in that state, keeping the alias. Delete that directory and the next run creates a
//! NEW key and moves the alias to it (the old key stays, unaliased): schedule its deletion
//! yourself in the console if you want it gone.
//!
//! Settings: `CMEK_LIVE_AWS_REGION` (default `us-east-2`), `CMEK_LIVE_AWS_ALIAS` (default
//! `alias/cmek-live-test`), credentials from the standard AWS chain (`AWS_PROFILE`, SSO, env,
//! IMDS). The caller needs kms:CreateKey, kms:CreateAlias/UpdateAlias, kms:TagResource,
//! kms:EnableKeyRotation, kms:PutKeyPolicy, the reads, and sts:GetCallerIdentity.

#[path = "common/moto.rs"]
mod moto;

use std::collections::HashMap;
use std::path::PathBuf;

use aws_sdk_kms::primitives::Blob;
use moto::{ADMIN_KEY, ORG, seed_workspace, start_admin_emulator, test_runtime};

const WORKSPACE: &str = "wrkspc_01LiveTestCmekWorkspace01";

fn live_enabled() -> bool {
    if std::env::var("CMEK_LIVE_AWS").as_deref() == Ok("1") {
        return true;
    }
    eprintln!("skipped: CMEK_LIVE_AWS is not 1 (live AWS tests are opt-in; see tests/README.md)");
    false
}

fn setting(name: &str, default: &str) -> String {
    std::env::var(name)
        .ok()
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| default.to_string())
}

fn run(dir: &std::path::Path, args: &[&str]) -> (i32, String) {
    // The ambient environment (the user's AWS credentials chain), plus the emulator's key.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cmek"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("ANTHROPIC_ADMIN_API_KEY", ADMIN_KEY)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "--- stdout\n{}\n--- stderr\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn live_plan_apply_verify_cycle_in_a_real_account() {
    if !live_enabled() {
        return;
    }
    let region = setting("CMEK_LIVE_AWS_REGION", "us-east-2");
    let alias = setting("CMEK_LIVE_AWS_ALIAS", "alias/cmek-live-test");
    let dir = PathBuf::from(setting(
        "CMEK_LIVE_DIR",
        concat!(env!("CARGO_MANIFEST_DIR"), "/target/cmek-live-aws"),
    ));
    std::fs::create_dir_all(&dir).unwrap();

    let runtime = test_runtime();
    let sdk = runtime.block_on(
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(region.clone()))
            .load(),
    );
    let kms = aws_sdk_kms::Client::new(&sdk);
    let sts = aws_sdk_sts::Client::new(&sdk);
    let me = runtime
        .block_on(sts.get_caller_identity().send())
        .expect("AWS credentials (CMEK_LIVE_AWS=1 needs a real account)");
    let account = me.account.unwrap();

    let (admin, server) = start_admin_emulator(
        &runtime,
        kms.clone(),
        Some(dir.join("anthropic-emulator.json")),
    );
    let known = runtime.block_on(admin.snapshot()).workspaces;
    if !known.iter().any(|w| w.id == WORKSPACE) {
        seed_workspace(&runtime, &server.base_url(), WORKSPACE);
    }
    std::fs::write(
        dir.join("main.cmek.hcl"),
        format!(
            "anthropic {{\n  organization_uuid = \"{ORG}\"\n  base_url = \"{}\"\n}}\n\n\
             provider \"aws\" {{\n  region = \"{region}\"\n}}\n\n\
             key \"aws\" \"live\" {{\n  region = \"{region}\"\n  alias = \"{alias}\"\n  \
             description = \"cmek live test key (kept; reused by the next live run)\"\n}}\n\n\
             external_key \"live\" {{\n  key = key.aws.live\n  geo = \"us\"\n}}\n\n\
             workspace \"live\" {{\n  id = \"{WORKSPACE}\"\n  external_key = external_key.live\n}}\n",
            server.base_url()
        ),
    )
    .unwrap();

    let (code, out) = run(&dir, &["plan", "."]);
    assert!(code == 0 || code == 2, "plan: exit {code}\n{out}");
    let (code, out) = run(&dir, &["apply", "--auto-approve", "."]);
    assert_eq!(code, 0, "apply\n{out}");
    let (code, out) = run(&dir, &["plan", "--detailed-exitcode", "."]);
    assert_eq!(code, 0, "converged\n{out}");

    // In the account: the key behind the alias, as cmek left it.
    runtime.block_on(async {
        let described = kms.describe_key().key_id(&alias).send().await.unwrap();
        let meta = described.key_metadata.unwrap();
        assert_eq!(meta.key_state.unwrap().as_str(), "Enabled");
        let arn = meta.arn.unwrap();
        let rotation = kms
            .get_key_rotation_status()
            .key_id(&arn)
            .send()
            .await
            .unwrap();
        assert!(rotation.key_rotation_enabled);
        let policy = kms
            .get_key_policy()
            .key_id(&arn)
            .policy_name("default")
            .send()
            .await
            .unwrap()
            .policy
            .unwrap();
        assert!(
            policy.contains(&format!("arn:aws:iam::{account}:root")),
            "{policy}"
        );
        assert!(policy.contains("AllowAnthropicCMEKCrypto"), "{policy}");
        let context: HashMap<String, String> = HashMap::from([
            ("anthropic:org_uuid".to_string(), ORG.to_string()),
            (
                "anthropic:compartment_uuid".to_string(),
                "00000000-0000-0000-0000-000000000000".to_string(),
            ),
        ]);
        let blob = kms
            .encrypt()
            .key_id(&arn)
            .plaintext(Blob::new(b"cmek live".to_vec()))
            .set_encryption_context(Some(context.clone()))
            .send()
            .await
            .unwrap()
            .ciphertext_blob
            .unwrap();
        let plain = kms
            .decrypt()
            .key_id(&arn)
            .ciphertext_blob(blob)
            .set_encryption_context(Some(context))
            .send()
            .await
            .unwrap()
            .plaintext
            .unwrap();
        assert_eq!(plain.as_ref(), b"cmek live");
        eprintln!("live: key {arn} ({alias}) verified; it is kept for the next run");
        server.shutdown().await.unwrap();
    });
}
