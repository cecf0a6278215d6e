//! `AdminClient`: the Anthropic Admin API calls cmek needs for CMEK (`domain/anthropic-cmek.md`
//! §7), over reqwest with rustls.
//!
//! Invariants:
//! - the API key is attached as a sensitive header and nowhere else; request logging (tracing)
//!   records method, path, attempt, status and timing, never headers or bodies;
//! - plain `http://` is accepted only for loopback hosts (the sandbox), so a real key never
//!   crosses the network unencrypted;
//! - attach is write-once: the client reads the workspace first and refuses locally to send a
//!   different key; deleting a registration is refused locally unless it is unattached; `geo` and
//!   `provider_config` updates are refused locally once attached. The server enforces the same;
//!   the local checks give a clear message and avoid the call;
//! - create is the only non-idempotent call: it is retried only when the request certainly did
//!   not reach the server (connect failure) or was throttled (429).

use std::collections::HashSet;
use std::time::{Duration, Instant};

use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Method, StatusCode, Url};
use serde::de::DeserializeOwned;

use super::api_key::ApiKey;
use super::error::{
    AdminApiError, CMEK_KEY_DISABLED, CMEK_KEY_NETWORK_BLOCKED, CMEK_KEY_UNREACHABLE,
};
use super::retry::{RetryPolicy, parse_retry_after};
use super::types::{
    ANTHROPIC_VERSION, ApiErrorBody, AttachExternalKey, Attachment, CreateExternalKey, ExternalKey,
    ExternalKeyPage, UpdateExternalKey, ValidationResult, Workspace,
};

/// The production Admin API.
pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";

/// Largest page the list endpoint serves.
pub const MAX_PAGE_LIMIT: u32 = 100;

/// Guard against a server that never stops paging.
const MAX_PAGES: usize = 10_000;

/// Longest error body excerpt kept in a message when the body is not the API's JSON shape.
const MAX_BODY_EXCERPT: usize = 300;

/// Timeouts and retries of an [`AdminClient`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientOptions {
    /// Per-attempt budget of every call except validate.
    pub timeout: Duration,
    /// Per-attempt budget of validate: Anthropic waits up to 30 s for the KMS round trip, so the
    /// default is those 30 s plus 5 s for the trip to Anthropic and back.
    pub validate_timeout: Duration,
    pub connect_timeout: Duration,
    pub retry: RetryPolicy,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            validate_timeout: Duration::from_secs(35),
            connect_timeout: Duration::from_secs(10),
            retry: RetryPolicy::default(),
        }
    }
}

/// What [`AdminClient::attach_external_key`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttachOutcome {
    /// The workspace had no key; it now has the requested one.
    Attached(Workspace),
    /// The workspace already had the requested key; nothing was sent.
    AlreadyAttached(Workspace),
}

impl AttachOutcome {
    pub fn workspace(&self) -> &Workspace {
        match self {
            Self::Attached(w) | Self::AlreadyAttached(w) => w,
        }
    }
}

/// Whether a call may be repeated after the server might have processed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Idempotency {
    Idempotent,
    NotIdempotent,
}

/// One logical API call (possibly several attempts).
struct Call {
    method: Method,
    path: String,
    query: Vec<(&'static str, String)>,
    body: Option<serde_json::Value>,
    /// Human description for messages: "get external key ekey_...".
    operation: String,
    /// What a 404 means: "external key ekey_...".
    resource: String,
    timeout: Duration,
    idempotency: Idempotency,
}

/// Client of the Anthropic Admin API (Claude Platform).
#[derive(Clone)]
pub struct AdminClient {
    http: reqwest::Client,
    base_url: String,
    api_key: ApiKey,
    options: ClientOptions,
}

impl std::fmt::Debug for AdminClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminClient")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key)
            .field("options", &self.options)
            .finish()
    }
}

