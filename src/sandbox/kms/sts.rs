//! The STS operations the AWS adapter needs against the sandbox, served on the same endpoint as
//! KMS so one endpoint override covers both clients (awsQuery protocol: form-encoded POST, XML
//! answers):
//! - `GetCallerIdentity`: account and ARN of the caller (the session ARN for assumed roles);
//! - `AssumeRole`: for roles registered with [`CallerTable::add_role`]; checks the role's trust
//!   (principal or account root) and `ExternalId`, then hands out temporary credentials that
//!   act as the role in later requests.

use std::collections::BTreeMap;

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use time::format_description::well_known::Rfc3339;

use super::emulator::{KmsEmulator, KmsLogEntry, KmsOutcome};
use super::error::KmsErrorCode;
use super::identity::{self, Principal};
use super::server::header_str;

const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
/// Lifetime of sandbox session credentials.
const SESSION_SECONDS: i64 = 3600;

/// Decodes `application/x-www-form-urlencoded` text.
fn form_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(byte) => {
                        out.push(byte);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            other => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The form fields of an awsQuery request.
fn form(body: &[u8]) -> BTreeMap<String, String> {
    std::str::from_utf8(body)
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            Some((form_decode(k.trim()), form_decode(v.trim())))
        })
        .collect()
}

/// True when the body is an awsQuery request (`Action=...`).
pub fn is_sts_request(body: &[u8]) -> bool {
    form(body).contains_key("Action")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn xml(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, HeaderValue::from_static("text/xml"))],
        body,
    )
        .into_response()
}

fn request_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// An awsQuery error document.
pub fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = format!(
        "<ErrorResponse xmlns=\"{XMLNS}\"><Error><Type>Sender</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
        escape(code),
        escape(message),
        request_id()
    );
    xml(status, body)
}

fn caller_identity(principal: &Principal, access_key_id: &str) -> Response {
    let body = format!(
        "<GetCallerIdentityResponse xmlns=\"{XMLNS}\"><GetCallerIdentityResult><Arn>{}</Arn><UserId>{}</UserId><Account>{}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></GetCallerIdentityResponse>",
        escape(principal.identity_arn()),
        escape(access_key_id),
        escape(&principal.account),
        request_id()
    );
    xml(StatusCode::OK, body)
}

/// Random upper-case alphanumerics for credential ids.
fn random_id(len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let mut bytes = vec![0u8; len];
    rand::fill(&mut bytes[..]);
    bytes
        .iter()
        .map(|b| ALPHABET[(*b as usize) % ALPHABET.len()] as char)
        .collect()
}

fn assume_role(
    emulator: &KmsEmulator,
    caller: &Principal,
    fields: &BTreeMap<String, String>,
) -> Result<Response, (StatusCode, &'static str, String)> {
    let role_arn = fields.get("RoleArn").ok_or((
        StatusCode::BAD_REQUEST,
        "ValidationError",
        "RoleArn is required".to_string(),
    ))?;
    let session_name = fields.get("RoleSessionName").ok_or((
        StatusCode::BAD_REQUEST,
        "ValidationError",
        "RoleSessionName is required".to_string(),
    ))?;
    let denied = |message: String| (StatusCode::FORBIDDEN, "AccessDenied", message);
    let role = emulator.callers().role(role_arn).ok_or_else(|| {
        denied(format!(
            "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
            caller.arn
        ))
    })?;
    role.admits(caller, fields.get("ExternalId").map(String::as_str))
        .map_err(denied)?;
    let mut principal = Principal::from_arn(role_arn)
        .map_err(|e| (StatusCode::BAD_REQUEST, "ValidationError", e))?;
    let role_name = role_arn.rsplit('/').next().unwrap_or(role_arn);
    let session_arn = format!(
        "arn:aws:sts::{}:assumed-role/{role_name}/{session_name}",
        principal.account
    );
    principal.session_arn = Some(session_arn.clone());
    let access_key_id = format!("ASIA{}", random_id(16));
    let secret = random_id(40);
    let token = random_id(64);
    let expiration = time::OffsetDateTime::now_utc() + time::Duration::seconds(SESSION_SECONDS);
    let expiration = expiration.format(&Rfc3339).map_err(|e| {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalFailure",
            e.to_string(),
        )
    })?;
    emulator.add_session(access_key_id.clone(), principal);
    let body = format!(
        "<AssumeRoleResponse xmlns=\"{XMLNS}\"><AssumeRoleResult><AssumedRoleUser><Arn>{}</Arn><AssumedRoleId>AROA{}:{}</AssumedRoleId></AssumedRoleUser><Credentials><AccessKeyId>{access_key_id}</AccessKeyId><SecretAccessKey>{secret}</SecretAccessKey><SessionToken>{token}</SessionToken><Expiration>{expiration}</Expiration></Credentials></AssumeRoleResult><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></AssumeRoleResponse>",
        escape(&session_arn),
        random_id(16),
        escape(session_name),
        request_id()
    );
    Ok(xml(StatusCode::OK, body))
}

