//! HTTP surface of the Admin API emulator: routes, authentication, request logging, JSON error
//! bodies in the API's shape, and persistence after every mutating request.
//!
//! Invariants: every request is written to the request log *before* it is executed, and refused
//! with a 500 if that write fails; requests without the sandbox key get 401 and never reach a
//! handler; a mutation is applied to a copy of the state, saved, and only then made visible, so
//! the file and the served state never disagree.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Serialize;

use crate::anthropic::types::{
    ANTHROPIC_VERSION, ApiErrorBody, ApiErrorDetail, CreateExternalKey, UpdateExternalKey,
    ValidationResult, ValidationStatus,
};
use crate::sandbox::log::{RequestLog, RequestLogEntry, now_rfc3339};

use super::persist;
use super::state::{AdminState, ApiFailure, SeedWorkspace, WorkspaceUpdate};
use super::validator::KeyValidator;

/// Service name in the request log.
pub const SERVICE: &str = "anthropic";

/// Everything the handlers share.
pub(super) struct Shared {
    pub api_key: String,
    pub organization_uuid: String,
    pub state: tokio::sync::Mutex<AdminState>,
    pub state_path: Option<PathBuf>,
    pub validator: Arc<dyn KeyValidator>,
    pub log: Option<Arc<RequestLog>>,
    pub validation_timeout: Duration,
}

impl Shared {
    /// Applies `op` to a copy of the state, persists it, then publishes it.
    async fn mutate<T>(
        &self,
        op: impl FnOnce(&mut AdminState) -> Result<T, ApiFailure>,
    ) -> Result<T, ApiFailure> {
        let mut guard = self.state.lock().await;
        let mut next = guard.clone();
        let out = op(&mut next)?;
        if let Some(path) = &self.state_path {
            persist::save(path, &next)
                .await
                .map_err(|e| ApiFailure::internal(format!("sandbox: {e}")))?;
        }
        *guard = next;
        Ok(out)
    }

    async fn read<T>(
        &self,
        op: impl FnOnce(&AdminState) -> Result<T, ApiFailure>,
    ) -> Result<T, ApiFailure> {
        let guard = self.state.lock().await;
        op(&guard)
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = ApiErrorBody {
            object_type: "error".into(),
            error: ApiErrorDetail {
                error_type: self.error_type.to_string(),
                message: self.message,
            },
        };
        (status, Json(body)).into_response()
    }
}

type ApiResult<T> = Result<Json<T>, ApiFailure>;

fn json_body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, ApiFailure> {
    body.map(|Json(v)| v)
        .map_err(|rejection| ApiFailure::invalid_request(rejection.body_text()))
}

/// The router of the emulator.
pub(super) fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route(
            "/v1/organizations/external_keys",
            post(create_external_key).get(list_external_keys),
        )
        .route(
            "/v1/organizations/external_keys/{id}",
            get(get_external_key)
                .post(update_external_key)
                .delete(delete_external_key),
        )
        .route(
            "/v1/organizations/external_keys/{id}/validate",
            post(validate_external_key),
        )
        .route(
            "/v1/organizations/workspaces/{id}",
            get(get_workspace).post(update_workspace),
        )
        .route("/_sandbox/workspaces", post(seed_workspace))
        .route("/_sandbox/workspaces/{id}/archive", post(archive_workspace))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            authenticate_and_log,
        ))
        .with_state(shared)
}

/// The operation name recorded in the request log for a method and path.
pub fn operation_name(method: &Method, path: &str) -> &'static str {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method, segments.as_slice()) {
        (&Method::POST, ["v1", "organizations", "external_keys"]) => "CreateExternalKey",
        (&Method::GET, ["v1", "organizations", "external_keys"]) => "ListExternalKeys",
        (&Method::GET, ["v1", "organizations", "external_keys", _]) => "GetExternalKey",
        (&Method::POST, ["v1", "organizations", "external_keys", _]) => "UpdateExternalKey",
        (&Method::DELETE, ["v1", "organizations", "external_keys", _]) => "DeleteExternalKey",
        (&Method::POST, ["v1", "organizations", "external_keys", _, "validate"]) => {
            "ValidateExternalKey"
        }
        (&Method::GET, ["v1", "organizations", "workspaces", _]) => "GetWorkspace",
        (&Method::POST, ["v1", "organizations", "workspaces", _]) => "UpdateWorkspace",
        (&Method::POST, ["_sandbox", "workspaces"]) => "SandboxCreateWorkspace",
        (&Method::POST, ["_sandbox", "workspaces", _, "archive"]) => "SandboxArchiveWorkspace",
        _ => "Unknown",
    }
}