impl AdminClient {
    /// A client for `base_url` (`https://api.anthropic.com`, or a loopback `http://` sandbox).
    pub fn new(
        base_url: &str,
        api_key: ApiKey,
        options: ClientOptions,
    ) -> Result<Self, AdminApiError> {
        let url = Url::parse(base_url).map_err(|e| {
            AdminApiError::InvalidArgument(format!("base_url `{base_url}` is not a URL: {e}"))
        })?;
        let loopback = is_loopback(&url);
        match url.scheme() {
            "https" => {}
            "http" if loopback => {}
            "http" => {
                return Err(AdminApiError::InvalidArgument(format!(
                    "base_url `{base_url}` uses plain http; the admin API key may only be sent over https (plain http is allowed for 127.0.0.1/localhost sandboxes)"
                )));
            }
            other => {
                return Err(AdminApiError::InvalidArgument(format!(
                    "base_url `{base_url}` has unsupported scheme `{other}`; use https"
                )));
            }
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(AdminApiError::InvalidArgument(format!(
                "base_url `{base_url}` must not have a query or fragment"
            )));
        }

        let mut defaults = HeaderMap::new();
        defaults.insert(
            "anthropic-version",
            HeaderValue::from_static(ANTHROPIC_VERSION),
        );
        defaults.insert("content-type", HeaderValue::from_static("application/json"));
        let mut builder = reqwest::Client::builder()
            .use_rustls_tls()
            .user_agent(concat!("cmek/", env!("CARGO_PKG_VERSION")))
            .default_headers(defaults)
            .connect_timeout(options.connect_timeout);
        if loopback {
            // A sandbox on 127.0.0.1 must never be reached through an HTTP(S)_PROXY.
            builder = builder.no_proxy();
        }
        let http = builder.build().map_err(|e| {
            AdminApiError::InvalidArgument(format!("cannot build the HTTP client: {e}"))
        })?;
        Ok(Self {
            http,
            base_url: base_url.trim_end_matches('/').to_string(),
            api_key,
            options,
        })
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn options(&self) -> &ClientOptions {
        &self.options
    }

    // ----- external keys -------------------------------------------------------------------

    /// `POST /v1/organizations/external_keys`.
    pub async fn create_external_key(
        &self,
        request: &CreateExternalKey,
    ) -> Result<ExternalKey, AdminApiError> {
        if let Some(name) = &request.display_name {
            check_display_name(name)?;
        }
        let body = to_json(request)?;
        self.execute(Call {
            method: Method::POST,
            path: "/v1/organizations/external_keys".into(),
            query: Vec::new(),
            body: Some(body),
            operation: "create external key".into(),
            resource: "the external keys endpoint".into(),
            timeout: self.options.timeout,
            idempotency: Idempotency::NotIdempotent,
        })
        .await
    }

    /// One page of `GET /v1/organizations/external_keys` (newest first).
    pub async fn list_external_keys_page(
        &self,
        limit: u32,
        page: Option<&str>,
    ) -> Result<ExternalKeyPage, AdminApiError> {
        if !(1..=MAX_PAGE_LIMIT).contains(&limit) {
            return Err(AdminApiError::InvalidArgument(format!(
                "list limit must be between 1 and {MAX_PAGE_LIMIT}, got {limit}"
            )));
        }
        let mut query = vec![("limit", limit.to_string())];
        if let Some(page) = page {
            query.push(("page", page.to_string()));
        }
        self.execute(Call {
            method: Method::GET,
            path: "/v1/organizations/external_keys".into(),
            query,
            body: None,
            operation: "list external keys".into(),
            resource: "the external keys endpoint".into(),
            timeout: self.options.timeout,
            idempotency: Idempotency::Idempotent,
        })
        .await
    }

    /// Every external key of the organization, newest first, following `next_page` until the
    /// server has no more pages.
    pub async fn list_external_keys(&self, limit: u32) -> Result<Vec<ExternalKey>, AdminApiError> {
        let mut keys = Vec::new();
        let mut page: Option<String> = None;
        let mut seen_cursors = HashSet::new();
        for _ in 0..MAX_PAGES {
            let result = self.list_external_keys_page(limit, page.as_deref()).await?;
            keys.extend(result.data);
            match result.next_page {
                Some(next) if !next.is_empty() => {
                    if !seen_cursors.insert(next.clone()) {
                        return Err(AdminApiError::InvalidResponse {
                            operation: "list external keys".into(),
                            message: "the server repeated a next_page cursor".into(),
                        });
                    }
                    page = Some(next);
                }
                _ => return Ok(keys),
            }
        }
        Err(AdminApiError::InvalidResponse {
            operation: "list external keys".into(),
            message: format!("more than {MAX_PAGES} pages"),
        })
    }

    /// `GET /v1/organizations/external_keys/{id}`.
    pub async fn get_external_key(&self, id: &str) -> Result<ExternalKey, AdminApiError> {
        check_id("external key id", id)?;
        self.execute(Call {
            method: Method::GET,
            path: format!("/v1/organizations/external_keys/{id}"),
            query: Vec::new(),
            body: None,
            operation: format!("get external key {id}"),
            resource: format!("external key {id}"),
            timeout: self.options.timeout,
            idempotency: Idempotency::Idempotent,
        })
        .await
    }

    /// `POST /v1/organizations/external_keys/{id}` (partial update). `display_name` can always
    /// change; `geo` and `provider_config` only while no workspace references the key (checked
    /// here before sending, and by the server).
    pub async fn update_external_key(
        &self,
        id: &str,
        update: &UpdateExternalKey,
    ) -> Result<ExternalKey, AdminApiError> {
        check_id("external key id", id)?;
        if update.display_name.is_none() && update.geo.is_none() && update.provider_config.is_none()
        {
            return Err(AdminApiError::InvalidArgument(format!(
                "update of external key {id} changes nothing"
            )));
        }
        if let Some(name) = &update.display_name {
            check_display_name(name)?;
        }
        if update.geo.is_some() || update.provider_config.is_some() {
            let current = self.get_external_key(id).await?;
            if current.attachment == Attachment::Attached {
                let mut fields = Vec::new();
                if update
                    .geo
                    .as_ref()
                    .is_some_and(|g| Some(g) != current.geo.as_ref())
                {
                    fields.push("geo");
                }
                if update
                    .provider_config
                    .as_ref()
                    .is_some_and(|p| *p != current.provider_config)
                {
                    fields.push("provider_config");
                }
                if !fields.is_empty() {
                    return Err(AdminApiError::ImmutableWhileAttached {
                        id: id.to_string(),
                        fields: fields.join(" and "),
                    });
                }
            }
        }
        let body = to_json(update)?;
        self.execute(Call {
            method: Method::POST,
            path: format!("/v1/organizations/external_keys/{id}"),
            query: Vec::new(),
            body: Some(body),
            operation: format!("update external key {id}"),
            resource: format!("external key {id}"),
            timeout: self.options.timeout,
            idempotency: Idempotency::Idempotent,
        })
        .await
    }

    /// `POST /v1/organizations/external_keys/{id}/validate`. The answer is in `status` (the HTTP
    /// code is 200 for both outcomes); callers must check it.
    pub async fn validate_external_key(&self, id: &str) -> Result<ValidationResult, AdminApiError> {
        check_id("external key id", id)?;
        self.execute(Call {
            method: Method::POST,
            path: format!("/v1/organizations/external_keys/{id}/validate"),
            query: Vec::new(),
            body: None,
            operation: format!("validate external key {id}"),
            resource: format!("external key {id}"),
            timeout: self.options.validate_timeout,
            idempotency: Idempotency::Idempotent,
        })
        .await
    }

    // ----- workspaces ----------------------------------------------------------------------

    /// `GET /v1/organizations/workspaces/{id}`.
    pub async fn get_workspace(&self, id: &str) -> Result<Workspace, AdminApiError> {
        check_id("workspace id", id)?;
        self.execute(Call {
            method: Method::GET,
            path: format!("/v1/organizations/workspaces/{id}"),
            query: Vec::new(),
            body: None,
            operation: format!("get workspace {id}"),
            resource: format!("workspace {id}"),
            timeout: self.options.timeout,
            idempotency: Idempotency::Idempotent,
        })
        .await
    }

    /// Attaches `external_key_id` to the workspace (write-once). Reads the workspace first: if it
    /// has the same key this is a no-op success; if it has a different key the call is refused
    /// locally and nothing is sent.
    pub async fn attach_external_key(
        &self,
        workspace_id: &str,
        external_key_id: &str,
    ) -> Result<AttachOutcome, AdminApiError> {
        check_id("workspace id", workspace_id)?;
        check_attach_key_reference(external_key_id)?;
        let current = self.get_workspace(workspace_id).await?;
        match current.external_key_id.as_deref() {
            Some(existing) if existing == external_key_id => {
                return Ok(AttachOutcome::AlreadyAttached(current));
            }
            Some(existing) => {
                return Err(AdminApiError::WorkspaceKeyAlreadySet {
                    workspace_id: workspace_id.to_string(),
                    existing: existing.to_string(),
                    requested: external_key_id.to_string(),
                });
            }
            None => {}
        }
        let body = to_json(&AttachExternalKey {
            external_key_id: external_key_id.to_string(),
        })?;
        let workspace: Workspace = self
            .execute(Call {
                method: Method::POST,
                path: format!("/v1/organizations/workspaces/{workspace_id}"),
                query: Vec::new(),
                body: Some(body),
                operation: format!(
                    "attach external key {external_key_id} to workspace {workspace_id}"
                ),
                resource: format!("workspace {workspace_id}"),
                timeout: self.options.timeout,
                idempotency: Idempotency::Idempotent,
            })
            .await?;
        if workspace.external_key_id.as_deref() != Some(external_key_id) {
            return Err(AdminApiError::InvalidResponse {
                operation: format!(
                    "attach external key {external_key_id} to workspace {workspace_id}"
                ),
                message: format!(
                    "the workspace reports external_key_id {:?} after the attach",
                    workspace.external_key_id
                ),
            });
        }
        Ok(AttachOutcome::Attached(workspace))
    }

    // ----- transport -----------------------------------------------------------------------

    /// Runs one logical call with retries and maps the outcome.
    async fn execute<T: DeserializeOwned>(&self, call: Call) -> Result<T, AdminApiError> {
        let url = format!("{}{}", self.base_url, call.path);
        let retry = &self.options.retry;
        let max_attempts = retry.max_attempts.max(1);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let started = Instant::now();
            let mut request = self
                .http
                .request(call.method.clone(), &url)
                .timeout(call.timeout)
                .header("x-api-key", self.api_key_header()?);
            if !call.query.is_empty() {
                request = request.query(&call.query);
            }
            if let Some(body) = &call.body {
                request = request.json(body);
            }
            let outcome = request.send().await;
            let elapsed_ms = started.elapsed().as_millis() as u64;

            let (failure, retry_after) = match outcome {
                Ok(response) => {
                    let status = response.status();
                    tracing::debug!(
                        method = %call.method,
                        path = %call.path,
                        attempt,
                        status = status.as_u16(),
                        elapsed_ms,
                        "admin api request"
                    );
                    if status.is_success() {
                        return self.decode(&call, response).await;
                    }
                    let retry_after = response
                        .headers()
                        .get("retry-after")
                        .and_then(|v| v.to_str().ok())
                        .and_then(parse_retry_after);
                    let text = response.text().await.unwrap_or_default();
                    let failure = Failure::Status { status, body: text };
                    (failure, retry_after)
                }
                Err(error) => {
                    tracing::debug!(
                        method = %call.method,
                        path = %call.path,
                        attempt,
                        elapsed_ms,
                        error = %transport_message(&error),
                        "admin api request failed"
                    );
                    (Failure::Transport(error), None)
                }
            };

            let retryable = failure.is_retryable(call.idempotency);
            if retryable
                && attempt < max_attempts
                && let Some(delay) = retry.delay(attempt, retry_after)
            {
                tracing::debug!(
                    path = %call.path,
                    attempt,
                    delay_ms = delay.as_millis() as u64,
                    "retrying admin api request"
                );
                tokio::time::sleep(delay).await;
                continue;
            }
            return Err(self.map_failure(&call, failure, attempt, retry_after));
        }
    }

