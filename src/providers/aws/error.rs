//! Errors of the AWS adapter: the SDK's many error shapes reduced to what the engine acts on.
//!
//! Every variant names the operation (e.g. `kms:DescribeKey`) and keeps AWS's error code and
//! message. AWS messages carry ARNs and reasons, never key material or plaintexts.

use aws_credential_types::provider::error::CredentialsError;
use aws_sdk_kms::config::http::HttpResponse;
use aws_sdk_kms::error::{ProvideErrorMetadata, SdkError};

/// An AWS call that failed (after the SDK's bounded retries).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AwsError {
    /// The key, alias or other resource does not exist (in this account and region).
    #[error("{operation}: not found: {message}")]
    NotFound { operation: String, message: String },
    /// The caller is not allowed, or its credentials were not accepted.
    #[error("{operation}: access denied ({code}): {message}")]
    AccessDenied {
        operation: String,
        code: String,
        message: String,
    },
    /// The key's state forbids the operation (e.g. it is pending deletion).
    #[error("{operation}: the key is in a state that does not allow this: {message}")]
    InvalidState { operation: String, message: String },
    /// The key is disabled.
    #[error("{operation}: the key is disabled: {message}")]
    Disabled { operation: String, message: String },
    /// Throttling, a 5xx, a timeout or a network failure that outlasted the retries.
    #[error("{operation}: temporarily unavailable ({code}): {message}")]
    Retryable {
        operation: String,
        code: String,
        message: String,
    },
    /// Any other service error, with AWS's code.
    #[error("{operation}: {code}: {message}")]
    Other {
        operation: String,
        code: String,
        message: String,
    },
    /// No usable credentials: the profile, SSO session, credential process or role assumption
    /// failed (a refused AssumeRole lands here, with STS's reason).
    #[error("{operation}: could not load AWS credentials: {message}")]
    Credentials { operation: String, message: String },
    /// The client could not be configured (profile, region, role).
    #[error("AWS configuration: {0}")]
    Config(String),
}

impl AwsError {
    /// AWS's error code, when the service answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::NotFound { .. } => Some("NotFoundException"),
            Self::Disabled { .. } => Some("DisabledException"),
            Self::InvalidState { .. } => Some("KMSInvalidStateException"),
            Self::AccessDenied { code, .. }
            | Self::Retryable { code, .. }
            | Self::Other { code, .. } => Some(code),
            Self::Credentials { .. } | Self::Config(_) => None,
        }
    }

    /// True when trying again later may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Self::Retryable { .. })
    }
}

const ACCESS_CODES: &[&str] = &[
    "AccessDeniedException",
    "AccessDenied",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "ExpiredToken",
    "ExpiredTokenException",
    "MissingAuthenticationTokenException",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
];

const RETRYABLE_CODES: &[&str] = &[
    "ThrottlingException",
    "Throttling",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "KMSInternalException",
    "DependencyTimeoutException",
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "InternalFailure",
];

/// Classifies an error code (and HTTP status) from a service answer.
pub fn classify(operation: &str, code: &str, message: &str, status: Option<u16>) -> AwsError {
    let operation = operation.to_string();
    let message = message.to_string();
    match code {
        "NotFoundException" | "NoSuchEntity" => AwsError::NotFound { operation, message },
        "DisabledException" => AwsError::Disabled { operation, message },
        "KMSInvalidStateException" => AwsError::InvalidState { operation, message },
        c if ACCESS_CODES.contains(&c) => AwsError::AccessDenied {
            operation,
            code: c.to_string(),
            message,
        },
        c if RETRYABLE_CODES.contains(&c) || status.is_some_and(|s| s >= 500) => {
            AwsError::Retryable {
                operation,
                code: c.to_string(),
                message,
            }
        }
        c => AwsError::Other {
            operation,
            code: c.to_string(),
            message,
        },
    }
}

/// Converts any SDK error of any operation.
pub fn from_sdk<E>(operation: &str, err: SdkError<E, HttpResponse>) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    if let Some(credentials) = credentials_error(&err) {
        return AwsError::Credentials {
            operation: operation.to_string(),
            message: describe_chain(credentials),
        };
    }
    match &err {
        SdkError::ServiceError(service) => {
            let status = Some(service.raw().status().as_u16());
            let inner = service.err();
            let code = inner.code().unwrap_or("Unknown");
            let message = inner.message().unwrap_or("");
            classify(operation, code, message, status)
        }
        SdkError::TimeoutError(_) => AwsError::Retryable {
            operation: operation.to_string(),
            code: "Timeout".into(),
            message: "the request timed out".into(),
        },
        SdkError::DispatchFailure(_) => AwsError::Retryable {
            operation: operation.to_string(),
            code: "DispatchFailure".into(),
            message: describe_chain(&err),
        },
        SdkError::ResponseError(response) => {
            let status = Some(response.raw().status().as_u16());
            let message = describe_chain(&err);
            if status.is_some_and(|s| s >= 500) {
                AwsError::Retryable {
                    operation: operation.to_string(),
                    code: "ResponseError".into(),
                    message,
                }
            } else {
                AwsError::Other {
                    operation: operation.to_string(),
                    code: "ResponseError".into(),
                    message,
                }
            }
        }
        _ => AwsError::Other {
            operation: operation.to_string(),
            code: "ClientError".into(),
            message: describe_chain(&err),
        },
    }
}

/// The credentials-provider failure somewhere in the error's source chain, if any.
fn credentials_error<'e>(
    err: &'e (dyn std::error::Error + 'static),
) -> Option<&'e (dyn std::error::Error + 'static)> {
    let mut current: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = current {
        if e.is::<CredentialsError>() {
            return Some(e);
        }
        current = e.source();
    }
    None
}

/// The error and its sources on one line (the SDK's top-level Display is terse).
fn describe_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classifies_codes() {
        assert!(matches!(
            classify("kms:DescribeKey", "NotFoundException", "m", Some(400)),
            AwsError::NotFound { .. }
        ));
        assert!(matches!(
            classify("kms:Encrypt", "DisabledException", "m", Some(400)),
            AwsError::Disabled { .. }
        ));
        assert!(classify("kms:Encrypt", "ThrottlingException", "m", Some(400)).is_retryable());
        assert!(classify("kms:Encrypt", "Whatever", "m", Some(503)).is_retryable());
        let other = classify("kms:CreateAlias", "AlreadyExistsException", "m", Some(400));
        assert_eq!(other.code(), Some("AlreadyExistsException"));
        assert_eq!(
            other.to_string(),
            "kms:CreateAlias: AlreadyExistsException: m"
        );
    }
}
