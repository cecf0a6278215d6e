//! `SandboxWorld`: both emulators (AWS KMS and the Anthropic Admin API) running in-process on
//! 127.0.0.1 ephemeral ports, persisted under `<config dir>/.cmek/sandbox/`, wired so that the
//! Admin API's validate call makes a REAL round trip against the KMS emulator as Anthropic's
//! principal (`ANTHROPICSANDBOXKEY1`): a key policy that does not let Anthropic in fails
//! validation for real.
//!
//! Files (all inside the sandbox directory, nothing else is touched):
//! - `kms.json`: the KMS emulator's snapshot (holds key material; written owner-only, 0600);
//! - `anthropic.json`: the Admin API emulator's organization;
//! - `requests.jsonl`: one line per request served by either emulator.
//!
//! Platforms (`domain/anthropic-cmek.md` §1, §2, §4): the world follows the spec's
//! `anthropic.platform`. Claude Platform validates as Anthropic's role with the all-zeros
//! compartment (so does Claude Enterprise, whose validate also makes the registration the
//! organization's key); Claude Platform on AWS has no validate call and validates at attach as
//! the service principal `aws-external-anthropic.amazonaws.com` with the workspace's compartment,
//! in the account and region of the `provider "aws"` block (the organization's AWS home).
//!
//! Credentials handed to clients are sandbox constants: the sandbox admin access key for AWS and
//! a sandbox admin API key for Anthropic. A real admin API key is never read in sandbox mode.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use aws_sdk_kms::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_kms::primitives::Blob;

use crate::anthropic::types::ProviderConfig;
use crate::sandbox::admin_api::{
    AdminApiConfig, AdminApiEmulator, AwsHome, KeyValidator, ValidationFuture,
};
use crate::sandbox::http::{RunningServer, serve};
use crate::sandbox::kms::identity::{
    ANTHROPIC_SANDBOX_ACCESS_KEY_ID, PLATFORM_AWS_SERVICE_ACCESS_KEY_ID, SANDBOX_ACCOUNT_ID,
    SANDBOX_ADMIN_ACCESS_KEY_ID, SANDBOX_SECRET_ACCESS_KEY,
};
use crate::sandbox::kms::policy_authorizer::PolicyLibraryAuthorizer;
use crate::sandbox::kms::{CallerTable, KmsEmulator, KmsLogEntry, KmsLogSink, router};
use crate::sandbox::log::{RequestLog, RequestLogEntry, now_rfc3339};
use crate::spec::model::{Desired, Platform};

/// The sandbox directory relative to a config directory.
pub const SANDBOX_SUBDIR: &str = ".cmek/sandbox";
/// KMS snapshot file name inside the sandbox directory.
pub const KMS_SNAPSHOT_FILE: &str = "kms.json";
/// The admin API key the sandbox Admin API accepts. Not a secret, never a real key.
pub const SANDBOX_ADMIN_API_KEY: &str = "sk-ant-admin-sandbox-not-a-real-key";
/// The all-zeros compartment key validation sends.
pub const VALIDATION_COMPARTMENT: &str = "00000000-0000-0000-0000-000000000000";

/// Why the sandbox could not start or save.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("sandbox: {0}")]
    Io(String),
    #[error("sandbox: {0}")]
    Setup(String),
}

/// Endpoints and credentials for clients of a running sandbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxEndpoints {
    pub kms_url: String,
    pub admin_api_url: String,
    pub aws_access_key_id: String,
    pub aws_secret_access_key: String,
    pub admin_api_key: String,
    pub organization_uuid: String,
}

/// Both emulators, running.
pub struct SandboxWorld {
    dir: PathBuf,
    kms: Arc<KmsEmulator>,
    admin: AdminApiEmulator,
    kms_server: Option<RunningServer>,
    admin_server: Option<RunningServer>,
    endpoints: SandboxEndpoints,
}

