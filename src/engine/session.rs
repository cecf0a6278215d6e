//! One command run against a config directory: load the spec (diagnostics on error), open and
//! lock the state backend, build the clients (real endpoints, or the in-process sandbox), and
//! make the plan with the policy library.
//!
//! In sandbox mode no real credential is read: AWS gets the sandbox admin access key and the
//! Admin API the sandbox admin key, both pointing at 127.0.0.1.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use crate::anthropic::api_key::ApiKey;
use crate::anthropic::client::{AdminClient, ClientOptions};
use crate::anthropic::retry::RetryPolicy;
use crate::diag::render_text;
use crate::engine::oracle::LibraryOracle;
use crate::engine::prior::prior_from_state;
use crate::engine::refresh::{Clients, Refreshed, refresh};
use crate::plan::model::{Finding, PlanConfig, Severity};
use crate::plan::{Plan, make_plan};
use crate::providers::DEFAULT_CONCURRENCY;
use crate::providers::aws::{AwsKms, AwsKmsConfig, RetrySettings, StaticCredentials};
use crate::sandbox::world::SandboxWorld;
use crate::spec::model::{BackendConfig, Desired, KeyKind};
use crate::spec::{LoadOptions, load};
use crate::state::{LocalBackend, LockGuard, State, StateBackend};

/// How to open a session.
#[derive(Debug, Clone)]
pub struct SessionOptions {
    pub dir: PathBuf,
    pub vars: Vec<String>,
    pub var_files: Vec<PathBuf>,
    pub sandbox: bool,
    pub lock_timeout: Duration,
    pub parallelism: usize,
    /// What the lock says the run is doing (`plan`, `apply`).
    pub operation: &'static str,
}

impl SessionOptions {
    pub fn new(dir: impl Into<PathBuf>, operation: &'static str) -> Self {
        Self {
            dir: dir.into(),
            vars: Vec::new(),
            var_files: Vec::new(),
            sandbox: false,
            lock_timeout: Duration::ZERO,
            parallelism: DEFAULT_CONCURRENCY,
            operation,
        }
    }
}

/// Why a session could not open or run. `Spec` carries the rendered diagnostics.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("{0}")]
    Spec(String),
    #[error("{0}")]
    Other(String),
}

impl From<String> for SessionError {
    fn from(s: String) -> Self {
        SessionError::Other(s)
    }
}

/// An open session: spec loaded, state locked, clients ready.
pub struct Session {
    pub dir: PathBuf,
    pub desired: Desired,
    pub backend: LocalBackend,
    pub lock: Option<LockGuard>,
    pub state: State,
    /// Whether a state file existed when the session opened.
    pub state_existed: bool,
    pub clients: Clients,
    pub world: Option<SandboxWorld>,
    pub parallelism: usize,
    pub oracle: LibraryOracle,
    /// Workspaces as the last refresh read them (apply needs their compartments).
    pub observed_workspaces:
        std::collections::BTreeMap<crate::address::Address, crate::anthropic::types::Workspace>,
}

/// Loads the spec; diagnostics rendered as text on error.
pub fn load_spec(
    dir: &Path,
    vars: &[String],
    var_files: &[PathBuf],
) -> Result<Desired, SessionError> {
    let result = load(
        dir,
        &LoadOptions {
            vars: vars.to_vec(),
            var_files: var_files.to_vec(),
            env: None,
        },
    );
    let rendered = render_text::render(
        &result.diagnostics,
        &result.sources,
        render_text::stderr_wants_color(),
    );
    match result.desired {
        Some(d) if !result.diagnostics.has_errors() => {
            if !rendered.is_empty() {
                eprint!("{rendered}");
            }
            Ok(d)
        }
        _ => Err(SessionError::Spec(rendered)),
    }
}

