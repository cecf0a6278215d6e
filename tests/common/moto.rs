//! The moto side of the AWS integration tests (`tests/aws_moto_*.rs`): where the moto server is
//! (the `CMEK_TEST_MOTO_ENDPOINT` contract), an in-process Anthropic Admin API emulator whose
//! validate call talks to that moto server, and a runner for the real `cmek` binary.
//!
//! Env contract (set by `.ci/run`, or by `eval "$(.ci/moto-up)"` for local runs):
//! - `CMEK_TEST_MOTO_ENDPOINT=http://127.0.0.1:PORT`: the moto server;
//! - `CMEK_REQUIRE_MOTO=1`: a test that finds no endpoint panics instead of skipping, so CI can
//!   never silently skip the AWS tests.
//!
//! Honest emulation of Anthropic's validate against moto: moto enforces neither key policies nor
//! (reliably) key states, so "validate" here is (1) the key policy, read from moto, evaluated by
//! the policy library's evaluator for Anthropic's DescribeKey, Encrypt and Decrypt requests with
//! the validation encryption context (the same evaluator the sandbox KMS enforces with), (2) the
//! key state read from moto (must be `Enabled`), then (3) a real DescribeKey + Encrypt + Decrypt
//! round trip against moto with that context. A policy that shuts Anthropic out therefore fails
//! validation, as it would at Anthropic.
//!
//! Tests share one moto server (one account, 123456789012): every test uses its own aliases
//! (unique per run) and its own config directory and Admin API emulator, so they run in parallel.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aws_sdk_kms::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_kms::primitives::Blob;
use cmek::anthropic::types::ProviderConfig;
use cmek::policy::identities::identities;
use cmek::sandbox::admin_api::{AdminApiConfig, AdminApiEmulator, FnValidator};
use cmek::sandbox::http::RunningServer;
use cmek::sandbox::kms::authz::{KeyPolicyAuthorizer, KmsRequestContext};
use cmek::sandbox::kms::policy_authorizer::PolicyLibraryAuthorizer;

/// moto's account (every request is made as `arn:aws:sts::123456789012:user/moto`).
pub const MOTO_ACCOUNT: &str = "123456789012";
pub const REGION: &str = "us-east-2";
pub const ORG: &str = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
/// The admin key the test's Admin API emulator accepts (not a real key).
pub const ADMIN_KEY: &str = "sk-ant-admin-moto-test-not-a-real-key";
/// Credentials moto accepts (it checks none).
pub const ACCESS_KEY_ID: &str = "AKIAMOTOTESTINGCMEK1";
pub const SECRET_ACCESS_KEY: &str = "moto-testing-secret-not-real";
pub const SKIP_MESSAGE: &str = "skipped: moto not running (see tests/README.md)";
const VALIDATION_COMPARTMENT: &str = "00000000-0000-0000-0000-000000000000";

/// The moto endpoint, or `None` (after printing the skip line) when it is not configured.
/// Panics instead of skipping when `CMEK_REQUIRE_MOTO=1`.
pub fn moto_endpoint() -> Option<String> {
    match std::env::var("CMEK_TEST_MOTO_ENDPOINT") {
        Ok(e) if !e.trim().is_empty() => Some(e.trim().trim_end_matches('/').to_string()),
        _ => {
            if std::env::var("CMEK_REQUIRE_MOTO").as_deref() == Ok("1") {
                panic!(
                    "CMEK_REQUIRE_MOTO=1 but CMEK_TEST_MOTO_ENDPOINT is not set: start moto \
                     (.ci/moto-up) or run .ci/run"
                );
            }
            eprintln!("{SKIP_MESSAGE}");
            None
        }
    }
}

/// `let Some(endpoint) = require_moto!() else { return };` in one line.
#[macro_export]
macro_rules! require_moto {
    () => {
        match moto::moto_endpoint() {
            Some(e) => e,
            None => return,
        }
    };
}

/// A name unique to this test run (aliases, display names): `<prefix>-<8 hex>`.
pub fn unique(prefix: &str) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    format!("{prefix}-{}", &id[..8])
}

/// An SDK KMS client on moto (for out-of-band drift and for reading what cmek did).
pub fn kms_client(endpoint: &str) -> aws_sdk_kms::Client {
    let config = aws_sdk_kms::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(
            ACCESS_KEY_ID,
            SECRET_ACCESS_KEY,
            None,
            None,
            "cmek-moto-test",
        ))
        .build();
    aws_sdk_kms::Client::from_conf(config)
}

