//! `engine/`: the glue between the spec, the state, the providers and the plan core.
//!
//! - `import`: adopting existing remote objects into state (`cmek import`, `import` blocks);
//! - `lockout`: refuses a plan whose AWS key policies would lock the caller out;
//! - `oracle`: the policy library as the plan core's `PolicyOracle`;
//! - `prior`: state → `plan::Prior`;
//! - `refresh`: spec + state → `plan::Observed`, through the providers;
//! - `session`: one command run: load the spec, lock the state, build the clients, plan.

pub mod import;
pub mod lockout;
pub mod oracle;
pub mod prior;
pub mod refresh;
pub mod session;