    fn api_key_header(&self) -> Result<HeaderValue, AdminApiError> {
        let mut value = HeaderValue::from_str(self.api_key.expose_secret()).map_err(|_| {
            AdminApiError::InvalidArgument(format!(
                "the admin API key in {} cannot be sent as an HTTP header",
                self.api_key.source_description()
            ))
        })?;
        value.set_sensitive(true);
        Ok(value)
    }

    async fn decode<T: DeserializeOwned>(
        &self,
        call: &Call,
        response: reqwest::Response,
    ) -> Result<T, AdminApiError> {
        let bytes = response
            .bytes()
            .await
            .map_err(|e| AdminApiError::InvalidResponse {
                operation: call.operation.clone(),
                message: format!("reading the body failed: {}", transport_message(&e)),
            })?;
        serde_json::from_slice(&bytes).map_err(|e| AdminApiError::InvalidResponse {
            operation: call.operation.clone(),
            message: format!(
                "{e} (body: {})",
                excerpt(&redact(
                    &String::from_utf8_lossy(&bytes),
                    self.api_key.expose_secret()
                ))
            ),
        })
    }

    fn map_failure(
        &self,
        call: &Call,
        failure: Failure,
        attempts: u32,
        retry_after: Option<Duration>,
    ) -> AdminApiError {
        let operation = call.operation.clone();
        match failure {
            Failure::Transport(error) if error.is_timeout() => AdminApiError::Timeout {
                operation,
                timeout: call.timeout,
                attempts,
            },
            Failure::Transport(error) => AdminApiError::Transport {
                operation,
                base_url: self.base_url.clone(),
                attempts,
                message: transport_message(&error),
            },
            Failure::Status { status, body } => {
                // A misbehaving server or proxy could echo the key back; never carry it on.
                let body = redact(&body, self.api_key.expose_secret());
                let parsed: Option<ApiErrorBody> = serde_json::from_str(&body).ok();
                let (error_type, message) = match parsed {
                    Some(b) => (b.error.error_type, b.error.message),
                    None => (String::new(), excerpt(&body)),
                };
                let message = if message.is_empty() {
                    status
                        .canonical_reason()
                        .unwrap_or("no message")
                        .to_string()
                } else {
                    message
                };
                map_status(
                    &operation,
                    &call.resource,
                    &self.api_key.source_description(),
                    status,
                    &error_type,
                    message,
                    attempts,
                    retry_after,
                )
            }
        }
    }
}

