//! The apply executor under concurrency, against the sandbox emulators through recording
//! doubles that add delays and inject failures (tests/common/recording.rs):
//! - many keys run at once, never more than `parallelism`;
//! - per key, the compartment is in the key policy and this run's verification passed before
//!   the attach (SAFE008), checked on the remote calls' timestamps;
//! - the first failure stops new work; in-flight actions finish and are recorded, and state
//!   holds exactly what completed;
//! - lint findings of severity error hold the key's attaches while the safe steps run.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cmek::address::Address;
use cmek::apply::executor::{ApplyEnv, ApplyEventKind, execute_with};
use cmek::apply::{ApplyError, ApplyOutcome};
use cmek::engine::session::{Session, SessionOptions};
use cmek::plan::Plan;
use cmek::plan::model::{Finding, Reason, Severity};
use cmek::providers::KeyProvider;
use cmek::state::State;
use common::recording::{CallLog, Faults, RecordingApi, RecordingProvider};

const ORG: &str = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";

fn workspace_id(key: usize, n: usize) -> String {
    format!("wrkspc_01PARALLEL{key:04}W{n:02}")
}

/// A spec with `keys` AWS keys, each registered and protecting `per_key` workspaces.
fn write_spec(dir: &Path, keys: usize, per_key: usize) {
    let mut s = format!(
        "anthropic {{\n  organization_uuid = \"{ORG}\"\n  platform          = \"claude_platform\"\n}}\n\nprovider \"aws\" {{\n  region = \"us-east-2\"\n}}\n"
    );
    for k in 0..keys {
        s.push_str(&format!(
            "\nkey \"aws\" \"k{k}\" {{\n  region = \"us-east-2\"\n  alias  = \"alias/parallel-k{k}\"\n}}\n\nexternal_key \"k{k}\" {{\n  key          = key.aws.k{k}\n  display_name = \"k{k}\"\n  geo          = \"us\"\n}}\n"
        ));
        for w in 0..per_key {
            s.push_str(&format!(
                "\nworkspace \"k{k}_w{w}\" {{\n  id           = \"{}\"\n  external_key = external_key.k{k}\n}}\n",
                workspace_id(k, w)
            ));
        }
    }
    std::fs::write(dir.join("main.cmek.hcl"), s).unwrap();
}

/// What one run saw: the executor's events (with times) and the remote calls.
struct Run {
    result: Result<ApplyOutcome, ApplyError>,
    plan: Plan,
    events: Vec<(Duration, String, ApplyEventKind)>,
    log: Arc<CallLog>,
    state: State,
}

impl Run {
    fn time_of(&self, id: &str, kind: ApplyEventKind) -> Option<Duration> {
        self.events
            .iter()
            .find(|(_, i, k)| i == id && *k == kind)
            .map(|(t, _, _)| *t)
    }

    /// The largest number of actions in flight at once.
    fn max_in_flight(&self) -> usize {
        let mut now = 0usize;
        let mut max = 0;
        for (_, _, kind) in &self.events {
            match kind {
                ApplyEventKind::Started => now += 1,
                ApplyEventKind::Succeeded | ApplyEventKind::Failed => now -= 1,
                ApplyEventKind::Held => {}
            }
            max = max.max(now);
        }
        max
    }
}

/// Plans and applies `dir` in the sandbox with `parallelism`, through recording doubles.
fn apply(dir: &Path, parallelism: usize, faults: Faults, edit_plan: impl FnOnce(&mut Plan)) -> Run {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let mut opts = SessionOptions::new(dir, "apply");
        opts.sandbox = true;
        opts.parallelism = parallelism;
        let mut session = Session::open(&opts).await.unwrap();
        let (mut plan, refreshed) = session.plan().await.unwrap();
        assert!(!plan.is_refused(), "{:?}", plan.refusals);
        edit_plan(&mut plan);
        let epoch = Instant::now();
        let log = CallLog::new(epoch, faults);
        let inner = session.clients.aws.clone().unwrap() as Arc<dyn KeyProvider>;
        let api = session.clients.anthropic.clone();
        let mut env = ApplyEnv::from_session(&mut session).unwrap();
        env.aws = Some(Arc::new(RecordingProvider {
            inner,
            log: log.clone(),
        }));
        env.anthropic = Arc::new(RecordingApi {
            inner: api,
            log: log.clone(),
        });
        let mut events = Vec::new();
        let result = execute_with(env, &plan, refreshed.key_refs, &mut |e| {
            events.push((epoch.elapsed(), e.action.id.clone(), e.kind));
        })
        .await;
        let state = session.state.clone();
        session.close().await.unwrap();
        Run {
            result,
            plan,
            events,
            log,
            state,
        }
    })
}

/// Slow remote calls, with a different delay per key so completions interleave.
fn slow(base_ms: u64) -> Faults {
    Faults {
        delay: Some(Box::new(move |_, target| {
            let spread = target.bytes().map(u64::from).sum::<u64>() % 5;
            Duration::from_millis(base_ms + spread * 7)
        })),
        fail: None,
    }
}

