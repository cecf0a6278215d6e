//! The emulator object: state behind a lock, the caller table, the policy authorizer and the
//! request-log callback, and the dispatch from an operation name to its handler.

use std::collections::BTreeMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;

use super::authz::{AuthzDecision, KeyPolicyAuthorizer, KmsRequestContext};
use super::error::{KmsError, KmsErrorCode};
use super::identity::{CallerTable, CredentialScope, Principal};
use super::ops;
use super::state::{KmsKey, KmsState, Scope, now_epoch};

/// How a request ended, for the request log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KmsOutcome {
    Ok,
    Error(KmsErrorCode),
}

impl std::fmt::Display for KmsOutcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Ok => f.write_str("ok"),
            Self::Error(code) => write!(f, "{code}"),
        }
    }
}

/// One request-log line. Carries no key material, plaintext, ciphertext or policy text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmsLogEntry {
    /// The KMS operation (`DescribeKey`), or `sts:GetCallerIdentity` for the STS endpoint.
    pub operation: String,
    /// The caller's principal ARN, or the raw access key id when it was not recognized.
    pub caller: String,
    /// The key the request resolved to, when it got that far.
    pub key_id: Option<String>,
    pub outcome: KmsOutcome,
}

/// Receives every request-log entry.
pub type KmsLogSink = Arc<dyn Fn(KmsLogEntry) + Send + Sync>;

/// The in-process AWS KMS emulator.
pub struct KmsEmulator {
    callers: CallerTable,
    authorizer: Arc<dyn KeyPolicyAuthorizer>,
    log: KmsLogSink,
    state: Mutex<KmsState>,
    /// Temporary credentials from STS AssumeRole: access key id -> principal. Not persisted:
    /// sessions end with the process, as real sessions end at their expiry.
    sessions: Mutex<BTreeMap<String, Principal>>,
    /// Injected failures, consumed in order (tests of retry behaviour).
    faults: Mutex<Vec<Fault>>,
}

/// A failure the emulator answers instead of running an operation, `remaining` times.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Fault {
    operation: String,
    code: KmsErrorCode,
    remaining: u32,
}

impl std::fmt::Debug for KmsEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KmsEmulator")
            .field("callers", &self.callers)
            .finish_non_exhaustive()
    }
}

/// An error restoring the emulator from a snapshot.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("the KMS sandbox snapshot is not valid: {0}")]
    Invalid(String),
    #[error("the KMS sandbox snapshot has format version {found}, expected {expected}")]
    Version { found: u32, expected: u32 },
}

impl KmsEmulator {
    /// An empty emulator. The authorizer is mandatory: the emulator has no policy semantics of
    /// its own.
    pub fn new(
        callers: CallerTable,
        authorizer: Arc<dyn KeyPolicyAuthorizer>,
        log: KmsLogSink,
    ) -> Self {
        Self {
            callers,
            authorizer,
            log,
            state: Mutex::new(KmsState::default()),
            sessions: Mutex::new(BTreeMap::new()),
            faults: Mutex::new(Vec::new()),
        }
    }

    /// The persistence snapshot (JSON). It holds key material: store it owner-only, never print
    /// it.
    pub fn to_snapshot(&self) -> Result<String, SnapshotError> {
        serde_json::to_string(&*self.lock()).map_err(|e| SnapshotError::Invalid(e.to_string()))
    }

    /// An emulator restored from [`KmsEmulator::to_snapshot`] output.
    pub fn from_snapshot(
        snapshot: &str,
        callers: CallerTable,
        authorizer: Arc<dyn KeyPolicyAuthorizer>,
        log: KmsLogSink,
    ) -> Result<Self, SnapshotError> {
        // Serde errors on this document could quote key material; report only the location.
        let state: KmsState = serde_json::from_str(snapshot).map_err(|e| {
            SnapshotError::Invalid(format!("at line {} column {}", e.line(), e.column()))
        })?;
        if state.format_version != super::state::SNAPSHOT_FORMAT_VERSION {
            return Err(SnapshotError::Version {
                found: state.format_version,
                expected: super::state::SNAPSHOT_FORMAT_VERSION,
            });
        }
        state.check_invariants().map_err(SnapshotError::Invalid)?;
        let emulator = Self::new(callers, authorizer, log);
        *emulator.lock() = state;
        Ok(emulator)
    }

    pub(crate) fn callers(&self) -> &CallerTable {
        &self.callers
    }

