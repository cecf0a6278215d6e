//! The Admin API emulator: an in-process HTTP server that behaves like the Anthropic Admin API's
//! CMEK endpoints (`domain/anthropic-cmek.md` §7) — the documented rules, not canned responses —
//! plus sandbox-only seeding endpoints under `/_sandbox/` that the real API does not have:
//!
//! - `POST /_sandbox/workspaces` `{"name"?, "id"?, "external_key_id"?}` creates a workspace;
//! - `POST /_sandbox/workspaces/{id}/archive` archives one (it keeps its key reference).
//!
//! Module map: `state` (the organization and its rules), `provider_config` (shape checks),
//! `validator` (how validate checks a key), `persist` (the JSON state file), `server` (HTTP),
//! `ids` (identifier formats).

pub mod ids;
pub mod persist;
pub mod provider_config;
pub mod server;
pub mod state;
pub mod validator;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;

use crate::sandbox::http::{RunningServer, serve};
use crate::sandbox::log::RequestLog;
use crate::spec::model::Platform;

pub use persist::{DEFAULT_STATE_FILE, StateFileError};
pub use state::{AdminState, AwsHome};
pub use validator::{FnValidator, KeyValidator, ValidationFuture};

/// How long the emulated validate waits for the key, like Anthropic's 30 s.
pub const DEFAULT_VALIDATION_TIMEOUT: Duration = Duration::from_secs(30);

/// Settings of an [`AdminApiEmulator`].
#[derive(Clone)]
pub struct AdminApiConfig {
    /// The admin key the emulator accepts in `x-api-key`. Never logged or persisted.
    pub api_key: String,
    /// The organization's UUID; generated (and then persisted) when `None`.
    pub organization_uuid: Option<String>,
    /// Where the state lives between runs; in memory only when `None`.
    pub state_path: Option<PathBuf>,
    pub request_log: Option<Arc<RequestLog>>,
    pub validation_timeout: Duration,
    /// The organization's product (registration and attach rules differ per platform).
    pub platform: Platform,
    /// Claude Platform on AWS: the account and region the organization's workspaces live in.
    pub aws_home: Option<AwsHome>,
}

impl AdminApiConfig {
    /// An in-memory emulator accepting `api_key`.
    pub fn new(api_key: impl Into<String>) -> Self {
        Self {
            api_key: api_key.into(),
            organization_uuid: None,
            state_path: None,
            request_log: None,
            validation_timeout: DEFAULT_VALIDATION_TIMEOUT,
            platform: Platform::ClaudePlatform,
            aws_home: None,
        }
    }
}

impl AdminApiConfig {
    /// An emulator persisting to `<dir>/anthropic.json` and logging to `<dir>/requests.jsonl`
    /// (with `dir` = [`crate::sandbox::DEFAULT_SANDBOX_DIR`] for `cmek --sandbox`).
    pub fn in_dir(
        dir: &std::path::Path,
        api_key: impl Into<String>,
    ) -> Result<Self, crate::sandbox::log::RequestLogError> {
        let log = RequestLog::open(dir.join(REQUEST_LOG_FILE))?;
        Ok(Self {
            state_path: Some(dir.join(STATE_FILE)),
            request_log: Some(Arc::new(log)),
            ..Self::new(api_key)
        })
    }
}

/// File names inside a sandbox directory.
pub const STATE_FILE: &str = "anthropic.json";
pub const REQUEST_LOG_FILE: &str = "requests.jsonl";

impl std::fmt::Debug for AdminApiConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminApiConfig")
            .field("api_key", &"<redacted>")
            .field("organization_uuid", &self.organization_uuid)
            .field("state_path", &self.state_path)
            .field("request_log", &self.request_log.as_ref().map(|l| l.path()))
            .field("validation_timeout", &self.validation_timeout)
            .field("platform", &self.platform)
            .field("aws_home", &self.aws_home)
            .finish()
    }
}

/// Why an emulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum EmulatorSetupError {
    #[error(transparent)]
    State(#[from] StateFileError),
    #[error("organization_uuid `{0}` is not a bare lowercase UUID")]
    InvalidOrganization(String),
    #[error("the sandbox admin API key must not be empty")]
    EmptyApiKey,
}

/// The Admin API emulator (cheap to clone; clones share one organization).
#[derive(Clone)]
pub struct AdminApiEmulator {
    shared: Arc<server::Shared>,
}

impl std::fmt::Debug for AdminApiEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminApiEmulator")
            .field("organization_uuid", &self.shared.organization_uuid)
            .field("state_path", &self.shared.state_path)
            .finish_non_exhaustive()
    }
}

impl AdminApiEmulator {
    /// Loads the organization from `config.state_path` (or creates it, and saves it at once so
    /// the organization UUID is stable across runs).
    pub async fn open(
        config: AdminApiConfig,
        validator: Arc<dyn KeyValidator>,
    ) -> Result<Self, EmulatorSetupError> {
        if config.api_key.is_empty() {
            return Err(EmulatorSetupError::EmptyApiKey);
        }
        if let Some(org) = &config.organization_uuid {
            let valid =
                uuid::Uuid::try_parse(org).is_ok_and(|u| u.hyphenated().to_string() == *org);
            if !valid {
                return Err(EmulatorSetupError::InvalidOrganization(org.clone()));
            }
        }
        let loaded = match &config.state_path {
            Some(path) => persist::load(path).await?,
            None => None,
        };
        let state = match loaded {
            Some(mut state) => {
                // The spec decides the platform: a sandbox follows a platform edit (the
                // organization's keys and workspaces stay as they are).
                state.platform = config.platform;
                state.aws_home = config.aws_home.clone();
                if let (Some(expected), Some(path)) =
                    (&config.organization_uuid, &config.state_path)
                    && *expected != state.organization_uuid
                {
                    return Err(StateFileError::OrganizationMismatch {
                        path: path.clone(),
                        found: state.organization_uuid,
                        expected: expected.clone(),
                    }
                    .into());
                }
                state
            }
            None => {
                let org = config
                    .organization_uuid
                    .clone()
                    .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
                let state = AdminState::for_platform(org, config.platform, config.aws_home.clone());
                if let Some(path) = &config.state_path {
                    persist::save(path, &state).await?;
                }
                state
            }
        };
        Ok(Self {
            shared: Arc::new(server::Shared {
                api_key: config.api_key,
                organization_uuid: state.organization_uuid.clone(),
                state: tokio::sync::Mutex::new(state),
                state_path: config.state_path,
                validator,
                log: config.request_log,
                validation_timeout: config.validation_timeout,
            }),
        })
    }

    /// The emulated organization's UUID.
    pub fn organization_uuid(&self) -> &str {
        &self.shared.organization_uuid
    }

    /// The axum router serving the emulated API.
    pub fn router(&self) -> Router {
        server::router(self.shared.clone())
    }

    /// Serves the emulator on `127.0.0.1:<ephemeral port>`.
    pub async fn start(&self) -> std::io::Result<RunningServer> {
        serve(self.router()).await
    }

    /// A copy of the current state (for tests and `cmek --sandbox` diagnostics).
    pub async fn snapshot(&self) -> AdminState {
        self.shared.state.lock().await.clone()
    }
}