/// For each workspace address: (its key's ARN, its registration id), from state.
fn attachments(state: &State) -> BTreeMap<Address, (String, String)> {
    let mut out = BTreeMap::new();
    for (ws, entry) in state.workspaces() {
        let Some(ekey_id) = entry.attached_external_key_id().map(str::to_string) else {
            continue;
        };
        let (_, ek) = state
            .external_keys()
            .iter()
            .find(|(_, e)| e.id() == ekey_id)
            .unwrap();
        let key = ek.key.clone().unwrap();
        let arn = state.key(&key).unwrap().remote_id().to_string();
        out.insert(ws.clone(), (arn, ekey_id));
    }
    out
}

#[test]
fn many_keys_run_concurrently_within_the_bound_and_each_key_keeps_its_order() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_spec(dir, 8, 1);

    let run = apply(dir, 3, slow(60), |_| {});
    run.result.as_ref().unwrap();
    assert_eq!(run.state.keys().len(), 8);
    let max = run.max_in_flight();
    assert!(max >= 2, "actions of different keys ran one at a time");
    assert!(max <= 3, "{max} actions in flight with parallelism 3");

    // Per key: create, register, verify, attach, in that order of completion/start.
    for k in 0..8 {
        let attach = format!("attach:workspace.k{k}_w0");
        let started = run.time_of(&attach, ApplyEventKind::Started).unwrap();
        for before in [
            format!("create_key:key.aws.k{k}"),
            format!("create_registration:external_key.k{k}"),
            format!("verify_key:key.aws.k{k}"),
        ] {
            let done = run.time_of(&before, ApplyEventKind::Succeeded).unwrap();
            assert!(done <= started, "{attach} started before {before} finished");
        }
    }
    // The same on the wire: every attach call starts after Anthropic's validate of its
    // registration and the KMS round trip on its key ended.
    let calls = run.log.calls();
    let attached = attachments(&run.state);
    assert_eq!(attached.len(), 8);
    for (ws, (arn, ekey)) in &attached {
        let attach = calls
            .iter()
            .find(|c| c.op == "attach_workspace_key" && c.target.ends_with(ekey.as_str()))
            .unwrap_or_else(|| panic!("no attach call for {ws}"));
        let validated = calls
            .iter()
            .filter(|c| c.op == "validate_external_key" && &c.target == ekey && c.ok)
            .map(|c| c.ended)
            .max()
            .unwrap_or_else(|| panic!("{ekey} attached without a validate"));
        let unwrapped = calls
            .iter()
            .filter(|c| c.op == "unwrap" && arn.contains(c.target.as_str()) && c.ok)
            .map(|c| c.ended)
            .max()
            .unwrap_or_else(|| panic!("{arn} attached without a round trip"));
        assert!(validated <= attach.started, "{ws}: attach before validate");
        assert!(
            unwrapped <= attach.started,
            "{ws}: attach before round trip"
        );
    }

    // A second workspace per key: the compartment goes into the key policy before the attach.
    write_spec(dir, 8, 2);
    let run = apply(dir, 4, slow(40), |plan| {
        let updates = plan
            .actions
            .iter()
            .filter(|a| a.reason == Reason::CompartmentAddedBeforeAttach)
            .count();
        assert_eq!(updates, 8, "one policy update per key");
    });
    run.result.as_ref().unwrap();
    assert!(run.max_in_flight() >= 2);
    assert!(run.max_in_flight() <= 4);
    let calls = run.log.calls();
    for (ws, (arn, ekey)) in attachments(&run.state) {
        if !ws.to_string().ends_with("_w1") {
            continue;
        }
        let attach = calls
            .iter()
            .find(|c| c.op == "attach_workspace_key" && c.target.ends_with(ekey.as_str()))
            .unwrap_or_else(|| panic!("no attach call for {ws}"));
        let put = calls
            .iter()
            .find(|c| c.op == "put_access" && arn.contains(c.target.as_str()) && c.ok)
            .unwrap_or_else(|| panic!("{ws} attached without its compartment in the policy"));
        let validated = calls
            .iter()
            .filter(|c| c.op == "validate_external_key" && c.target == ekey && c.ok)
            .map(|c| c.started)
            .max()
            .unwrap();
        assert!(
            put.ended <= validated,
            "{ws}: verified before the policy update"
        );
        assert!(
            put.ended <= attach.started,
            "{ws}: attached before the policy update"
        );
    }
    // Converged.
    let run = apply(dir, 4, Faults::default(), |plan| {
        assert!(plan.actions.is_empty(), "{:#?}", plan.actions);
    });
    run.result.unwrap();
}