    /// Resolves the caller of a request (static table first, then AssumeRole sessions).
    pub(crate) fn authenticate(
        &self,
        authorization: Option<&str>,
    ) -> Result<(Principal, CredentialScope), KmsError> {
        self.callers.authenticate(authorization, |access_key_id| {
            self.sessions
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .get(access_key_id)
                .cloned()
        })
    }

    /// Makes the next `times` calls of `operation` (e.g. `DescribeKey`) fail with `code`
    /// (e.g. `ThrottlingException`, `KMSInternalException`) before any other processing, so
    /// tests can exercise clients' bounded retries.
    pub fn inject_fault(&self, operation: &str, code: KmsErrorCode, times: u32) {
        self.faults
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(Fault {
                operation: operation.to_string(),
                code,
                remaining: times,
            });
    }

    /// Consumes one injected failure for `operation`, if any is pending.
    fn take_fault(&self, operation: &str) -> Option<KmsError> {
        let mut faults = self.faults.lock().unwrap_or_else(|p| p.into_inner());
        let fault = faults
            .iter_mut()
            .find(|f| f.operation == operation && f.remaining > 0)?;
        fault.remaining -= 1;
        let code = fault.code;
        faults.retain(|f| f.remaining > 0);
        Some(KmsError::new(
            code,
            "injected failure (sandbox fault injection)",
        ))
    }

    /// Registers temporary credentials for an assumed role.
    pub(crate) fn add_session(&self, access_key_id: String, principal: Principal) {
        self.sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(access_key_id, principal);
    }

    pub(crate) fn log(&self, entry: KmsLogEntry) {
        (self.log)(entry);
    }

    fn lock(&self) -> MutexGuard<'_, KmsState> {
        // A panic while holding the lock cannot leave the state half-written in a way that
        // matters more than refusing all further requests would; keep serving.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs one KMS operation for an authenticated caller and logs it.
    pub fn handle(
        &self,
        operation: &str,
        caller: &Principal,
        region: &str,
        source_ip: Option<IpAddr>,
        body: &Value,
    ) -> Result<Value, KmsError> {
        let mut call = Call {
            caller,
            region,
            source_ip,
            authorizer: self.authorizer.as_ref(),
            key_id: None,
        };
        let result = if let Some(fault) = self.take_fault(operation) {
            Err(fault)
        } else {
            let mut state = self.lock();
            state.purge_expired(now_epoch());
            ops::dispatch(operation, &mut call, &mut state, body)
        };
        self.log(KmsLogEntry {
            operation: operation.to_string(),
            caller: caller.arn.clone(),
            key_id: call.key_id.clone(),
            outcome: match &result {
                Ok(_) => KmsOutcome::Ok,
                Err(e) => KmsOutcome::Error(e.code),
            },
        });
        result
    }
}

/// Per-request context handed to operation handlers.
pub struct Call<'a> {
    pub caller: &'a Principal,
    pub region: &'a str,
    pub source_ip: Option<IpAddr>,
    authorizer: &'a dyn KeyPolicyAuthorizer,
    /// The key the request resolved to, recorded for the request log.
    pub key_id: Option<String>,
}

impl<'a> Call<'a> {
    pub fn scope(&self) -> Scope<'_> {
        Scope {
            account: &self.caller.account,
            region: self.region,
        }
    }

    /// Asks the authorizer about `policy` (which may be a proposed one, for the lockout check).
    pub fn decide(
        &self,
        policy: &str,
        key_arn: &str,
        key_account: &str,
        action: &str,
        encryption_context: &BTreeMap<String, String>,
    ) -> AuthzDecision {
        let request = KmsRequestContext {
            principal_arn: self.caller.arn.clone(),
            principal_account: self.caller.account.clone(),
            action: action.to_string(),
            key_arn: key_arn.to_string(),
            key_account: key_account.to_string(),
            encryption_context: encryption_context.clone(),
            source_ip: self.source_ip,
        };
        self.authorizer.authorize(policy, &request)
    }

    /// Authorizes `action` on `key` under its current policy.
    pub fn authorize(
        &mut self,
        key: &KmsKey,
        action: &str,
        encryption_context: &BTreeMap<String, String>,
    ) -> Result<(), KmsError> {
        self.key_id = Some(key.key_id.clone());
        let decision = self.decide(
            &key.policy,
            &key.arn,
            &key.account,
            action,
            encryption_context,
        );
        if decision.allowed {
            Ok(())
        } else {
            Err(KmsError::new(
                KmsErrorCode::AccessDeniedException,
                format!(
                    "User: {} is not authorized to perform: {action} on resource: {} ({})",
                    self.caller.arn, key.arn, decision.reason
                ),
            ))
        }
    }
}
