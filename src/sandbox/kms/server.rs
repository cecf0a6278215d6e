//! The HTTP face of the emulator: `POST /` with `X-Amz-Target: TrentService.<Operation>` and a
//! JSON 1.1 body (KMS), or a form-encoded `Action=GetCallerIdentity` (STS).
//!
//! The peer address becomes `aws:SourceIp` when the router is served with
//! `into_make_service_with_connect_info::<SocketAddr>()`; without it the source IP is unknown.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::Value;

use super::emulator::{KmsEmulator, KmsLogEntry, KmsOutcome};
use super::error::{KmsError, KmsErrorCode};
use super::identity;
use super::sts;

/// The content type of AWS JSON 1.1 requests and responses.
pub const JSON_CONTENT_TYPE: &str = "application/x-amz-json-1.1";
/// Prefix of `X-Amz-Target` for KMS.
pub const TARGET_PREFIX: &str = "TrentService.";
/// Request bodies above this size are refused (KMS's largest inputs are 32 KB policies and
/// 6 KB ciphertexts).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The emulator's router; serve it on any listener.
pub fn router(emulator: Arc<KmsEmulator>) -> Router {
    Router::new().route("/", post(serve)).with_state(emulator)
}

async fn serve(State(emulator): State<Arc<KmsEmulator>>, request: Request) -> Response {
    let source_ip = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    let (parts, body) = request.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return KmsError::new(
                KmsErrorCode::SerializationException,
                format!("The request body is unreadable or larger than {MAX_BODY_BYTES} bytes"),
            )
            .into_response();
        }
    };
    let headers = parts.headers;
    match header_str(&headers, "x-amz-target") {
        Some(target) => serve_kms(&emulator, &headers, target, source_ip, &bytes),
        None if sts::is_sts_request(&bytes) => sts::serve(&emulator, &headers, &bytes),
        None => KmsError::new(
            KmsErrorCode::UnknownOperationException,
            "The request has no X-Amz-Target header",
        )
        .into_response(),
    }
}

pub(crate) fn header_str<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn serve_kms(
    emulator: &KmsEmulator,
    headers: &HeaderMap,
    target: &str,
    source_ip: Option<std::net::IpAddr>,
    bytes: &Bytes,
) -> Response {
    let operation = target.strip_prefix(TARGET_PREFIX).unwrap_or(target);
    let authorization = header_str(headers, "authorization");
    let (principal, scope) = match emulator.authenticate(authorization) {
        Ok(found) => found,
        Err(error) => {
            let caller = identity::parse_authorization(authorization)
                .map(|s| s.access_key_id)
                .unwrap_or_else(|_| "<anonymous>".to_string());
            emulator.log(KmsLogEntry {
                operation: operation.to_string(),
                caller,
                key_id: None,
                outcome: KmsOutcome::Error(error.code),
            });
            return error.into_response();
        }
    };
    let reject = |error: KmsError| {
        emulator.log(KmsLogEntry {
            operation: operation.to_string(),
            caller: principal.arn.clone(),
            key_id: None,
            outcome: KmsOutcome::Error(error.code),
        });
        error.into_response()
    };
    if !target.starts_with(TARGET_PREFIX) {
        return reject(KmsError::new(
            KmsErrorCode::UnknownOperationException,
            format!("Unknown target {target}"),
        ));
    }
    let body: Value = if bytes.is_empty() {
        Value::Object(Default::default())
    } else {
        match serde_json::from_slice(bytes) {
            Ok(value) => value,
            Err(e) => {
                return reject(KmsError::new(
                    KmsErrorCode::SerializationException,
                    format!("The request body is not valid JSON: {e}"),
                ));
            }
        }
    };
    match emulator.handle(operation, &principal, &scope.region, source_ip, &body) {
        Ok(answer) => (
            StatusCode::OK,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static(JSON_CONTENT_TYPE),
            )],
            answer.to_string(),
        )
            .into_response(),
        Err(error) => error.into_response(),
    }
}