impl std::fmt::Debug for SandboxWorld {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxWorld")
            .field("dir", &self.dir)
            .field("endpoints", &self.endpoints)
            .finish_non_exhaustive()
    }
}

/// The sandbox directory of a config directory.
pub fn sandbox_dir(config_dir: &Path) -> PathBuf {
    config_dir.join(SANDBOX_SUBDIR)
}

/// Deletes `<config_dir>/.cmek/sandbox/` (and nothing else). Returns whether it existed.
pub fn reset(config_dir: &Path) -> Result<bool, SandboxError> {
    let dir = sandbox_dir(config_dir);
    if !dir.exists() {
        return Ok(false);
    }
    std::fs::remove_dir_all(&dir)
        .map_err(|e| SandboxError::Io(format!("cannot remove {}: {e}", dir.display())))?;
    Ok(true)
}

fn kms_log_sink(log: Arc<RequestLog>) -> KmsLogSink {
    Arc::new(move |entry: KmsLogEntry| {
        let line = RequestLogEntry {
            ts: now_rfc3339(),
            service: "aws-kms".into(),
            method: "POST".into(),
            path: "/".into(),
            operation: entry.operation,
            caller: entry.caller,
        };
        // The log is diagnostics: a failed write must not fail the request.
        let _ = log.record(&line);
    })
}

/// An SDK client acting as `access_key_id` against the sandbox KMS.
pub fn sandbox_kms_client(
    endpoint: &str,
    access_key_id: &str,
    region: &str,
) -> aws_sdk_kms::Client {
    let config = aws_sdk_kms::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(
            access_key_id,
            SANDBOX_SECRET_ACCESS_KEY,
            None,
            None,
            "cmek-sandbox",
        ))
        .retry_config(aws_sdk_kms::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_kms::Client::from_conf(config)
}

fn sdk_message<E: aws_sdk_kms::error::ProvideErrorMetadata>(op: &str, e: &E) -> String {
    format!(
        "{op} as Anthropic was refused: {} {}",
        e.code().unwrap_or("error"),
        e.message().unwrap_or("")
    )
}

/// Who validates and with which encryption context.
struct Probe {
    /// The sandbox access key id of the principal Anthropic calls KMS as.
    access_key_id: &'static str,
    context: BTreeMap<String, String>,
}

impl Probe {
    /// Claude Platform and Claude Enterprise: Anthropic's role, the organization UUID and the
    /// all-zeros compartment key validation sends (§4), as `policy::simulate` models it.
    fn anthropic_role(org: String) -> Self {
        Self {
            access_key_id: ANTHROPIC_SANDBOX_ACCESS_KEY_ID,
            context: BTreeMap::from([
                ("anthropic:org_uuid".to_string(), org),
                (
                    "anthropic:compartment_uuid".to_string(),
                    VALIDATION_COMPARTMENT.to_string(),
                ),
            ]),
        }
    }

    /// Claude Platform on AWS at attach: the service principal with the workspace's
    /// compartment (§4).
    fn platform_aws_attach(compartment_id: &str) -> Self {
        Self {
            access_key_id: PLATFORM_AWS_SERVICE_ACCESS_KEY_ID,
            context: BTreeMap::from([(
                "anthropic:compartment_uuid".to_string(),
                compartment_id.to_string(),
            )]),
        }
    }
}

