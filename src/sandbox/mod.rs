//! `sandbox/`: in-process, wire-level emulators of the services cmek talks to, used by
//! `--sandbox` and by tests, and the plumbing they share.
//!
//! - `http`: serve an axum router on 127.0.0.1 and stop it;
//! - `log`: the JSON-lines request log every emulator writes;
//! - `admin_api`: the Anthropic Admin API (external keys, workspaces);
//! - `kms`: AWS KMS over its JSON 1.1 protocol (plus the STS calls the SDK needs).
//!
//! This is the only product code allowed to implement destructive operations (server side, so
//! tests can create drift); nothing outside it and `tests/` calls them.

pub mod admin_api;
pub mod http;
pub mod kms;
pub mod log;
pub mod world;

/// Default directory of sandbox state and logs, relative to the working directory.
pub const DEFAULT_SANDBOX_DIR: &str = ".cmek/sandbox";
