//! Deterministic ordering: topological by `depends_on`, ties broken by address, then action
//! kind rank, then id. The same inputs always give the same plan, byte for byte.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use crate::address::Address;

use super::model::PlannedAction;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    #[error("action `{action}` depends on `{missing}`, which is not in the plan")]
    UnknownDependency { action: String, missing: String },
    #[error("two actions share the id `{0}`")]
    DuplicateId(String),
    #[error("actions depend on each other in a cycle: {0}")]
    Cycle(String),
}

/// Sorts actions so every action comes after its dependencies. Duplicate dependencies are
/// removed and each `depends_on` list is sorted.
pub fn order(actions: Vec<PlannedAction>) -> Result<Vec<PlannedAction>, OrderError> {
    let mut index: HashMap<String, usize> = HashMap::with_capacity(actions.len());
    for (i, a) in actions.iter().enumerate() {
        if index.insert(a.id.clone(), i).is_some() {
            return Err(OrderError::DuplicateId(a.id.clone()));
        }
    }
    let mut actions = actions;
    let mut indegree = vec![0usize; actions.len()];
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); actions.len()];
    for (i, a) in actions.iter_mut().enumerate() {
        a.depends_on.sort();
        a.depends_on.dedup();
        for dep in &a.depends_on {
            let Some(&j) = index.get(dep) else {
                return Err(OrderError::UnknownDependency {
                    action: a.id.clone(),
                    missing: dep.clone(),
                });
            };
            indegree[i] += 1;
            dependents[j].push(i);
        }
    }
    type Rank<'x> = Reverse<(&'x Address, u8, &'x str, usize)>;
    let key = |i: usize| -> Rank<'_> {
        let a = &actions[i];
        Reverse((&a.address, a.action.rank(), a.id.as_str(), i))
    };
    let mut ready: BinaryHeap<Rank<'_>> = (0..actions.len())
        .filter(|&i| indegree[i] == 0)
        .map(key)
        .collect();
    let mut sorted: Vec<usize> = Vec::with_capacity(actions.len());
    while let Some(Reverse((_, _, _, i))) = ready.pop() {
        sorted.push(i);
        for &d in &dependents[i] {
            indegree[d] -= 1;
            if indegree[d] == 0 {
                ready.push(key(d));
            }
        }
    }
    drop(ready);
    if sorted.len() != actions.len() {
        let stuck: Vec<&str> = (0..actions.len())
            .filter(|&i| indegree[i] > 0)
            .map(|i| actions[i].id.as_str())
            .collect();
        return Err(OrderError::Cycle(stuck.join(", ")));
    }
    let mut slots: Vec<Option<PlannedAction>> = actions.into_iter().map(Some).collect();
    Ok(sorted.into_iter().filter_map(|i| slots[i].take()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::Cloud;
    use crate::plan::model::{Action, Reason};

    fn action(id: &str, address: Address, action: Action, deps: &[&str]) -> PlannedAction {
        PlannedAction {
            id: id.to_string(),
            address,
            action,
            reason: Reason::NewInSpec,
            depends_on: deps.iter().map(|d| d.to_string()).collect(),
            irreversible: false,
        }
    }

    fn verify(id: &str, deps: &[&str]) -> PlannedAction {
        action(
            id,
            Address::key(Cloud::Aws, "k"),
            Action::VerifyKey { registration: None },
            deps,
        )
    }

    #[test]
    fn dependencies_first_then_address_then_kind() {
        let ws = Address::workspace("a");
        let key = Address::key(Cloud::Aws, "k");
        let attach = action(
            "attach:workspace.a",
            ws.clone(),
            Action::AttachWorkspace {
                workspace_id: "w".into(),
                external_key: Address::external_key("e"),
                external_key_id: None,
                key: key.clone(),
            },
            &["verify_key:key.aws.k", "verify_key:key.aws.k"],
        );
        let enable = action("enable_key:key.aws.k", key.clone(), Action::EnableKey, &[]);
        let forget = action(
            "forget:key.aws.a",
            Address::key(Cloud::Aws, "a"),
            Action::Forget {
                remote_id: "x".into(),
            },
            &[],
        );
        let sorted = order(vec![
            attach,
            verify("verify_key:key.aws.k", &["enable_key:key.aws.k"]),
            enable,
            forget,
        ])
        .unwrap();
        let ids: Vec<&str> = sorted.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(
            ids,
            vec![
                "forget:key.aws.a",
                "enable_key:key.aws.k",
                "verify_key:key.aws.k",
                "attach:workspace.a"
            ]
        );
        // Duplicate dependencies are removed.
        assert_eq!(sorted[3].depends_on, vec!["verify_key:key.aws.k"]);
    }

    #[test]
    fn reports_cycles_unknown_dependencies_and_duplicates() {
        let err = order(vec![verify("a", &["b"]), verify("b", &["a"])]).unwrap_err();
        assert_eq!(err, OrderError::Cycle("a, b".to_string()));
        let err = order(vec![verify("a", &["nope"])]).unwrap_err();
        assert!(matches!(err, OrderError::UnknownDependency { .. }));
        let err = order(vec![verify("a", &[]), verify("a", &[])]).unwrap_err();
        assert_eq!(err, OrderError::DuplicateId("a".to_string()));
    }
}
