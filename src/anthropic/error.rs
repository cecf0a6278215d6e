//! `AdminApiError`: every way an Admin API call can fail, with messages a platform engineer can
//! act on.
//!
//! Invariants: no variant holds the API key or any header; server messages are carried as the API
//! sent them (they never echo the key: the server never sees it in a body); 401 names the
//! environment variable, never its value. Local refusals (write-once attach, immutable fields,
//! deleting an attached registration) are errors too, distinct from server rejections.

use std::time::Duration;

/// The Admin API's runtime CMEK error codes (`domain/anthropic-cmek.md` §7).
pub const CMEK_KEY_DISABLED: &str = "cmek_key_disabled";
pub const CMEK_KEY_NETWORK_BLOCKED: &str = "cmek_key_network_blocked";
pub const CMEK_KEY_UNREACHABLE: &str = "cmek_key_unreachable";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminApiError {
    /// 401.
    #[error(
        "the admin API key in {key_source} was rejected (401 {message}); check that it is a current admin key of the organization"
    )]
    Unauthorized { key_source: String, message: String },

    /// 403.
    #[error(
        "the admin API key in {key_source} is not allowed to {operation} (403 {message}); CMEK configuration needs an organization admin key"
    )]
    Forbidden {
        key_source: String,
        operation: String,
        message: String,
    },

    /// 404, naming what was looked up.
    #[error("{resource} was not found (404 {message})")]
    NotFound { resource: String, message: String },

    /// 400/409/413/422 (other than the CMEK runtime codes): the API refused the request.
    #[error("the Admin API rejected {operation} ({status} {error_type}): {message}")]
    Rejected {
        operation: String,
        status: u16,
        error_type: String,
        message: String,
    },

    /// `cmek_key_disabled` (400).
    #[error(
        "{operation} failed with cmek_key_disabled: the customer key refused Anthropic's request ({message}). The key may be disabled, Anthropic's access removed, the workspace's compartment id missing from the AWS key policy, or an IP condition may block it; run `cmek verify`"
    )]
    CmekKeyDisabled { operation: String, message: String },

    /// `cmek_key_network_blocked` (400).
    #[error(
        "{operation} failed with cmek_key_network_blocked: a KMS firewall or IP allow-list blocks Anthropic ({message}); allow Anthropic's egress ranges on the key's network rules"
    )]
    CmekKeyNetworkBlocked { operation: String, message: String },

    /// `cmek_key_unreachable` (503, retryable), after the retries were spent.
    #[error(
        "{operation} failed with cmek_key_unreachable after {attempts} attempt(s): the key's KMS is unreachable ({message}); this is usually a provider outage, retry later"
    )]
    CmekKeyUnreachable {
        operation: String,
        attempts: u32,
        message: String,
    },

    /// 429 after the retries were spent (or the server asked to wait longer than allowed).
    #[error("{operation} was rate limited after {attempts} attempt(s) (429 {message})")]
    RateLimited {
        operation: String,
        attempts: u32,
        message: String,
        retry_after: Option<Duration>,
    },

    /// 5xx after the retries were spent.
    #[error(
        "{operation} failed with a server error after {attempts} attempt(s) ({status} {message})"
    )]
    Server {
        operation: String,
        status: u16,
        attempts: u32,
        message: String,
    },

    /// Any other unexpected status.
    #[error("{operation} got an unexpected HTTP {status}: {message}")]
    UnexpectedStatus {
        operation: String,
        status: u16,
        message: String,
    },

    /// No HTTP response: DNS, connect, TLS, reset.
    #[error("{operation} could not reach {base_url} after {attempts} attempt(s): {message}")]
    Transport {
        operation: String,
        base_url: String,
        attempts: u32,
        message: String,
    },

    /// The per-request time budget ran out.
    #[error("{operation} timed out after {timeout:?} ({attempts} attempt(s))")]
    Timeout {
        operation: String,
        timeout: Duration,
        attempts: u32,
    },

    /// A 2xx whose body was not the documented shape.
    #[error("{operation} returned a response cmek cannot read: {message}")]
    InvalidResponse { operation: String, message: String },

    /// Local refusal: attach is write-once and the workspace already has a different key.
    #[error(
        "refusing to attach {requested} to workspace {workspace_id}: it already has external key {existing}, and a workspace key can never be changed; create a new workspace for the new key"
    )]
    WorkspaceKeyAlreadySet {
        workspace_id: String,
        existing: String,
        requested: String,
    },

    /// Local refusal: `geo`/`provider_config` cannot change once a workspace references the key.
    #[error(
        "refusing to change {fields} of external key {id}: it is attached to a workspace, so only display_name can change"
    )]
    ImmutableWhileAttached { id: String, fields: String },

    /// A caller-side mistake caught before any request (bad id, bad limit, bad base URL).
    #[error("invalid Admin API request: {0}")]
    InvalidArgument(String),
}

impl AdminApiError {
    /// Whether a later retry of the same call may succeed without any change by the user.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::CmekKeyUnreachable { .. }
                | Self::RateLimited { .. }
                | Self::Server { .. }
                | Self::Transport { .. }
                | Self::Timeout { .. }
        )
    }

    /// The HTTP status of the server response behind this error, if there was one.
    pub fn http_status(&self) -> Option<u16> {
        match self {
            Self::Unauthorized { .. } => Some(401),
            Self::Forbidden { .. } => Some(403),
            Self::NotFound { .. } => Some(404),
            Self::Rejected { status, .. }
            | Self::Server { status, .. }
            | Self::UnexpectedStatus { status, .. } => Some(*status),
            Self::CmekKeyDisabled { .. } | Self::CmekKeyNetworkBlocked { .. } => Some(400),
            Self::CmekKeyUnreachable { .. } => Some(503),
            Self::RateLimited { .. } => Some(429),
            _ => None,
        }
    }
}