/// Serves one awsQuery STS request and logs it.
pub fn serve(emulator: &KmsEmulator, headers: &HeaderMap, body: &[u8]) -> Response {
    let fields = form(body);
    let action = fields.get("Action").cloned().unwrap_or_default();
    let authorization = header_str(headers, "authorization");
    let log = |caller: String, outcome: KmsOutcome| {
        emulator.log(KmsLogEntry {
            operation: format!("sts:{action}"),
            caller,
            key_id: None,
            outcome,
        });
    };
    let (principal, scope) = match emulator.authenticate(authorization) {
        Ok(found) => found,
        Err(_) => {
            let caller = identity::parse_authorization(authorization)
                .map(|s| s.access_key_id)
                .unwrap_or_else(|_| "<anonymous>".to_string());
            log(
                caller,
                KmsOutcome::Error(KmsErrorCode::UnrecognizedClientException),
            );
            return error(
                StatusCode::FORBIDDEN,
                "InvalidClientTokenId",
                "The security token included in the request is invalid.",
            );
        }
    };
    let caller = principal.arn.clone();
    match action.as_str() {
        "GetCallerIdentity" => {
            log(caller, KmsOutcome::Ok);
            caller_identity(&principal, &scope.access_key_id)
        }
        "AssumeRole" => match assume_role(emulator, &principal, &fields) {
            Ok(response) => {
                log(caller, KmsOutcome::Ok);
                response
            }
            Err((status, code, message)) => {
                let outcome = if code == "AccessDenied" {
                    KmsErrorCode::AccessDeniedException
                } else {
                    KmsErrorCode::ValidationException
                };
                log(caller, KmsOutcome::Error(outcome));
                error(status, code, &message)
            }
        },
        other => {
            log(caller, KmsOutcome::Error(KmsErrorCode::InvalidAction));
            error(
                StatusCode::BAD_REQUEST,
                "InvalidAction",
                &format!("Could not find operation {other} in the STS sandbox"),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_forms() {
        let fields = form(b"Action=AssumeRole&RoleArn=arn%3Aaws%3Aiam%3A%3A1%3Arole%2Fx&RoleSessionName=a+b&Bad=%zz");
        assert_eq!(fields["Action"], "AssumeRole");
        assert_eq!(fields["RoleArn"], "arn:aws:iam::1:role/x");
        assert_eq!(fields["RoleSessionName"], "a b");
        assert_eq!(fields["Bad"], "%zz");
        assert!(is_sts_request(
            b"Action=GetCallerIdentity&Version=2011-06-15"
        ));
        assert!(!is_sts_request(b"{}"));
        assert_eq!(form_decode("100%"), "100%");
        assert_eq!(form_decode("%4"), "%4");
    }
}
