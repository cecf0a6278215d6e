//! `verify/`: the health check of every managed key (`cmek verify`, DESIGN.md §6), built on the
//! per-key primitives of `apply::verify`.
//!
//! - [`targets`]: which keys are verified (every key in state, joined with its spec and its
//!   registrations), and which are not (in the spec only: not created yet);
//! - [`run`]: the checks of each key (round trip, access simulation, Anthropic's validate), keys
//!   in parallel with a concurrency limit, each check timed;
//! - [`model`]: the result model (per key, per check: result, latency, reason in words);
//! - [`render`]: the result table (text) and JSON.
//!
//! Invariants: verification only reads and round-trips (no state write, no remote change
//! besides Anthropic's own validate call); every failure carries a sentence saying why; key
//! material never leaves `apply::verify::round_trip`.

pub mod model;
pub mod render;
pub mod run;
pub mod targets;

pub use model::{Check, CheckResult, KeyResult, Outcome, VerifyReport};
pub use run::verify_all;
pub use targets::{Target, targets};
