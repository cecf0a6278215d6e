//! The interface every state backend implements (local file now, S3 later).
//!
//! Contract: `read` never writes; `write` requires a held lock of the same backend, refuses a
//! state of another lineage or one based on an older serial than the stored one, and on success
//! stores the state with `serial + 1` (updating the caller's copy); `force_unlock` removes a lock
//! only when given its exact id.

use std::time::Duration;

use async_trait::async_trait;

use super::error::StateError;
use super::lock::{LockGuard, LockInfo};
use super::model::State;

#[async_trait]
pub trait StateBackend: Send + Sync {
    /// For messages: `local file ./cmek.state.json`.
    fn describe(&self) -> String;

    /// The stored state; `None` when there is none yet.
    async fn read(&self) -> Result<Option<State>, StateError>;

    /// Stores `state` (see the module contract). `state.serial()` must be the stored serial.
    async fn write(&self, state: &mut State, lock: &LockGuard) -> Result<(), StateError>;

    /// Takes the lock for `operation`, waiting up to `timeout` for another holder to finish.
    async fn lock(&self, operation: &str, timeout: Duration) -> Result<LockGuard, StateError>;

    /// The current holder, if locked.
    async fn current_lock(&self) -> Result<Option<LockInfo>, StateError>;

    /// Removes the lock held under `id`; refuses any other id.
    async fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError>;
}
