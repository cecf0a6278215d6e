//! Errors of provider and Admin API calls, classified so the engine can decide what to retry and
//! how to explain the rest.
//!
//! Invariant: messages never contain secrets (API keys, plaintext, data keys); implementations put
//! only operation names, resource ids and the remote service's error text in them.

use std::time::Duration;

/// What went wrong with one remote call.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProviderError {
    #[error("{operation}: {resource} not found")]
    NotFound { operation: String, resource: String },

    #[error("{operation}: access denied on {resource}: {message}")]
    AccessDenied {
        operation: String,
        resource: String,
        message: String,
    },

    #[error("{operation}: throttled: {message}")]
    Throttled {
        operation: String,
        message: String,
        /// `Retry-After`, when the service sent one.
        retry_after: Option<Duration>,
    },

    #[error("{operation}: service error (HTTP {status}): {message}")]
    Transient {
        operation: String,
        status: u16,
        message: String,
    },

    #[error("{operation}: invalid request: {message}")]
    InvalidRequest { operation: String, message: String },

    #[error("{operation}: timed out after {after:?}")]
    Timeout { operation: String, after: Duration },

    /// The remote answered with something that cannot be understood (bad JSON, missing field).
    #[error("{operation}: unexpected response: {message}")]
    BadResponse { operation: String, message: String },

    /// The key (or version) is in a state that refuses the operation, e.g. disabled.
    #[error("{operation}: {resource} is in state {state}: {message}")]
    InvalidState {
        operation: String,
        resource: String,
        state: String,
        message: String,
    },

    /// The operation does not exist for this cloud (e.g. a GCP version restore on AWS).
    #[error("{operation} is not supported for {cloud} keys")]
    Unsupported { operation: String, cloud: String },
}

impl ProviderError {
    /// Throttling, 5xx and timeouts are worth retrying; everything else is final.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ProviderError::Throttled { .. }
                | ProviderError::Transient { .. }
                | ProviderError::Timeout { .. }
        )
    }

    /// A delay the service asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ProviderError::Throttled { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, ProviderError::NotFound { .. })
    }

    pub fn not_found(operation: impl Into<String>, resource: impl Into<String>) -> Self {
        ProviderError::NotFound {
            operation: operation.into(),
            resource: resource.into(),
        }
    }

    pub fn unsupported(operation: impl Into<String>, cloud: crate::address::Cloud) -> Self {
        ProviderError::Unsupported {
            operation: operation.into(),
            cloud: cloud.to_string(),
        }
    }

    pub fn invalid_request(operation: impl Into<String>, message: impl Into<String>) -> Self {
        ProviderError::InvalidRequest {
            operation: operation.into(),
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_classification() {
        let throttled = ProviderError::Throttled {
            operation: "DescribeKey".into(),
            message: "Rate exceeded".into(),
            retry_after: Some(Duration::from_secs(2)),
        };
        assert!(throttled.is_retryable());
        assert_eq!(throttled.retry_after(), Some(Duration::from_secs(2)));
        assert!(
            ProviderError::Transient {
                operation: "x".into(),
                status: 503,
                message: "unavailable".into()
            }
            .is_retryable()
        );
        assert!(!ProviderError::not_found("DescribeKey", "arn:x").is_retryable());
        assert!(!ProviderError::invalid_request("x", "bad").is_retryable());
        assert_eq!(
            ProviderError::not_found("DescribeKey", "arn:x").to_string(),
            "DescribeKey: arn:x not found"
        );
    }
}