/// A failed attempt before mapping.
enum Failure {
    Transport(reqwest::Error),
    Status { status: StatusCode, body: String },
}

impl Failure {
    fn is_retryable(&self, idempotency: Idempotency) -> bool {
        match self {
            // A connect failure means the request never reached the server.
            Self::Transport(e) if e.is_connect() => true,
            Self::Transport(_) => idempotency == Idempotency::Idempotent,
            Self::Status { status, .. } if *status == StatusCode::TOO_MANY_REQUESTS => true,
            Self::Status { status, .. } if status.is_server_error() => {
                idempotency == Idempotency::Idempotent
            }
            Self::Status { .. } => false,
        }
    }
}

/// Maps a final non-success status to an error. The CMEK runtime codes win over the status.
#[allow(clippy::too_many_arguments)]
fn map_status(
    operation: &str,
    resource: &str,
    key_source: &str,
    status: StatusCode,
    error_type: &str,
    message: String,
    attempts: u32,
    retry_after: Option<Duration>,
) -> AdminApiError {
    let operation = operation.to_string();
    let code = status.as_u16();
    let is_code = |c: &str| error_type == c || message.contains(c);
    if is_code(CMEK_KEY_DISABLED) {
        return AdminApiError::CmekKeyDisabled { operation, message };
    }
    if is_code(CMEK_KEY_NETWORK_BLOCKED) {
        return AdminApiError::CmekKeyNetworkBlocked { operation, message };
    }
    if is_code(CMEK_KEY_UNREACHABLE) {
        return AdminApiError::CmekKeyUnreachable {
            operation,
            attempts,
            message,
        };
    }
    match code {
        401 => AdminApiError::Unauthorized {
            key_source: key_source.to_string(),
            message,
        },
        403 => AdminApiError::Forbidden {
            key_source: key_source.to_string(),
            operation,
            message,
        },
        404 => AdminApiError::NotFound {
            resource: resource.to_string(),
            message,
        },
        429 => AdminApiError::RateLimited {
            operation,
            attempts,
            message,
            retry_after,
        },
        400 | 409 | 413 | 422 => AdminApiError::Rejected {
            operation,
            status: code,
            error_type: if error_type.is_empty() {
                "error".to_string()
            } else {
                error_type.to_string()
            },
            message,
        },
        500..=599 => AdminApiError::Server {
            operation,
            status: code,
            attempts,
            message,
        },
        _ => AdminApiError::UnexpectedStatus {
            operation,
            status: code,
            message,
        },
    }
}