/// Anthropic's validation, for real: DescribeKey, then Encrypt and Decrypt of a probe with the
/// validation encryption context, as the probe's principal.
async fn validate_aws(
    kms_url: String,
    kms_arn: String,
    region: Option<String>,
    probe: Probe,
) -> Result<(), String> {
    let region = region
        .or_else(|| kms_arn.split(':').nth(3).map(str::to_string))
        .unwrap_or_else(|| "us-east-2".into());
    let client = sandbox_kms_client(&kms_url, probe.access_key_id, &region);
    client
        .describe_key()
        .key_id(&kms_arn)
        .send()
        .await
        .map_err(|e| match e.as_service_error() {
            Some(s) => sdk_message("DescribeKey", s),
            None => format!("DescribeKey failed: {e}"),
        })?;
    let context: std::collections::HashMap<String, String> = probe.context.into_iter().collect();
    let probe = b"cmek-validation".to_vec();
    let encrypted = client
        .encrypt()
        .key_id(&kms_arn)
        .plaintext(Blob::new(probe.clone()))
        .set_encryption_context(Some(context.clone()))
        .send()
        .await
        .map_err(|e| match e.as_service_error() {
            Some(s) => sdk_message("Encrypt", s),
            None => format!("Encrypt failed: {e}"),
        })?;
    let blob = encrypted
        .ciphertext_blob
        .ok_or_else(|| "Encrypt returned no ciphertext".to_string())?;
    let decrypted = client
        .decrypt()
        .key_id(&kms_arn)
        .ciphertext_blob(blob)
        .set_encryption_context(Some(context))
        .send()
        .await
        .map_err(|e| match e.as_service_error() {
            Some(s) => sdk_message("Decrypt", s),
            None => format!("Decrypt failed: {e}"),
        })?;
    match decrypted.plaintext {
        Some(p) if p.as_ref() == probe.as_slice() => Ok(()),
        _ => Err("Decrypt returned a different plaintext".into()),
    }
}

/// The Admin API's validations, made for real against the KMS emulator.
struct SandboxValidator {
    kms_url: String,
}

impl KeyValidator for SandboxValidator {
    fn validate<'a>(
        &'a self,
        provider_config: &'a ProviderConfig,
        organization_uuid: &'a str,
    ) -> ValidationFuture<'a> {
        let probe = Probe::anthropic_role(organization_uuid.to_string());
        Box::pin(async move {
            match provider_config {
                ProviderConfig::Aws { kms_arn, region } => {
                    validate_aws(self.kms_url.clone(), kms_arn.clone(), region.clone(), probe).await
                }
                ProviderConfig::Gcp { .. } | ProviderConfig::Azure { .. } => Err(
                    "the sandbox emulates AWS KMS only; GCP and Azure keys cannot be validated"
                        .to_string(),
                ),
            }
        })
    }

    fn validate_at_attach<'a>(
        &'a self,
        kms_arn: &'a str,
        compartment_id: &'a str,
    ) -> ValidationFuture<'a> {
        let probe = Probe::platform_aws_attach(compartment_id);
        Box::pin(validate_aws(
            self.kms_url.clone(),
            kms_arn.to_string(),
            None,
            probe,
        ))
    }
}

fn validator(kms_url: String) -> Arc<dyn KeyValidator> {
    Arc::new(SandboxValidator { kms_url })
}

/// The organization a sandbox emulates: its UUID, product, and (Claude Platform on AWS) the AWS
/// region its workspaces live in (the account is the sandbox customer account).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SandboxOrganization {
    pub organization_uuid: String,
    pub platform: Platform,
    pub aws_region: Option<String>,
}

impl SandboxOrganization {
    /// A Claude Platform organization.
    pub fn claude_platform(organization_uuid: &str) -> Self {
        Self {
            organization_uuid: organization_uuid.to_string(),
            platform: Platform::ClaudePlatform,
            aws_region: None,
        }
    }

    /// The organization a spec describes: its `anthropic` block and `provider "aws"` region.
    pub fn of_spec(desired: &Desired) -> Self {
        Self {
            organization_uuid: desired.anthropic.organization_uuid.clone(),
            platform: desired.anthropic.platform,
            aws_region: desired.providers.aws.as_ref().map(|p| p.region.clone()),
        }
    }

    fn aws_home(&self) -> Option<AwsHome> {
        (self.platform == Platform::ClaudePlatformAws).then(|| AwsHome {
            account: SANDBOX_ACCOUNT_ID.to_string(),
            region: self
                .aws_region
                .clone()
                .unwrap_or_else(|| "us-east-2".to_string()),
        })
    }
}

