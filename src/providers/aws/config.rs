//! How the AWS adapter finds its credentials, region and endpoint.
//!
//! Everything goes through `aws-config`'s standard chain (environment, shared config and
//! credentials files, SSO, credential processes, IMDS...), so `AWS_PROFILE`, `AWS_ENDPOINT_URL`
//! and friends work as users expect. On top of it: an explicit profile, an endpoint override
//! (the sandbox), an optional role to assume (with an external id), and static credentials for
//! tests. Retries are bounded: standard mode with a configurable number of attempts.

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;

/// A role to assume before talking to KMS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssumeRole {
    pub role_arn: String,
    pub external_id: Option<String>,
    /// Defaults to `cmek`.
    pub session_name: Option<String>,
}

/// Static credentials (tests and the sandbox). The secret is not shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct StaticCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
}

impl std::fmt::Debug for StaticCredentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StaticCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"<redacted>")
            .finish()
    }
}

/// Bounded retries (SDK standard mode).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetrySettings {
    /// Total attempts per call, including the first (>= 1).
    pub max_attempts: u32,
    pub initial_backoff: Duration,
}

impl Default for RetrySettings {
    fn default() -> Self {
        Self {
            max_attempts: 3,
            initial_backoff: Duration::from_secs(1),
        }
    }
}

/// Configuration of an [`super::AwsKms`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsKmsConfig {
    pub region: String,
    pub profile: Option<String>,
    pub endpoint_url: Option<String>,
    pub assume_role: Option<AssumeRole>,
    pub static_credentials: Option<StaticCredentials>,
    pub retry: RetrySettings,
    /// Limit on one attempt of one call.
    pub attempt_timeout: Duration,
}

impl AwsKmsConfig {
    pub fn new(region: impl Into<String>) -> Self {
        Self {
            region: region.into(),
            profile: None,
            endpoint_url: None,
            assume_role: None,
            static_credentials: None,
            retry: RetrySettings::default(),
            attempt_timeout: Duration::from_secs(30),
        }
    }

    /// Loads the shared SDK configuration (credentials chain, profile, endpoint, retries).
    pub(crate) async fn load(&self) -> SdkConfig {
        let retry = RetryConfig::standard()
            .with_max_attempts(self.retry.max_attempts.max(1))
            .with_initial_backoff(self.retry.initial_backoff);
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(10))
            .operation_attempt_timeout(self.attempt_timeout)
            .build();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .region(Region::new(self.region.clone()))
            .retry_config(retry)
            .timeout_config(timeouts);
        if let Some(profile) = &self.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(endpoint) = &self.endpoint_url {
            loader = loader.endpoint_url(endpoint);
        }
        if let Some(creds) = &self.static_credentials {
            loader = loader.credentials_provider(Credentials::new(
                creds.access_key_id.clone(),
                creds.secret_access_key.clone(),
                None,
                None,
                "cmek-static",
            ));
        }
        let base = loader.load().await;
        match &self.assume_role {
            None => base,
            Some(role) => {
                let mut builder = aws_config::sts::AssumeRoleProvider::builder(&role.role_arn)
                    .session_name(role.session_name.as_deref().unwrap_or("cmek"))
                    .configure(&base);
                if let Some(external_id) = &role.external_id {
                    builder = builder.external_id(external_id);
                }
                let provider = builder.build().await;
                base.into_builder()
                    .credentials_provider(
                        aws_credential_types::provider::SharedCredentialsProvider::new(provider),
                    )
                    .build()
            }
        }
    }
}
