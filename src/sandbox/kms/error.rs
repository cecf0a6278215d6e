//! KMS error codes and their JSON 1.1 wire form.
//!
//! AWS JSON 1.1 services report an error as an HTTP status plus a body
//! `{"__type": "<Code>", "message": "..."}`; the SDK's `parse_error_metadata` prefers the
//! `x-amzn-ErrorType` header and falls back to `__type`, so both carry the bare code and the SDK
//! maps it onto the operation's typed error (e.g. `DescribeKeyError::NotFoundException`).

use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// The error codes this emulator returns. Names are the exact AWS codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KmsErrorCode {
    AccessDeniedException,
    AlreadyExistsException,
    DisabledException,
    IncorrectKeyException,
    InvalidAliasNameException,
    InvalidArnException,
    InvalidCiphertextException,
    InvalidKeyUsageException,
    InvalidMarkerException,
    KMSInternalException,
    KMSInvalidStateException,
    LimitExceededException,
    MalformedPolicyDocumentException,
    MissingAuthenticationTokenException,
    NotFoundException,
    SerializationException,
    TagException,
    ThrottlingException,
    UnknownOperationException,
    UnrecognizedClientException,
    UnsupportedOperationException,
    ValidationException,
    /// STS's own code for a request it cannot parse (awsQuery protocol).
    InvalidAction,
}

impl KmsErrorCode {
    /// The code exactly as AWS spells it on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AccessDeniedException => "AccessDeniedException",
            Self::AlreadyExistsException => "AlreadyExistsException",
            Self::DisabledException => "DisabledException",
            Self::IncorrectKeyException => "IncorrectKeyException",
            Self::InvalidAliasNameException => "InvalidAliasNameException",
            Self::InvalidArnException => "InvalidArnException",
            Self::InvalidCiphertextException => "InvalidCiphertextException",
            Self::InvalidKeyUsageException => "InvalidKeyUsageException",
            Self::InvalidMarkerException => "InvalidMarkerException",
            Self::KMSInternalException => "KMSInternalException",
            Self::KMSInvalidStateException => "KMSInvalidStateException",
            Self::LimitExceededException => "LimitExceededException",
            Self::MalformedPolicyDocumentException => "MalformedPolicyDocumentException",
            Self::MissingAuthenticationTokenException => "MissingAuthenticationTokenException",
            Self::NotFoundException => "NotFoundException",
            Self::SerializationException => "SerializationException",
            Self::TagException => "TagException",
            Self::ThrottlingException => "ThrottlingException",
            Self::UnknownOperationException => "UnknownOperationException",
            Self::UnrecognizedClientException => "UnrecognizedClientException",
            Self::UnsupportedOperationException => "UnsupportedOperationException",
            Self::ValidationException => "ValidationException",
            Self::InvalidAction => "InvalidAction",
        }
    }

    /// HTTP status KMS uses for the code: 400 for client errors, 403 for authentication
    /// failures, 500 for internal errors.
    pub fn status(self) -> StatusCode {
        match self {
            Self::MissingAuthenticationTokenException | Self::UnrecognizedClientException => {
                StatusCode::FORBIDDEN
            }
            Self::KMSInternalException => StatusCode::INTERNAL_SERVER_ERROR,
            _ => StatusCode::BAD_REQUEST,
        }
    }
}

impl std::fmt::Display for KmsErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An error answer: a code and a human message. Messages never contain key material,
/// plaintexts or ciphertexts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmsError {
    pub code: KmsErrorCode,
    pub message: String,
}

impl KmsError {
    pub fn new(code: KmsErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(KmsErrorCode::NotFoundException, message)
    }

    pub fn validation(message: impl Into<String>) -> Self {
        Self::new(KmsErrorCode::ValidationException, message)
    }

    pub fn invalid_state(message: impl Into<String>) -> Self {
        Self::new(KmsErrorCode::KMSInvalidStateException, message)
    }

    /// The validation message AWS uses for a missing required member.
    pub fn missing(member: &str) -> Self {
        Self::validation(format!(
            "1 validation error detected: Value null at '{member}' failed to satisfy constraint: Member must not be null"
        ))
    }

    /// The JSON 1.1 error body.
    pub fn body(&self) -> serde_json::Value {
        serde_json::json!({ "__type": self.code.as_str(), "message": self.message })
    }
}

impl std::fmt::Display for KmsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for KmsError {}

impl IntoResponse for KmsError {
    fn into_response(self) -> Response {
        let mut response = (
            self.code.status(),
            [(
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_static(super::server::JSON_CONTENT_TYPE),
            )],
            self.body().to_string(),
        )
            .into_response();
        response.headers_mut().insert(
            "x-amzn-ErrorType",
            HeaderValue::from_static(self.code.as_str()),
        );
        response
    }
}