/// The state file of config directory `dir`, for the commands that only read or replace the
/// state (`state`, `show state`): the `backend "local" { path }` its spec sets. A directory
/// without any `*.hcl` file (a state file kept alone, for recovery) uses the default path; a
/// spec that does not load is an error rather than a guess, because the guess could be the
/// wrong file.
pub fn local_state_path(dir: &Path) -> Result<PathBuf, String> {
    let has_spec = std::fs::read_dir(dir)
        .map_err(|e| format!("cannot read config directory {}: {e}", dir.display()))?
        .filter_map(Result::ok)
        .any(|e| e.path().extension().is_some_and(|x| x == "hcl"));
    if !has_spec {
        return Ok(crate::state::locate(dir));
    }
    let desired = load_spec(dir, &[], &[]).map_err(|e| match e {
        SessionError::Spec(rendered) => format!(
            "cannot read the spec in {} to find its state backend:\n{}",
            dir.display(),
            rendered.trim_end()
        ),
        SessionError::Other(m) => m,
    })?;
    backend_for(dir, &desired)
        .map(|backend| backend.path().to_path_buf())
        .map_err(|e| e.to_string())
}

/// The state backend the spec names, relative to the config directory.
pub fn backend_for(dir: &Path, desired: &Desired) -> Result<LocalBackend, SessionError> {
    match &desired.backend {
        BackendConfig::Local { path } => Ok(LocalBackend::new(dir.join(path))),
        BackendConfig::S3 { .. } => Err(SessionError::Other(
            "the s3 state backend is not supported yet; use backend \"local\"".into(),
        )),
    }
}

fn aws_region(desired: &Desired) -> String {
    desired
        .providers
        .aws
        .as_ref()
        .map(|p| p.region.clone())
        .or_else(|| {
            desired.keys.values().find_map(|k| match &k.kind {
                KeyKind::Aws(a) => Some(a.region.clone()),
                _ => None,
            })
        })
        .unwrap_or_else(|| "us-east-2".into())
}

fn uses_aws(desired: &Desired) -> bool {
    desired.providers.aws.is_some()
        || desired
            .keys
            .values()
            .any(|k| matches!(k.kind, KeyKind::Aws(_)))
}

/// Builds the clients for real endpoints or for a running sandbox.
async fn build_clients(
    desired: &Desired,
    world: Option<&SandboxWorld>,
    parallelism: usize,
) -> Result<Clients, SessionError> {
    let region = aws_region(desired);
    let (aws, anthropic) = match world {
        Some(world) => {
            let ep = world.endpoints();
            let mut config = AwsKmsConfig::new(region);
            config.endpoint_url = Some(ep.kms_url.clone());
            config.static_credentials = Some(StaticCredentials {
                access_key_id: ep.aws_access_key_id.clone(),
                secret_access_key: ep.aws_secret_access_key.clone(),
            });
            config.retry = RetrySettings {
                max_attempts: 1,
                initial_backoff: Duration::from_millis(10),
            };
            // The sandbox emulates KMS and STS, not IAM.
            let aws = Arc::new(
                AwsKms::connect(&config)
                    .await
                    .with_concurrency(parallelism)
                    .with_iam_checks(false),
            );
            let key = ApiKey::new(ep.admin_api_key.clone()).map_err(|e| e.to_string())?;
            let options = ClientOptions {
                retry: RetryPolicy::none(),
                ..ClientOptions::default()
            };
            let client =
                AdminClient::new(&ep.admin_api_url, key, options).map_err(|e| e.to_string())?;
            (Some(aws), client)
        }
        None => {
            let aws = if uses_aws(desired) {
                let mut config = AwsKmsConfig::new(region);
                if let Some(p) = &desired.providers.aws {
                    config.profile = p.profile.clone();
                    config.endpoint_url = p.endpoint.clone();
                    config.assume_role =
                        p.assume_role
                            .as_ref()
                            .map(|r| crate::providers::aws::AssumeRole {
                                role_arn: r.role_arn.clone(),
                                external_id: r.external_id.clone(),
                                session_name: r.session_name.clone(),
                            });
                }
                Some(Arc::new(
                    AwsKms::connect(&config).await.with_concurrency(parallelism),
                ))
            } else {
                None
            };
            let key =
                ApiKey::from_env(&desired.anthropic.api_key_env).map_err(|e| e.to_string())?;
            let client =
                AdminClient::new(&desired.anthropic.base_url, key, ClientOptions::default())
                    .map_err(|e| e.to_string())?;
            (aws, client)
        }
    };
    Ok(Clients {
        aws,
        anthropic: Arc::new(anthropic),
    })
}