/// A transport error's description: its kind and source chain, without the URL (which never
/// holds secrets, but keeps messages short and stable).
fn transport_message(error: &reqwest::Error) -> String {
    let kind = if error.is_timeout() {
        "timed out"
    } else if error.is_connect() {
        "connection failed"
    } else if error.is_body() || error.is_decode() {
        "reading the response failed"
    } else if error.is_request() {
        "request failed"
    } else {
        "HTTP error"
    };
    let mut message = kind.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(inner) = source {
        message.push_str(": ");
        message.push_str(&inner.to_string());
        source = inner.source();
    }
    message
}

fn redact(text: &str, secret: &str) -> String {
    if secret.is_empty() {
        text.to_string()
    } else {
        text.replace(secret, "<redacted>")
    }
}

fn excerpt(body: &str) -> String {
    let trimmed = body.trim();
    if trimmed.chars().count() <= MAX_BODY_EXCERPT {
        trimmed.to_string()
    } else {
        let cut: String = trimmed.chars().take(MAX_BODY_EXCERPT).collect();
        format!("{cut}…")
    }
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<serde_json::Value, AdminApiError> {
    serde_json::to_value(value)
        .map_err(|e| AdminApiError::InvalidArgument(format!("cannot encode the request: {e}")))
}

/// Ids go into URL paths: only the characters Anthropic ids use are allowed, so an id can never
/// change which endpoint is called.
fn check_id(kind: &str, id: &str) -> Result<(), AdminApiError> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(AdminApiError::InvalidArgument(format!(
            "{kind} `{}` is not a valid Anthropic id (letters, digits, `_` and `-` only)",
            id.escape_debug()
        )))
    }
}

