//! `plan/`: the plan core — diff, ordering, safety rules and renderers — as pure functions over
//! small input types ([`input`]) and one trait for the policy library ([`PolicyOracle`]).
//!
//! Flow: [`make_plan`] derives shared [`facts::Facts`], runs the [`diff`], orders the actions
//! ([`order`]), runs every [`safety`] rule, and records the fingerprints of the observed remote
//! objects. Renderers ([`render`]) turn a [`Plan`] into text, markdown or JSON.
//!
//! Seams for the rest of the engine (kept narrow on purpose):
//! - the state store builds a [`Prior`], the refresh builds an [`Observed`];
//! - the policy library implements [`PolicyOracle`];
//! - the lint engine fills [`Plan::findings`].

pub mod attrs;
pub mod diff;
pub mod exit;
pub mod facts;
pub mod fingerprint;
pub mod input;
pub mod model;
pub mod order;
pub mod render;
pub mod safety;

pub use exit::plan_exit_code;
pub use input::{Observed, PolicyOracle, Prior};
pub use model::{Action, Plan, PlannedAction, Reason, Refusal, RuleId};

use crate::spec::model::Desired;

use facts::Facts;
use model::FORMAT_VERSION;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    /// An internal inconsistency (a bug), reported instead of a wrong plan.
    #[error("could not order the plan: {0}")]
    Order(#[from] order::OrderError),
}

/// Runs every safety rule on a list of actions: the check `make_plan` does, exposed so apply
/// can re-check a saved plan's actions against freshly observed inputs.
pub fn check_safety(
    desired: &Desired,
    prior: &Prior,
    observed: &Observed,
    oracle: &dyn PolicyOracle,
    actions: &[PlannedAction],
) -> Vec<Refusal> {
    let facts = Facts::new(desired, prior, observed, oracle);
    safety::check(&safety::SafetyContext {
        facts: &facts,
        actions,
    })
}

/// Makes the plan: diff, order, safety, fingerprints. Findings and `config` are left empty for
/// the engine to fill (`engine::session`), which knows the config directory.
pub fn make_plan(
    desired: &Desired,
    prior: &Prior,
    observed: &Observed,
    oracle: &dyn PolicyOracle,
) -> Result<Plan, PlanError> {
    let facts = Facts::new(desired, prior, observed, oracle);
    let out = diff::diff(&facts);
    let actions = order::order(out.actions)?;
    let refusals = safety::check(&safety::SafetyContext {
        facts: &facts,
        actions: &actions,
    });
    Ok(Plan {
        format_version: FORMAT_VERSION,
        lineage: prior.lineage.clone(),
        serial: prior.serial,
        actions,
        refusals,
        drift: out.drift,
        findings: Vec::new(),
        fingerprints: fingerprint::fingerprints(observed),
        config: None,
    })
}