impl Session {
    /// Loads, locks and connects. On any error after locking, the lock is released.
    pub async fn open(opts: &SessionOptions) -> Result<Session, SessionError> {
        let desired = load_spec(&opts.dir, &opts.vars, &opts.var_files)?;
        let backend = backend_for(&opts.dir, &desired)?;
        let lock = backend
            .lock(opts.operation, opts.lock_timeout)
            .await
            .map_err(|e| e.to_string())?;
        Self::open_locked(opts, desired, backend, lock).await
    }

    async fn open_locked(
        opts: &SessionOptions,
        desired: Desired,
        backend: LocalBackend,
        lock: LockGuard,
    ) -> Result<Session, SessionError> {
        let read = backend.read().await;
        let existing = match read {
            Ok(s) => s,
            Err(e) => {
                let _ = lock.release();
                return Err(SessionError::Other(e.to_string()));
            }
        };
        let state_existed = existing.is_some();
        let state = existing.unwrap_or_default();
        let world = if opts.sandbox {
            match SandboxWorld::start_for_spec(&opts.dir, &desired).await {
                Ok(w) => Some(w),
                Err(e) => {
                    let _ = lock.release();
                    return Err(SessionError::Other(e.to_string()));
                }
            }
        } else {
            None
        };
        let clients = match build_clients(&desired, world.as_ref(), opts.parallelism).await {
            Ok(c) => c,
            Err(e) => {
                let _ = lock.release();
                return Err(e);
            }
        };
        Ok(Session {
            dir: opts.dir.clone(),
            desired,
            backend,
            lock: Some(lock),
            state,
            state_existed,
            clients,
            world,
            parallelism: opts.parallelism.max(1),
            oracle: Default::default(),
            observed_workspaces: Default::default(),
        })
    }

    /// Refreshes, plans, lints the spec (the findings go into the plan) and records where the
    /// plan was made from.
    pub async fn plan(&mut self) -> Result<(Plan, Refreshed), SessionError> {
        let refreshed = refresh(
            &self.desired,
            &self.state,
            &self.clients,
            &self.oracle,
            self.parallelism,
        )
        .await
        .map_err(|e| SessionError::Other(e.to_string()))?;
        self.observed_workspaces = refreshed.observed.workspaces.clone();
        let prior = prior_from_state(&self.state);
        let mut plan = make_plan(&self.desired, &prior, &refreshed.observed, &self.oracle)
            .map_err(|e| SessionError::Other(e.to_string()))?;
        for warning in &refreshed.warnings {
            eprintln!("warning: {warning}");
        }
        // Before anything is sent: no policy may lock out the identity running cmek.
        crate::engine::lockout::refuse_caller_lockouts(&plan, refreshed.aws_caller.as_ref())?;
        plan.findings = plan_findings(&self.dir, &self.desired);
        plan.config = Some(PlanConfig {
            dir: config_dir_label(&self.dir),
            fingerprint: config_fingerprint(&self.desired),
        });
        Ok((plan, refreshed))
    }

    /// Writes the state (serial +1) under the session's lock.
    pub async fn persist(&mut self) -> Result<(), String> {
        let lock = self
            .lock
            .as_ref()
            .ok_or_else(|| "the state lock was already released".to_string())?;
        self.backend
            .write(&mut self.state, lock)
            .await
            .map_err(|e| e.to_string())
    }