/// Compares without an early exit, so response timing does not reveal a key prefix.
fn same_secret(given: &[u8], expected: &[u8]) -> bool {
    given.len() == expected.len()
        && given
            .iter()
            .zip(expected)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

async fn authenticate_and_log(
    State(shared): State<Arc<Shared>>,
    request: Request,
    next: Next,
) -> Response {
    let authenticated = request
        .headers()
        .get("x-api-key")
        .is_some_and(|v| same_secret(v.as_bytes(), shared.api_key.as_bytes()));
    let entry = RequestLogEntry {
        ts: now_rfc3339(),
        service: SERVICE.into(),
        method: request.method().to_string(),
        path: request.uri().path().to_string(),
        operation: operation_name(request.method(), request.uri().path()).into(),
        caller: if authenticated {
            format!("organization:{}", shared.organization_uuid)
        } else {
            "unauthenticated".into()
        },
    };
    if let Some(log) = &shared.log
        && let Err(e) = log.record(&entry)
    {
        return ApiFailure::internal(format!("sandbox: request refused: {e}")).into_response();
    }
    if !authenticated {
        let message = if request.headers().contains_key("x-api-key") {
            "invalid x-api-key"
        } else {
            "x-api-key header is required"
        };
        return ApiFailure::authentication(message).into_response();
    }
    match request.headers().get("anthropic-version") {
        None => {
            return ApiFailure::invalid_request("anthropic-version: header is required")
                .into_response();
        }
        Some(v) if v.as_bytes() != ANTHROPIC_VERSION.as_bytes() => {
            return ApiFailure::invalid_request(format!(
                "anthropic-version: unsupported version `{}`",
                String::from_utf8_lossy(v.as_bytes())
            ))
            .into_response();
        }
        Some(_) => {}
    }
    next.run(request).await
}

async fn not_found(request: Request) -> ApiFailure {
    ApiFailure::not_found(format!(
        "{} {} is not an Admin API endpoint",
        request.method(),
        request.uri().path()
    ))
}

#[derive(Debug, serde::Deserialize)]
struct ListQuery {
    limit: Option<String>,
    page: Option<String>,
}

async fn create_external_key(
    State(shared): State<Arc<Shared>>,
    body: Result<Json<CreateExternalKey>, JsonRejection>,
) -> ApiResult<impl Serialize> {
    let request = json_body(body)?;
    let key = shared.mutate(|s| s.create_external_key(request)).await?;
    Ok(Json(key))
}

async fn list_external_keys(
    State(shared): State<Arc<Shared>>,
    query: Result<Query<ListQuery>, axum::extract::rejection::QueryRejection>,
) -> ApiResult<impl Serialize> {
    let Query(query) = query.map_err(|r| ApiFailure::invalid_request(r.body_text()))?;
    let page = shared
        .read(|s| s.list_external_keys(query.limit.as_deref(), query.page.as_deref()))
        .await?;
    Ok(Json(page))
}

async fn get_external_key(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> ApiResult<impl Serialize> {
    Ok(Json(shared.read(|s| s.get_external_key(&id)).await?))
}

async fn update_external_key(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Result<Json<UpdateExternalKey>, JsonRejection>,
) -> ApiResult<impl Serialize> {
    let update = json_body(body)?;
    Ok(Json(
        shared
            .mutate(|s| s.update_external_key(&id, update))
            .await?,
    ))
}

async fn delete_external_key(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> ApiResult<impl Serialize> {
    Ok(Json(shared.mutate(|s| s.delete_external_key(&id)).await?))
}

/// Always HTTP 200 for an existing key: the outcome is in `status`.
async fn validate_external_key(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> ApiResult<ValidationResult> {
    let config = shared
        .read(|s| {
            if s.platform == crate::spec::model::Platform::ClaudePlatformAws {
                return Err(ApiFailure::invalid_request(
                    "Claude Platform on AWS has no separate validate call: the key is validated when a workspace is attached",
                ));
            }
            s.provider_config_of(&id)
        })
        .await?;
    let outcome = tokio::time::timeout(
        shared.validation_timeout,
        shared
            .validator
            .validate(&config, &shared.organization_uuid),
    )
    .await;
    let (status, error) = match outcome {
        Ok(Ok(())) => (ValidationStatus::Success, None),
        Ok(Err(reason)) => (ValidationStatus::Failure, Some(reason)),
        Err(_) => (
            ValidationStatus::Failure,
            Some(format!(
                "the key did not answer within {} seconds",
                shared.validation_timeout.as_secs()
            )),
        ),
    };
    if status == ValidationStatus::Success {
        shared
            .mutate(|s| s.record_successful_validation(&id))
            .await?;
    }
    Ok(Json(ValidationResult {
        object_type: "external_key_validation".into(),
        status,
        error,
    }))
}

async fn get_workspace(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> ApiResult<impl Serialize> {
    Ok(Json(shared.read(|s| s.get_workspace(&id)).await?))
}

async fn update_workspace(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    body: Result<Json<WorkspaceUpdate>, JsonRejection>,
) -> ApiResult<impl Serialize> {
    let update = json_body(body)?;
    // Claude Platform on AWS validates the key at attach: the attach commits only when the
    // service principal's round trip with the workspace's compartment succeeds.
    if let Some(check) = shared.read(|s| s.attach_validation(&id, &update)).await? {
        let outcome = tokio::time::timeout(
            shared.validation_timeout,
            shared
                .validator
                .validate_at_attach(&check.kms_arn, &check.compartment_id),
        )
        .await;
        let failure = match outcome {
            Ok(Ok(())) => None,
            Ok(Err(reason)) => Some(reason),
            Err(_) => Some(format!(
                "the key did not answer within {} seconds",
                shared.validation_timeout.as_secs()
            )),
        };
        if let Some(reason) = failure {
            return Err(ApiFailure::invalid_request(format!(
                "external_key_id: key validation failed for {}: {reason}",
                check.kms_arn
            )));
        }
    }
    Ok(Json(
        shared.mutate(|s| s.update_workspace(&id, update)).await?,
    ))
}

async fn seed_workspace(
    State(shared): State<Arc<Shared>>,
    body: Result<Json<SeedWorkspace>, JsonRejection>,
) -> Result<(StatusCode, Json<impl Serialize>), ApiFailure> {
    let seed = json_body(body)?;
    let workspace = shared.mutate(|s| s.seed_workspace(seed)).await?;
    Ok((StatusCode::CREATED, Json(workspace)))
}

async fn archive_workspace(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
) -> ApiResult<impl Serialize> {
    Ok(Json(shared.mutate(|s| s.archive_workspace(&id)).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_names() {
        assert_eq!(
            operation_name(&Method::DELETE, "/v1/organizations/external_keys/ekey_x"),
            "DeleteExternalKey"
        );
        assert_eq!(
            operation_name(
                &Method::POST,
                "/v1/organizations/external_keys/ekey_x/validate"
            ),
            "ValidateExternalKey"
        );
        assert_eq!(
            operation_name(&Method::POST, "/v1/organizations/workspaces/wrkspc_x"),
            "UpdateWorkspace"
        );
        assert_eq!(operation_name(&Method::PUT, "/v1/x"), "Unknown");
    }

    #[test]
    fn secret_comparison() {
        assert!(same_secret(b"abc", b"abc"));
        assert!(!same_secret(b"abd", b"abc"));
        assert!(!same_secret(b"ab", b"abc"));
    }
}
