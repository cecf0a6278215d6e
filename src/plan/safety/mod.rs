//! The safety rules (DESIGN.md §5), in one place. Each rule is a pure function over the
//! [`Facts`] and the planned actions that returns refusals; [`check`] runs them all.
//!
//! A refused plan still holds every action (the full plan is printed, CI sees all of it); apply
//! will not run it. Each rule's file documents what it checks, why, an example, and the safe
//! way forward, in the style of ruff's rule docs.

use super::facts::Facts;
use super::model::{PlannedAction, Refusal};

pub mod safe001_swap;
pub mod safe002_detach;
pub mod safe003_unmanage_protected;
pub mod safe004_replace;
pub mod safe005_narrow_access;
pub mod safe006_frozen_registration;
pub mod safe007_drop_org_binding;
pub mod safe008_attach_unverified;

/// What the rules read: the inputs (through the shared facts) and the proposed actions.
pub struct SafetyContext<'f, 'a> {
    pub facts: &'f Facts<'a>,
    pub actions: &'f [PlannedAction],
}

/// Runs every rule; refusals sorted by rule, then address, then title.
pub fn check(ctx: &SafetyContext<'_, '_>) -> Vec<Refusal> {
    let mut out = Vec::new();
    out.extend(safe001_swap::check(ctx));
    out.extend(safe002_detach::check(ctx));
    out.extend(safe003_unmanage_protected::check(ctx));
    out.extend(safe004_replace::check(ctx));
    out.extend(safe005_narrow_access::check(ctx));
    out.extend(safe006_frozen_registration::check(ctx));
    out.extend(safe007_drop_org_binding::check(ctx));
    out.extend(safe008_attach_unverified::check(ctx));
    out.sort();
    out.dedup();
    out
}

/// The access-writing actions of a plan: (key address, before, after).
pub(crate) fn access_writes(
    actions: &[PlannedAction],
) -> impl Iterator<
    Item = (
        &PlannedAction,
        &super::input::AccessDoc,
        &super::input::AccessDoc,
    ),
> {
    use super::model::Action;
    actions.iter().filter_map(|a| match &a.action {
        Action::UpdateKeyAccess { before, after, .. }
        | Action::RestoreAccess { before, after, .. } => Some((a, before, after)),
        _ => None,
    })
}
