//! `state/`: what cmek manages and what it must never forget.
//!
//! - [`model`]: the versioned state document with protection history and tombstones;
//! - [`parse`]: reading a state file, with a clear error for every kind of wrong file;
//! - [`backend`]: the backend interface; [`local`]: the local file backend (atomic writes,
//!   backups); [`lock`]: locks and their guards;
//! - [`render`]: `state list` / `state show` output.
//!
//! State never holds secrets: no API keys, no key material.

pub mod backend;
pub mod clock;
pub mod duration;
pub mod error;
pub mod local;
pub mod lock;
pub mod model;
pub mod parse;
pub mod render;

use std::path::{Path, PathBuf};

pub use backend::StateBackend;
pub use error::StateError;
pub use local::{LocalBackend, NoHooks, WriteHooks};
pub use lock::{LockFile, LockGuard, LockInfo};
pub use model::{
    AttachmentRecord, EntryOrigin, ExternalKeyEntry, FORMAT_VERSION, KeyEntry, KeyProtection,
    PendingCreate, ServedWorkspace, State, Tombstone, WorkspaceEntry,
};
pub use parse::parse_state;

/// Where the state of config directory `dir` lives. The single place that decides it: for now
/// always the local file `DIR/cmek.state.json` (the spec's default `backend "local"`); once the
/// spec loader lands, this follows the `backend` block.
pub fn locate(dir: &Path) -> PathBuf {
    dir.join(crate::spec::model::DEFAULT_STATE_PATH)
}

/// The backend of config directory `dir` (see [`locate`]).
pub fn backend_for(dir: &Path) -> Box<dyn StateBackend> {
    Box::new(LocalBackend::new(locate(dir)))
}
