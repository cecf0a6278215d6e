//! The order apply may run a plan's actions in: the dependency graph the executor walks.
//!
//! An action waits for every action in its `depends_on` and for the previous action (in plan
//! order) of its *key group*: the key it is about (a key's own actions, its registrations, the
//! attaches of its workspaces). So one key's actions run one after another in plan order (the
//! access update that adds a compartment, the registration and the verification come before
//! the attach even if a plan file forgot a dependency), and different keys run concurrently.

use std::collections::{BTreeMap, BTreeSet};

use crate::address::{Address, ObjectKind};
use crate::plan::Plan;
use crate::plan::model::{Action, PlannedAction};
use crate::spec::model::Desired;
use crate::state::State;

use super::ApplyError;

fn failed(action: &PlannedAction, reason: impl std::fmt::Display) -> ApplyError {
    ApplyError::Failed {
        action: action.id.clone(),
        reason: reason.to_string(),
    }
}

/// The key an action is about; actions of one key group run one after another.
pub fn key_group(action: &PlannedAction, desired: &Desired, state: &State) -> Address {
    match &action.action {
        Action::CreateRegistration { key, .. } | Action::AttachWorkspace { key, .. } => {
            return key.clone();
        }
        _ => {}
    }
    match action.address.kind {
        ObjectKind::Key(_) => action.address.clone(),
        ObjectKind::ExternalKey => desired
            .external_keys
            .get(&action.address)
            .map(|e| e.key.clone())
            .or_else(|| {
                state
                    .external_key(&action.address)
                    .and_then(|e| e.key.clone())
            })
            .unwrap_or_else(|| action.address.clone()),
        ObjectKind::Workspace => desired
            .workspaces
            .get(&action.address)
            .and_then(|w| w.external_key.as_ref())
            .and_then(|ek| desired.external_keys.get(ek))
            .map(|e| e.key.clone())
            .unwrap_or_else(|| action.address.clone()),
    }
}

/// The dependency graph the scheduler walks: `depends_on` plus "the previous action of the
/// same key group".
pub struct Schedule {
    /// For each action, the actions that wait for it.
    pub dependents: Vec<Vec<usize>>,
    /// For each action, how many actions it waits for.
    pub indegree: Vec<usize>,
}

/// Builds the [`Schedule`] of `plan` (actions in plan order, which is topological).
pub fn schedule(plan: &Plan, desired: &Desired, state: &State) -> Result<Schedule, ApplyError> {
    let n = plan.actions.len();
    let index: BTreeMap<&str, usize> = plan
        .actions
        .iter()
        .enumerate()
        .map(|(i, a)| (a.id.as_str(), i))
        .collect();
    let mut waits: Vec<BTreeSet<usize>> = vec![BTreeSet::new(); n];
    let mut last_of_group: BTreeMap<Address, usize> = BTreeMap::new();
    for (i, a) in plan.actions.iter().enumerate() {
        for dep in &a.depends_on {
            let j = *index.get(dep.as_str()).ok_or_else(|| {
                failed(a, format!("depends on `{dep}`, which is not in the plan"))
            })?;
            if j >= i {
                return Err(failed(
                    a,
                    format!("depends on `{dep}`, which comes later in the plan"),
                ));
            }
            waits[i].insert(j);
        }
        if let Some(prev) = last_of_group.insert(key_group(a, desired, state), i) {
            waits[i].insert(prev);
        }
    }
    let mut dependents = vec![Vec::new(); n];
    let mut indegree = vec![0; n];
    for (i, w) in waits.iter().enumerate() {
        indegree[i] = w.len();
        for &j in w {
            dependents[j].push(i);
        }
    }
    Ok(Schedule {
        dependents,
        indegree,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::address::Cloud;
    use crate::plan::model::Reason;

    fn action(id: &str, address: Address, action: Action, deps: &[&str]) -> PlannedAction {
        PlannedAction {
            id: id.into(),
            address,
            action,
            reason: Reason::NewInSpec,
            depends_on: deps.iter().map(|d| d.to_string()).collect(),
            irreversible: false,
        }
    }

    fn plan(actions: Vec<PlannedAction>) -> Plan {
        Plan {
            format_version: crate::plan::model::FORMAT_VERSION,
            lineage: String::new(),
            serial: 0,
            actions,
            refusals: vec![],
            drift: vec![],
            findings: vec![],
            fingerprints: Default::default(),
            config: None,
        }
    }

    fn empty_desired() -> Desired {
        use crate::spec::model::{
            AnthropicConfig, BackendConfig, LintConfig, Origin, Platform, Providers,
        };
        Desired {
            anthropic: AnthropicConfig {
                organization_uuid: "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f".into(),
                platform: Platform::ClaudePlatform,
                api_key_env: "ANTHROPIC_ADMIN_API_KEY".into(),
                base_url: "https://api.anthropic.com".into(),
                origin: Origin {
                    file: "main.cmek.hcl".into(),
                    line: 1,
                    column: 1,
                },
            },
            backend: BackendConfig::default(),
            providers: Providers::default(),
            keys: BTreeMap::new(),
            external_keys: BTreeMap::new(),
            workspaces: BTreeMap::new(),
            removed: Vec::new(),
            imports: Vec::new(),
            lint: LintConfig::default(),
        }
    }

    #[test]
    fn one_keys_actions_chain_in_plan_order_and_keys_are_independent() {
        let a = Address::key(Cloud::Aws, "a");
        let b = Address::key(Cloud::Aws, "b");
        let attach = |ws: &str, key: &Address| Action::AttachWorkspace {
            workspace_id: format!("wrkspc_{ws}"),
            external_key: Address::external_key("e"),
            external_key_id: None,
            key: key.clone(),
        };
        let p = plan(vec![
            action(
                "update_key_access:key.aws.a",
                a.clone(),
                Action::EnableKey,
                &[],
            ),
            action("enable_key:key.aws.b", b.clone(), Action::EnableKey, &[]),
            action(
                "verify_key:key.aws.a",
                a.clone(),
                Action::VerifyKey { registration: None },
                &[],
            ),
            // No declared dependency: the key group still orders it after a's verify.
            action(
                "attach:workspace.x",
                Address::workspace("x"),
                attach("x", &a),
                &[],
            ),
            action(
                "attach:workspace.y",
                Address::workspace("y"),
                attach("y", &b),
                &["enable_key:key.aws.b"],
            ),
        ]);
        let s = schedule(&p, &empty_desired(), &State::default()).unwrap();
        assert_eq!(s.indegree, vec![0, 0, 1, 1, 1]);
        assert_eq!(s.dependents[0], vec![2]);
        assert_eq!(s.dependents[2], vec![3]);
        assert_eq!(s.dependents[1], vec![4], "b's attach waits for b only");
    }

    #[test]
    fn a_dependency_later_in_the_plan_is_refused() {
        let a = Address::key(Cloud::Aws, "a");
        let p = plan(vec![
            action(
                "verify_key:key.aws.a",
                a.clone(),
                Action::VerifyKey { registration: None },
                &["enable_key:key.aws.a"],
            ),
            action("enable_key:key.aws.a", a, Action::EnableKey, &[]),
        ]);
        assert!(schedule(&p, &empty_desired(), &State::default()).is_err());
    }
}
