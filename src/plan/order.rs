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