/// Anthropic's validate, emulated with `client`'s credentials (see the module doc for what it
/// checks and why): moto in the moto tests, the real account in the live tests.
pub async fn validate_as_anthropic(
    client: aws_sdk_kms::Client,
    kms_arn: String,
    org: String,
) -> Result<(), String> {
    let ids = identities().map_err(|e| e.to_string())?;
    let context: BTreeMap<String, String> = BTreeMap::from([
        ("anthropic:org_uuid".to_string(), org),
        (
            "anthropic:compartment_uuid".to_string(),
            VALIDATION_COMPARTMENT.to_string(),
        ),
    ]);
    let policy = client
        .get_key_policy()
        .key_id(&kms_arn)
        .policy_name("default")
        .send()
        .await
        .map_err(|e| format!("GetKeyPolicy failed: {e:?}"))?
        .policy
        .unwrap_or_default();
    let key_account = kms_arn.split(':').nth(4).unwrap_or_default().to_string();
    let authorizer = PolicyLibraryAuthorizer::new();
    for (action, ec) in [
        ("kms:DescribeKey", BTreeMap::new()),
        ("kms:Encrypt", context.clone()),
        ("kms:Decrypt", context.clone()),
    ] {
        let decision = authorizer.authorize(
            &policy,
            &KmsRequestContext {
                principal_arn: ids.aws.role_arn.clone(),
                principal_account: ids.aws.account_id.clone(),
                action: action.to_string(),
                key_arn: kms_arn.clone(),
                key_account: key_account.clone(),
                encryption_context: ec,
                source_ip: None,
            },
        );
        if !decision.allowed {
            return Err(format!(
                "{action} as Anthropic was refused by the key policy: {}",
                decision.reason
            ));
        }
    }
    let described = client
        .describe_key()
        .key_id(&kms_arn)
        .send()
        .await
        .map_err(|e| format!("DescribeKey failed: {e:?}"))?;
    let state = described
        .key_metadata
        .and_then(|m| m.key_state)
        .map(|s| s.as_str().to_string())
        .unwrap_or_default();
    if state != "Enabled" {
        return Err(format!("the key is {state}, not Enabled"));
    }
    let wire: HashMap<String, String> = context.into_iter().collect();
    let probe = b"cmek-validation".to_vec();
    let blob = client
        .encrypt()
        .key_id(&kms_arn)
        .plaintext(Blob::new(probe.clone()))
        .set_encryption_context(Some(wire.clone()))
        .send()
        .await
        .map_err(|e| format!("Encrypt failed: {e:?}"))?
        .ciphertext_blob
        .ok_or("Encrypt returned no ciphertext")?;
    let plain = client
        .decrypt()
        .key_id(&kms_arn)
        .ciphertext_blob(blob)
        .set_encryption_context(Some(wire))
        .send()
        .await
        .map_err(|e| format!("Decrypt failed: {e:?}"))?
        .plaintext
        .ok_or("Decrypt returned no plaintext")?;
    if plain.as_ref() == probe.as_slice() {
        Ok(())
    } else {
        Err("Decrypt returned a different plaintext".into())
    }
}

/// A runtime for the emulator to run on while the test thread runs the binary.
pub fn test_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

/// Starts an Admin API emulator (organization [`ORG`], admin key [`ADMIN_KEY`]) whose validate
/// uses `client`; persisted to `state_path` when given.
pub fn start_admin_emulator(
    runtime: &tokio::runtime::Runtime,
    client: aws_sdk_kms::Client,
    state_path: Option<PathBuf>,
) -> (AdminApiEmulator, RunningServer) {
    let validator = Arc::new(FnValidator::new(
        move |config: ProviderConfig, org: String| {
            let client = client.clone();
            async move {
                match config {
                    ProviderConfig::Aws { kms_arn, .. } => {
                        validate_as_anthropic(client, kms_arn, org).await
                    }
                    _ => Err("only AWS keys are validated in these tests".to_string()),
                }
            }
        },
    ));
    runtime.block_on(async {
        let config = AdminApiConfig {
            organization_uuid: Some(ORG.to_string()),
            state_path,
            ..AdminApiConfig::new(ADMIN_KEY)
        };
        let admin = AdminApiEmulator::open(config, validator).await.unwrap();
        let server = admin.start().await.unwrap();
        (admin, server)
    })
}

/// Seeds a workspace `id` in the emulator at `admin_url` (no-op result check only).
pub fn seed_workspace(runtime: &tokio::runtime::Runtime, admin_url: &str, id: &str) {
    let url = format!("{admin_url}/_sandbox/workspaces");
    runtime.block_on(async {
        let response = reqwest::Client::builder()
            .no_proxy()
            .build()
            .unwrap()
            .post(url)
            .header("x-api-key", ADMIN_KEY)
            .header(
                "anthropic-version",
                cmek::anthropic::types::ANTHROPIC_VERSION,
            )
            .json(&serde_json::json!({ "id": id }))
            .send()
            .await
            .unwrap();
        assert!(response.status().is_success(), "seeding {id}");
    });
}

