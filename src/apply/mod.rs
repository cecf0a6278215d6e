//! `apply/`: carries out a plan step by step, persisting state after every remote change, and
//! verifies each key before any workspace is attached to it.
//!
//! - `executor`: runs the actions, concurrently across keys, and records each outcome in state;
//! - `schedule`: the order it may run them in (dependencies + one key's actions in plan order);
//! - `verify`: round trip, access simulation and Anthropic's validate for one key;
//! - `stale`: checks that a saved plan still matches the state and the remote objects.

pub mod executor;
pub mod schedule;
pub mod stale;
pub mod verify;

pub use executor::{ApplyError, ApplyOutcome, execute};