    /// Saves the sandbox, stops it, and releases the lock.
    pub async fn close(mut self) -> Result<(), String> {
        let mut errors = Vec::new();
        if let Some(world) = self.world.take()
            && let Err(e) = world.shutdown().await
        {
            errors.push(e.to_string());
        }
        if let Some(lock) = self.lock.take()
            && let Err(e) = lock.release()
        {
            errors.push(e.to_string());
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors.join("; "))
        }
    }
}

/// The lint findings of the spec being planned, as the plan carries them: active findings only
/// (suppressed ones stay out), sorted by address, rule and message.
pub fn plan_findings(dir: &Path, desired: &Desired) -> Vec<Finding> {
    let report = crate::lint::engine::lint_desired(dir, desired);
    for e in &report.errors {
        tracing::warn!("lint could not read {}: {}", e.location, e.message);
    }
    let mut findings: Vec<Finding> = report
        .findings
        .into_iter()
        .map(|f| Finding {
            rule_id: f.rule_id.to_string(),
            severity: match f.severity {
                crate::lint::Severity::Error => Severity::Error,
                crate::lint::Severity::Warning => Severity::Warning,
                crate::lint::Severity::Info => Severity::Info,
            },
            address: f
                .address
                .as_deref()
                .and_then(|a| crate::address::Address::parse(a).ok()),
            message: f.message,
            location: Some(f.location.to_string()),
        })
        .collect();
    findings.sort_by(|a, b| {
        (&a.address, &a.rule_id, &a.message, &a.location).cmp(&(
            &b.address,
            &b.rule_id,
            &b.message,
            &b.location,
        ))
    });
    findings
}

/// `sha256:<hex>` of the canonical JSON of `desired` without source positions: what the spec
/// asks for (after variables, locals and modules), not how it is laid out. Equal fingerprints
/// mean `apply PLANFILE` runs against the spec the plan was made from.
pub fn config_fingerprint(desired: &Desired) -> String {
    use sha2::{Digest, Sha256};
    fn strip_origins(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                map.remove("origin");
                map.values_mut().for_each(strip_origins);
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(strip_origins),
            _ => {}
        }
    }
    let mut value = serde_json::to_value(desired).unwrap_or(serde_json::Value::Null);
    strip_origins(&mut value);
    let canonical = canonical_json(&value);
    format!(
        "sha256:{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    )
}

/// JSON with object keys sorted at every level (serde_json keeps insertion order here).
fn canonical_json(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let items: Vec<String> = keys
                .into_iter()
                .map(|k| {
                    format!(
                        "{}:{}",
                        serde_json::Value::String(k.clone()),
                        canonical_json(&map[k])
                    )
                })
                .collect();
            format!("{{{}}}", items.join(","))
        }
        serde_json::Value::Array(items) => {
            let items: Vec<String> = items.iter().map(canonical_json).collect();
            format!("[{}]", items.join(","))
        }
        other => other.to_string(),
    }
}

/// The config directory as a plan file records it: relative to the current directory when it
/// is under it (or was given relative), with `/` separators; `.` for the current directory.
pub fn config_dir_label(dir: &Path) -> String {
    let relative = if dir.is_absolute() {
        std::env::current_dir()
            .ok()
            .and_then(|cwd| dir.strip_prefix(&cwd).ok().map(Path::to_path_buf))
            .unwrap_or_else(|| dir.to_path_buf())
    } else {
        dir.to_path_buf()
    };
    let parts: Vec<String> = relative
        .components()
        .filter(|c| !matches!(c, std::path::Component::CurDir))
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.is_empty() {
        ".".to_string()
    } else if relative.is_absolute() {
        relative.to_string_lossy().replace('\\', "/")
    } else {
        parts.join("/")
    }
}