/// One test's world: the moto endpoint, a running Admin API emulator validating against moto,
/// a config directory, and a tokio runtime (the emulator runs on it while the binary runs).
pub struct MotoWorld {
    pub endpoint: String,
    pub runtime: tokio::runtime::Runtime,
    pub admin: AdminApiEmulator,
    server: Option<RunningServer>,
    pub admin_url: String,
    pub dir: tempfile::TempDir,
    /// Extra environment for the binary (e.g. `AWS_ENDPOINT_URL`).
    pub env: Vec<(String, String)>,
}

impl MotoWorld {
    /// Starts the emulator and seeds `workspace_ids` in it.
    pub fn start(endpoint: &str, workspace_ids: &[&str]) -> MotoWorld {
        let runtime = test_runtime();
        let (admin, server) = start_admin_emulator(&runtime, kms_client(endpoint), None);
        let admin_url = server.base_url();
        let world = MotoWorld {
            endpoint: endpoint.to_string(),
            runtime,
            admin,
            server: Some(server),
            admin_url,
            dir: tempfile::tempdir().unwrap(),
            env: Vec::new(),
        };
        for id in workspace_ids {
            world.seed_workspace(id);
        }
        world
    }

    fn seed_workspace(&self, id: &str) {
        seed_workspace(&self.runtime, &self.admin_url, id);
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `main.cmek.hcl` in the config directory.
    pub fn write_spec(&self, text: &str) {
        std::fs::write(self.path().join("main.cmek.hcl"), text).unwrap();
    }

    /// The `anthropic` and `provider "aws"` blocks wired to this world.
    pub fn header(&self) -> String {
        format!(
            "anthropic {{\n  organization_uuid = \"{ORG}\"\n  platform = \"claude_platform\"\n  \
             base_url = \"{}\"\n}}\n\nprovider \"aws\" {{\n  region = \"{REGION}\"\n  \
             endpoint = \"{}\"\n}}\n\n",
            self.admin_url, self.endpoint
        )
    }

    /// Runs the real binary in the config directory with a hermetic environment: moto's
    /// credentials, the emulator's admin key, no profile, no IMDS, no colour.
    pub fn cmek(&self, args: &[&str]) -> Output {
        let home = self.path().join(".home");
        std::fs::create_dir_all(&home).unwrap();
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cmek"));
        cmd.current_dir(self.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", &home)
            .env("NO_COLOR", "1")
            .env("AWS_ACCESS_KEY_ID", ACCESS_KEY_ID)
            .env("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("ANTHROPIC_ADMIN_API_KEY", ADMIN_KEY)
            .args(args);
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// The key ARN state records for `address`.
    pub fn state_key_arn(&self, address: &str) -> Option<String> {
        let text = std::fs::read_to_string(self.path().join("cmek.state.json")).ok()?;
        let state: serde_json::Value = serde_json::from_str(&text).ok()?;
        find_remote_id(&state, address)
    }

    pub fn block_on<F: std::future::Future>(&self, f: F) -> F::Output {
        self.runtime.block_on(f)
    }
}

impl Drop for MotoWorld {
    fn drop(&mut self) {
        if let Some(server) = self.server.take() {
            let _ = self.runtime.block_on(server.shutdown());
        }
    }
}

/// Finds the remote id recorded for `address` anywhere in a state document.
fn find_remote_id(v: &serde_json::Value, address: &str) -> Option<String> {
    match v {
        serde_json::Value::Object(map) => {
            if map.get("address").and_then(|a| a.as_str()) == Some(address)
                && let Some(id) = map.get("remote_id").and_then(|r| r.as_str())
            {
                return Some(id.to_string());
            }
            if let Some(entry) = map.get(address)
                && let Some(id) = entry.get("remote_id").and_then(|r| r.as_str())
            {
                return Some(id.to_string());
            }
            map.values().find_map(|x| find_remote_id(x, address))
        }
        serde_json::Value::Array(items) => items.iter().find_map(|x| find_remote_id(x, address)),
        _ => None,
    }
}

/// What a run of the binary printed and returned.
#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    /// Panics with both streams when the exit code is not `want`.
    pub fn expect_code(self, want: i32, what: &str) -> Output {
        assert_eq!(
            self.code, want,
            "{what}: exit {} (want {want})\n--- stdout\n{}\n--- stderr\n{}",
            self.code, self.stdout, self.stderr
        );
        self
    }
}
