//! `anthropic/`: the Anthropic Admin API for CMEK: wire types, the API key, the HTTP client, its
//! retry policy and its error type.

pub mod api_key;
pub mod client;
pub mod error;
pub mod provider;
pub mod retry;
pub mod types;

pub use api_key::{ApiKey, ApiKeyError, DEFAULT_API_KEY_ENV};
pub use client::{AdminClient, AttachOutcome, ClientOptions, DEFAULT_BASE_URL};
pub use error::AdminApiError;
pub use retry::RetryPolicy;
