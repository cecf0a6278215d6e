//! Whether a saved plan may still be applied: same state lineage and serial, and every remote
//! object it fingerprinted unchanged.

use std::collections::BTreeMap;

use crate::plan::Plan;

/// The saved plan's state position against the current state. `state_existed` is false when
/// there is no state file yet (then the plan must have been made from serial 0).
pub fn check_state(
    plan: &Plan,
    lineage: &str,
    serial: u64,
    state_existed: bool,
) -> Result<(), String> {
    if !state_existed {
        if plan.serial == 0 {
            return Ok(());
        }
        return Err(format!(
            "the plan was made from state serial {}, but there is no state now",
            plan.serial
        ));
    }
    if plan.lineage != lineage {
        return Err(format!(
            "the plan was made from state lineage {}, but the state's lineage is {lineage}",
            plan.lineage
        ));
    }
    if plan.serial != serial {
        return Err(format!(
            "the plan was made from state serial {}, but the state is at serial {serial}: plan again",
            plan.serial
        ));
    }
    Ok(())
}

/// Remote ids whose fingerprint changed, appeared or disappeared, with a word on each.
pub fn changed_objects(
    saved: &BTreeMap<String, String>,
    now: &BTreeMap<String, String>,
) -> Vec<String> {
    let mut out = Vec::new();
    for (id, f) in saved {
        match now.get(id) {
            None => out.push(format!("{id}: no longer found")),
            Some(g) if g != f => out.push(format!("{id}: changed since the plan was made")),
            Some(_) => {}
        }
    }
    for id in now.keys() {
        if !saved.contains_key(id) {
            out.push(format!("{id}: appeared since the plan was made"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_changed_missing_and_new_objects() {
        let saved = BTreeMap::from([
            ("a".to_string(), "1".to_string()),
            ("b".to_string(), "2".to_string()),
        ]);
        let now = BTreeMap::from([
            ("a".to_string(), "1".to_string()),
            ("c".to_string(), "3".to_string()),
        ]);
        let c = changed_objects(&saved, &now);
        assert_eq!(c.len(), 2);
        assert!(c[0].starts_with("b: no longer"));
        assert!(c[1].starts_with("c: appeared"));
        assert!(changed_objects(&saved, &saved).is_empty());
    }
}