#[cfg(unix)]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let tmp = path.with_extension("json.tmp");
    {
        let mut f = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)
}

#[cfg(not(unix))]
fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path)
}

impl SandboxWorld {
    /// Starts both emulators for the config directory `config_dir` (state under
    /// `.cmek/sandbox/`), binds the organization to `organization_uuid`, and seeds every
    /// workspace id in `workspace_ids` that does not exist yet.
    pub async fn start(
        config_dir: &Path,
        organization_uuid: &str,
        workspace_ids: &[String],
    ) -> Result<Self, SandboxError> {
        Self::start_for(
            config_dir,
            &SandboxOrganization::claude_platform(organization_uuid),
            workspace_ids,
        )
        .await
    }

    /// Starts the world a spec describes: its organization, platform, AWS home and workspaces.
    pub async fn start_for_spec(
        config_dir: &Path,
        desired: &Desired,
    ) -> Result<Self, SandboxError> {
        let workspace_ids: Vec<String> =
            desired.workspaces.values().map(|w| w.id.clone()).collect();
        Self::start_for(
            config_dir,
            &SandboxOrganization::of_spec(desired),
            &workspace_ids,
        )
        .await
    }

    /// Starts both emulators for `organization` (see [`Self::start`]).
    pub async fn start_for(
        config_dir: &Path,
        organization: &SandboxOrganization,
        workspace_ids: &[String],
    ) -> Result<Self, SandboxError> {
        let organization_uuid = organization.organization_uuid.as_str();
        let dir = sandbox_dir(config_dir);
        std::fs::create_dir_all(&dir)
            .map_err(|e| SandboxError::Io(format!("cannot create {}: {e}", dir.display())))?;
        let log = Arc::new(
            RequestLog::open(dir.join(crate::sandbox::admin_api::REQUEST_LOG_FILE))
                .map_err(|e| SandboxError::Io(e.to_string()))?,
        );

        let snapshot_path = dir.join(KMS_SNAPSHOT_FILE);
        let authorizer: Arc<PolicyLibraryAuthorizer> = Arc::new(Default::default());
        let sink = kms_log_sink(log.clone());
        let kms = if snapshot_path.exists() {
            let text = std::fs::read_to_string(&snapshot_path).map_err(|e| {
                SandboxError::Io(format!("cannot read {}: {e}", snapshot_path.display()))
            })?;
            KmsEmulator::from_snapshot(&text, CallerTable::sandbox_default(), authorizer, sink)
                .map_err(|e| SandboxError::Setup(format!("{}: {e}", snapshot_path.display())))?
        } else {
            KmsEmulator::new(CallerTable::sandbox_default(), authorizer, sink)
        };
        let kms = Arc::new(kms);
        let kms_server = serve(router(kms.clone()))
            .await
            .map_err(|e| SandboxError::Io(format!("cannot start the KMS emulator: {e}")))?;
        let kms_url = kms_server.base_url();

        let config = AdminApiConfig {
            organization_uuid: Some(organization_uuid.to_string()),
            state_path: Some(dir.join(crate::sandbox::admin_api::STATE_FILE)),
            request_log: Some(log),
            platform: organization.platform,
            aws_home: organization.aws_home(),
            ..AdminApiConfig::new(SANDBOX_ADMIN_API_KEY)
        };
        let admin = AdminApiEmulator::open(config, validator(kms_url.clone()))
            .await
            .map_err(|e| SandboxError::Setup(e.to_string()))?;
        let admin_server = admin
            .start()
            .await
            .map_err(|e| SandboxError::Io(format!("cannot start the Admin API emulator: {e}")))?;
        let endpoints = SandboxEndpoints {
            kms_url,
            admin_api_url: admin_server.base_url(),
            aws_access_key_id: SANDBOX_ADMIN_ACCESS_KEY_ID.to_string(),
            aws_secret_access_key: SANDBOX_SECRET_ACCESS_KEY.to_string(),
            admin_api_key: SANDBOX_ADMIN_API_KEY.to_string(),
            organization_uuid: admin.organization_uuid().to_string(),
        };
        let world = SandboxWorld {
            dir,
            kms,
            admin,
            kms_server: Some(kms_server),
            admin_server: Some(admin_server),
            endpoints,
        };
        world.seed_workspaces(workspace_ids).await?;
        world.save()?;
        Ok(world)
    }

