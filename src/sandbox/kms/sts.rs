//! The one STS operation the AWS adapter needs against the sandbox: `GetCallerIdentity`
//! (awsQuery protocol: form-encoded POST, XML answer), served on the same endpoint as KMS so a
//! single endpoint override covers both clients.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::identity::{CallerTable, Principal};

const XMLNS: &str = "https://sts.amazonaws.com/doc/2011-06-15/";

/// True when a form-encoded body asks for `Action=GetCallerIdentity`.
pub fn is_get_caller_identity(body: &[u8]) -> bool {
    std::str::from_utf8(body)
        .map(|text| {
            text.split('&')
                .any(|pair| pair.trim() == "Action=GetCallerIdentity")
        })
        .unwrap_or(false)
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

/// The GetCallerIdentity answer for an authenticated caller.
pub fn caller_identity(principal: &Principal, access_key_id: &str) -> Response {
    let body = format!(
        "<GetCallerIdentityResponse xmlns=\"{XMLNS}\"><GetCallerIdentityResult><Arn>{}</Arn><UserId>{}</UserId><Account>{}</Account></GetCallerIdentityResult><ResponseMetadata><RequestId>{}</RequestId></ResponseMetadata></GetCallerIdentityResponse>",
        escape(&principal.arn),
        escape(access_key_id),
        escape(&principal.account),
        uuid::Uuid::new_v4()
    );
    xml(StatusCode::OK, body)
}

/// An awsQuery error document.
pub fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = format!(
        "<ErrorResponse xmlns=\"{XMLNS}\"><Error><Type>Sender</Type><Code>{}</Code><Message>{}</Message></Error><RequestId>{}</RequestId></ErrorResponse>",
        escape(code),
        escape(message),
        uuid::Uuid::new_v4()
    );
    xml(status, body)
}

/// Authenticates and answers a GetCallerIdentity request; returns the log caller and outcome.
pub fn handle(callers: &CallerTable, authorization: Option<&str>) -> (Response, String, bool) {
    match callers.authenticate(authorization) {
        Ok((principal, scope)) => (
            caller_identity(&principal, &scope.access_key_id),
            principal.arn,
            true,
        ),
        Err(_) => {
            let caller = super::identity::parse_authorization(authorization)
                .map(|s| s.access_key_id)
                .unwrap_or_else(|_| "<anonymous>".to_string());
            (
                error(
                    StatusCode::FORBIDDEN,
                    "InvalidClientTokenId",
                    "The security token included in the request is invalid.",
                ),
                caller,
                false,
            )
        }
    }
}
