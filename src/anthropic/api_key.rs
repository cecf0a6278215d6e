//! The Admin API key as a value that cannot leak by accident.
//!
//! Invariants: the secret is read from an environment variable (its *name* is what specs and
//! messages carry, never its value); `Debug` and `Display` print `ApiKey(<redacted>)`; the only
//! way to read the secret is the crate-private [`ApiKey::expose_secret`], used only by the client
//! (to build the header, and to scrub the key from any text a server echoes back), so a grep shows
//! every use.

use std::fmt;

/// Default name of the environment variable holding the admin API key (DESIGN.md §3).
pub const DEFAULT_API_KEY_ENV: &str = "ANTHROPIC_ADMIN_API_KEY";

/// An Anthropic Admin API key. The secret never appears in `Debug`/`Display`.
#[derive(Clone)]
pub struct ApiKey {
    secret: String,
    source: KeySource,
}

/// Where the key came from; used in messages ("the admin API key in $VAR was rejected").
#[derive(Debug, Clone, PartialEq, Eq)]
enum KeySource {
    Env(String),
    Explicit,
}

/// Why no usable key could be read. Names the variable, never a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiKeyError {
    #[error(
        "the environment variable {var} is not set: export the Anthropic admin API key in {var} (an `sk-ant-admin...` key of an organization admin)"
    )]
    Unset { var: String },
    #[error("the environment variable {var} is empty: export the Anthropic admin API key in {var}")]
    Empty { var: String },
    #[error("the environment variable {var} does not hold valid UTF-8")]
    NotUnicode { var: String },
    #[error(
        "the value of {var} contains whitespace or control characters; it cannot be an API key"
    )]
    Malformed { var: String },
    #[error("the admin API key is empty")]
    EmptyValue,
    #[error("the admin API key contains whitespace or control characters")]
    MalformedValue,
}

impl ApiKey {
    /// Reads the key from the environment variable `var_name`.
    pub fn from_env(var_name: &str) -> Result<Self, ApiKeyError> {
        let var = var_name.to_string();
        match std::env::var(var_name) {
            Ok(value) => Self::from_env_value(var, value),
            Err(std::env::VarError::NotPresent) => Err(ApiKeyError::Unset { var }),
            Err(std::env::VarError::NotUnicode(_)) => Err(ApiKeyError::NotUnicode { var }),
        }
    }

    fn from_env_value(var: String, value: String) -> Result<Self, ApiKeyError> {
        if value.is_empty() {
            return Err(ApiKeyError::Empty { var });
        }
        if !is_header_safe(&value) {
            return Err(ApiKeyError::Malformed { var });
        }
        Ok(Self {
            secret: value,
            source: KeySource::Env(var),
        })
    }

    /// A key given directly (sandbox, tests). Prefer [`ApiKey::from_env`] for real keys.
    pub fn new(secret: impl Into<String>) -> Result<Self, ApiKeyError> {
        let secret = secret.into();
        if secret.is_empty() {
            return Err(ApiKeyError::EmptyValue);
        }
        if !is_header_safe(&secret) {
            return Err(ApiKeyError::MalformedValue);
        }
        Ok(Self {
            secret,
            source: KeySource::Explicit,
        })
    }

    /// The environment variable the key was read from, if any.
    pub fn env_var(&self) -> Option<&str> {
        match &self.source {
            KeySource::Env(var) => Some(var),
            KeySource::Explicit => None,
        }
    }

    /// Human description of where the key came from, for messages: `$ANTHROPIC_ADMIN_API_KEY`.
    pub fn source_description(&self) -> String {
        match &self.source {
            KeySource::Env(var) => format!("${var}"),
            KeySource::Explicit => "the configured key".to_string(),
        }
    }

    /// The secret itself. Only the HTTP client calls this (header, redaction).
    pub(crate) fn expose_secret(&self) -> &str {
        &self.secret
    }
}

/// Visible ASCII only: anything else cannot be sent as a header value and hints at a paste error.
fn is_header_safe(value: &str) -> bool {
    value.bytes().all(|b| b.is_ascii_graphic())
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_are_redacted() {
        let key = ApiKey::new("sk-ant-admin01-secret").unwrap();
        assert_eq!(format!("{key:?}"), "ApiKey(<redacted>)");
        assert_eq!(format!("{key}"), "ApiKey(<redacted>)");
        assert_eq!(key.expose_secret(), "sk-ant-admin01-secret");
    }

    #[test]
    fn empty_and_malformed_values_are_rejected_without_echoing_them() {
        let err = ApiKey::from_env_value("V".into(), String::new()).unwrap_err();
        assert_eq!(err, ApiKeyError::Empty { var: "V".into() });
        let err = ApiKey::from_env_value("V".into(), "sk-ant secret\n".into()).unwrap_err();
        assert!(!err.to_string().contains("secret"));
        assert!(err.to_string().contains('V'));
    }

    #[test]
    fn from_env_names_the_variable_when_unset() {
        let err = ApiKey::from_env("CMEK_TEST_SURELY_UNSET_VARIABLE_42").unwrap_err();
        assert!(
            err.to_string()
                .contains("CMEK_TEST_SURELY_UNSET_VARIABLE_42")
        );
    }

    #[test]
    fn env_source_is_described_by_variable_name() {
        let key = ApiKey::from_env_value("MY_VAR".into(), "k".into()).unwrap();
        assert_eq!(key.env_var(), Some("MY_VAR"));
        assert_eq!(key.source_description(), "$MY_VAR");
    }
}