    async fn seed_workspaces(&self, ids: &[String]) -> Result<(), SandboxError> {
        let existing: Vec<String> = self
            .admin
            .snapshot()
            .await
            .workspaces
            .iter()
            .map(|w| w.id.clone())
            .collect();
        let http = reqwest::Client::builder()
            .no_proxy()
            .build()
            .map_err(|e| SandboxError::Setup(e.to_string()))?;
        for id in ids {
            if existing.contains(id) {
                continue;
            }
            let response = http
                .post(format!(
                    "{}/_sandbox/workspaces",
                    self.endpoints.admin_api_url
                ))
                .header("x-api-key", SANDBOX_ADMIN_API_KEY)
                .header(
                    "anthropic-version",
                    crate::anthropic::types::ANTHROPIC_VERSION,
                )
                .json(&serde_json::json!({ "id": id }))
                .send()
                .await
                .map_err(|e| SandboxError::Setup(format!("seeding workspace {id}: {e}")))?;
            if !response.status().is_success() {
                let status = response.status();
                let body = response.text().await.unwrap_or_default();
                return Err(SandboxError::Setup(format!(
                    "seeding workspace {id}: HTTP {status}: {body}"
                )));
            }
        }
        Ok(())
    }

    pub fn endpoints(&self) -> &SandboxEndpoints {
        &self.endpoints
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn kms(&self) -> &Arc<KmsEmulator> {
        &self.kms
    }

    pub fn admin(&self) -> &AdminApiEmulator {
        &self.admin
    }

    /// Writes the KMS snapshot (0600). The Admin API emulator persists itself on every change.
    pub fn save(&self) -> Result<(), SandboxError> {
        let snapshot = self
            .kms
            .to_snapshot()
            .map_err(|e| SandboxError::Setup(e.to_string()))?;
        let path = self.dir.join(KMS_SNAPSHOT_FILE);
        write_private(&path, &snapshot)
            .map_err(|e| SandboxError::Io(format!("cannot write {}: {e}", path.display())))
    }

    /// Saves and stops both servers.
    pub async fn shutdown(mut self) -> Result<(), SandboxError> {
        self.save()?;
        if let Some(s) = self.kms_server.take() {
            s.shutdown()
                .await
                .map_err(|e| SandboxError::Io(e.to_string()))?;
        }
        if let Some(s) = self.admin_server.take() {
            s.shutdown()
                .await
                .map_err(|e| SandboxError::Io(e.to_string()))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORG: &str = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";

    #[tokio::test]
    async fn starts_seeds_idempotently_and_persists() {
        let tmp = tempfile::tempdir().unwrap();
        let ids = vec!["wrkspc_01abc".to_string()];
        let world = SandboxWorld::start(tmp.path(), ORG, &ids).await.unwrap();
        assert_eq!(world.endpoints().organization_uuid, ORG);
        let compartment = world.admin().snapshot().await.workspaces[0]
            .compartment_id
            .clone();
        world.shutdown().await.unwrap();
        let snapshot = tmp.path().join(".cmek/sandbox/kms.json");
        assert!(snapshot.exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&snapshot).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let world = SandboxWorld::start(tmp.path(), ORG, &ids).await.unwrap();
        let workspaces = world.admin().snapshot().await.workspaces;
        assert_eq!(workspaces.len(), 1);
        assert_eq!(workspaces[0].compartment_id, compartment);
        world.shutdown().await.unwrap();
        assert!(reset(tmp.path()).unwrap());
        assert!(!tmp.path().join(".cmek").join("sandbox").exists());
    }
}