/// The key an attach names: an `ekey_` id, or on Claude Platform on AWS a KMS key ARN
/// (`domain/anthropic-cmek.md` §4: "keys are identified by KMS key ARN, not `ekey_`"). It goes
/// in the JSON body, never in a path; an ARN must have the ARN shape and no whitespace.
fn check_attach_key_reference(id: &str) -> Result<(), AdminApiError> {
    let is_key_arn = id.starts_with("arn:")
        && id.split(':').nth(2) == Some("kms")
        && id.len() <= 2048
        && id.bytes().all(|b| b.is_ascii_graphic());
    if is_key_arn {
        Ok(())
    } else {
        check_id("external key id", id)
    }
}

fn check_display_name(name: &str) -> Result<(), AdminApiError> {
    let len = name.chars().count();
    if (1..=255).contains(&len) {
        Ok(())
    } else {
        Err(AdminApiError::InvalidArgument(format!(
            "display_name must be 1 to 255 characters, got {len}"
        )))
    }
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    host.trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> ApiKey {
        ApiKey::new("sk-test").unwrap()
    }

    #[test]
    fn plain_http_is_refused_for_remote_hosts() {
        let err = AdminClient::new("http://api.example.com", key(), ClientOptions::default())
            .unwrap_err();
        assert!(err.to_string().contains("plain http"));
        AdminClient::new("http://127.0.0.1:8080", key(), ClientOptions::default()).unwrap();
        AdminClient::new("http://localhost:8080/", key(), ClientOptions::default()).unwrap();
        AdminClient::new(DEFAULT_BASE_URL, key(), ClientOptions::default()).unwrap();
    }

    #[test]
    fn ids_cannot_escape_the_path() {
        assert!(check_id("workspace id", "wrkspc_01ABC").is_ok());
        assert!(check_id("workspace id", "../keys").is_err());
        assert!(check_id("workspace id", "a/b").is_err());
        assert!(check_id("workspace id", "").is_err());
        assert!(check_id("workspace id", "a?b=c").is_err());
    }

    #[test]
    fn cmek_codes_win_over_status() {
        let e = map_status(
            "op",
            "r",
            "$V",
            StatusCode::BAD_REQUEST,
            "cmek_key_disabled",
            "m".into(),
            1,
            None,
        );
        assert!(matches!(e, AdminApiError::CmekKeyDisabled { .. }));
        let e = map_status(
            "op",
            "r",
            "$V",
            StatusCode::SERVICE_UNAVAILABLE,
            "api_error",
            "cmek_key_unreachable: kms down".into(),
            3,
            None,
        );
        assert!(matches!(
            e,
            AdminApiError::CmekKeyUnreachable { attempts: 3, .. }
        ));
        assert!(e.is_retryable());
    }

    #[test]
    fn debug_of_the_client_redacts_the_key() {
        let c = AdminClient::new("http://127.0.0.1:1", key(), ClientOptions::default()).unwrap();
        let s = format!("{c:?}");
        assert!(!s.contains("sk-test"));
        assert!(s.contains("<redacted>"));
    }
}