#[test]
fn first_failure_stops_new_work_and_state_holds_exactly_what_completed() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_spec(dir, 6, 1);

    // k2's create fails fast; k0 and k1 are still in flight then (slower creates).
    let faults = Faults {
        delay: Some(Box::new(|op, target| match (op, target) {
            ("create_key", "key.aws.k2") => Duration::from_millis(30),
            ("create_key", _) => Duration::from_millis(250),
            _ => Duration::ZERO,
        })),
        fail: Some(Box::new(|op, target| {
            op == "create_key" && target == "key.aws.k2"
        })),
    };
    let run = apply(dir, 3, faults, |_| {});
    match &run.result {
        Err(ApplyError::Failed { action, reason }) => {
            assert_eq!(action, "create_key:key.aws.k2");
            assert!(reason.contains("injected failure"), "{reason}");
        }
        other => panic!("expected the injected failure, got {other:?}"),
    }
    // Nothing started after the failure; the in-flight creates finished and were recorded.
    let failed_at = run
        .time_of("create_key:key.aws.k2", ApplyEventKind::Failed)
        .unwrap();
    for (t, id, kind) in &run.events {
        if *kind == ApplyEventKind::Started {
            assert!(*t <= failed_at, "{id} started after the failure");
        }
    }
    for k in [0, 1] {
        assert!(
            run.time_of(
                &format!("create_key:key.aws.k{k}"),
                ApplyEventKind::Succeeded
            )
            .is_some(),
            "in-flight k{k} was not recorded"
        );
    }
    // State = exactly the keys whose create succeeded remotely; nothing else.
    let created: BTreeSet<String> = run
        .log
        .of("create_key")
        .into_iter()
        .filter(|c| c.ok)
        .map(|c| c.target)
        .collect();
    let in_state: BTreeSet<String> = run.state.keys().keys().map(|a| a.to_string()).collect();
    assert_eq!(in_state, created);
    assert_eq!(
        created,
        BTreeSet::from(["key.aws.k0".to_string(), "key.aws.k1".to_string()])
    );
    assert!(run.state.external_keys().is_empty());
    assert!(run.state.workspaces().is_empty());
    // The failed create left its client token (it never reached KMS: nothing to find).
    let pending: Vec<String> = run
        .state
        .pending_creates()
        .keys()
        .map(|a| a.to_string())
        .collect();
    assert!(pending.contains(&"key.aws.k2".to_string()), "{pending:?}");
    // What was persisted is what the run ended with.
    let on_disk = std::fs::read_to_string(dir.join("cmek.state.json")).unwrap();
    let on_disk: serde_json::Value = serde_json::from_str(&on_disk).unwrap();
    let keys_on_disk: BTreeSet<String> = on_disk["keys"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(keys_on_disk, in_state);

    // Apply again without faults: everything completes, no key is created twice.
    let run = apply(dir, 3, Faults::default(), |plan| {
        let creates = plan
            .actions
            .iter()
            .filter(|a| a.id.starts_with("create_key:"))
            .count();
        assert_eq!(creates, 4, "k0 and k1 exist already");
    });
    run.result.unwrap();
    assert_eq!(run.state.keys().len(), 6);
    assert_eq!(attachments(&run.state).len(), 6);
    assert!(run.state.pending_creates().is_empty());
}

#[test]
fn error_findings_hold_the_keys_attaches_after_its_safe_steps() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    write_spec(dir, 3, 2);

    let run = apply(dir, 4, Faults::default(), |plan| {
        plan.findings.push(Finding {
            rule_id: "CMEK-AWS-003".into(),
            severity: Severity::Error,
            address: Some(Address::parse("key.aws.k1").unwrap()),
            message: "a statement allows any principal".into(),
            location: None,
        });
    });
    match &run.result {
        Err(ApplyError::Findings { addresses, held }) => {
            assert_eq!(addresses, &vec!["key.aws.k1".to_string()]);
            assert_eq!(
                held,
                &vec![
                    "attach:workspace.k1_w0".to_string(),
                    "attach:workspace.k1_w1".to_string()
                ]
            );
        }
        other => panic!("expected held attaches, got {other:?}"),
    }
    // The flagged key's safe steps ran: created, registered, verified.
    for id in [
        "create_key:key.aws.k1",
        "create_registration:external_key.k1",
        "verify_key:key.aws.k1",
    ] {
        assert!(run.time_of(id, ApplyEventKind::Succeeded).is_some(), "{id}");
    }
    // Its workspaces were never attached (no call at all); the other keys' were.
    let attached = attachments(&run.state);
    let names: BTreeSet<String> = attached.keys().map(|a| a.to_string()).collect();
    assert_eq!(
        names,
        BTreeSet::from([
            "workspace.k0_w0".to_string(),
            "workspace.k0_w1".to_string(),
            "workspace.k2_w0".to_string(),
            "workspace.k2_w1".to_string(),
        ])
    );
    let k1_ekey = run
        .state
        .external_key(&Address::parse("external_key.k1").unwrap())
        .unwrap()
        .id()
        .to_string();
    assert!(
        run.log
            .of("attach_workspace_key")
            .iter()
            .all(|c| !c.target.ends_with(&k1_ekey)),
        "a held attach reached the Admin API"
    );
    assert_eq!(run.plan.attaches_held_by_findings().len(), 2);
}
