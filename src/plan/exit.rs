//! The plan's process exit code (DESIGN.md §4).

use crate::exit::{CHANGES, ERROR, REFUSED, SUCCESS};

use super::model::Plan;

/// `3` when anything is refused (always, whatever the flags); `1` when drift blocks the plan
/// (a key that protected data is gone, a workspace or import target is missing); `2` when there
/// are changes and `detailed_exitcode` is set; `0` otherwise.
pub fn plan_exit_code(plan: &Plan, detailed_exitcode: bool) -> u8 {
    if plan.is_refused() {
        REFUSED
    } else if plan.is_blocked() {
        ERROR
    } else if detailed_exitcode && plan.has_changes() {
        CHANGES
    } else {
        SUCCESS
    }
}
