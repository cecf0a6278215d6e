//! AWS KMS through the official SDK (`aws-sdk-kms`, `aws-sdk-sts`, `aws-sdk-iam`, `aws-config`).
//! `admins` warns about key administrators that do not exist in IAM.
//!
//! [`AwsKms`] is a concrete client for one region; the engine's provider trait wraps it. SDK
//! types do not leave this module: callers get plain structs ([`AwsKeySnapshot`], ...) and one
//! error type ([`AwsError`]). Plaintexts come back in zeroizing buffers (buffers inside the SDK
//! and its HTTP stack are outside cmek's control).

pub mod admins;
mod client;
pub mod config;
pub mod error;
pub mod provider;
pub mod types;

pub use client::AwsKms;
pub use config::{AssumeRole, AwsKmsConfig, RetrySettings, StaticCredentials};
pub use error::AwsError;
pub use types::{
    AwsAlias, AwsKeySnapshot, CLIENT_TOKEN_TAG, CallerIdentity, CreatedKey, DataKey, NewKey,
};
