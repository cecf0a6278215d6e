//! `AWS_ENDPOINT_URL` is honoured when no endpoint override is configured (aws-config's standard
//! behaviour), so users can point cmek at any KMS-compatible endpoint the usual way.
//!
//! This binary holds a single test because it sets a process environment variable.

mod sandbox_kms_support;

use std::time::Duration;

use cmek::providers::aws::{AwsKms, AwsKmsConfig, RetrySettings, StaticCredentials};
use cmek::sandbox::kms::identity::{SANDBOX_ADMIN_ACCESS_KEY_ID, SANDBOX_SECRET_ACCESS_KEY};
use sandbox_kms_support::*;

#[tokio::test]
async fn endpoint_comes_from_the_environment() {
    let sb = start().await;
    // SAFETY: this test binary runs exactly one test, and nothing else reads the environment
    // concurrently while it is set.
    unsafe {
        std::env::set_var("AWS_ENDPOINT_URL", &sb.endpoint);
    }
    let mut config = AwsKmsConfig::new(REGION);
    config.static_credentials = Some(StaticCredentials {
        access_key_id: SANDBOX_ADMIN_ACCESS_KEY_ID.to_string(),
        secret_access_key: SANDBOX_SECRET_ACCESS_KEY.to_string(),
    });
    config.retry = RetrySettings {
        max_attempts: 1,
        initial_backoff: Duration::from_millis(1),
    };
    let aws = AwsKms::connect(&config).await;
    let me = aws.caller_identity().await.unwrap();
    assert_eq!(me.arn, ADMIN_ARN);
    let before = sb.log_len();
    assert!(aws.list_aliases().await.unwrap().is_empty());
    assert_eq!(sb.log_len(), before + 1, "the call reached the sandbox");
}
