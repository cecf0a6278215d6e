//! Runs the checks of every target key: keys in parallel (at most `parallelism` at once, results
//! in address order), the checks of one key in order, each timed:
//!
//! 1. the key is read from its provider (state, policy); a key that is not `Enabled` fails the
//!    round trip with what its state means for Anthropic, without a call that must fail;
//! 2. `apply::verify::round_trip`: a fresh 256-bit data key, wrapped and unwrapped with the
//!    encryption context Anthropic sends, then an AES-256-GCM canary sealed and opened with it;
//! 3. `apply::verify::simulation_report`: Anthropic's validation, probe and traffic requests
//!    against the live policy; failures explained per distinct reason
//!    (`apply::verify::explain_sim_failures`);
//! 4. `apply::verify::validate` for each registration of the key.
//!
//! A failing check never stops the others: a health check reports everything it can see.

use std::time::{Duration, Instant};

use crate::address::ObjectKind;
use crate::apply::verify::{
    VerifyInput, explain_sim_failures, round_trip, simulation_report, validate,
};
use crate::engine::refresh::Clients;
use crate::observed::{AwsKeyState, ObservedKey};
use crate::providers::{KeyProvider, KeyRef, no_progress, run_bounded};
use crate::spec::model::Desired;
use crate::state::State;

use super::model::{Check, CheckResult, KeyResult, VerifyReport};
use super::targets::{Target, targets};

/// Verifies every key in `state`; `progress(done, total)` is called as keys finish.
pub async fn verify_all(
    desired: &Desired,
    state: &State,
    clients: &Clients,
    parallelism: usize,
    progress: impl FnMut(usize, usize),
) -> VerifyReport {
    let (targets, notes) = targets(desired, state);
    let results = run_bounded(
        targets.iter().map(|t| verify_one(desired, clients, t)),
        parallelism,
        progress,
    )
    .await;
    VerifyReport::new(results, notes)
}

/// Why a key in this state cannot serve Anthropic, or `None` when it is enabled.
fn unusable_state(state: &AwsKeyState) -> Option<String> {
    let what = match state {
        AwsKeyState::Enabled => return None,
        AwsKeyState::Disabled => "the key is disabled: AWS KMS refuses every encrypt and decrypt, so Anthropic's validation and the traffic of every workspace it protects fail now; `cmek apply` re-enables it".to_string(),
        AwsKeyState::PendingDeletion { deletion_date } => format!(
            "the key is pending deletion{}: AWS KMS refuses every encrypt and decrypt, and the data it protects is lost for good when the deletion runs; `cmek apply` cancels the deletion and re-enables it",
            deletion_date
                .as_ref()
                .map(|d| format!(" (scheduled for {d})"))
                .unwrap_or_default()
        ),
        other => format!(
            "the key is in state {}: AWS KMS refuses encrypt and decrypt in this state",
            other.as_str()
        ),
    };
    Some(what)
}

fn elapsed(start: Instant) -> Duration {
    start.elapsed()
}

/// Reads the key; a failure is the round trip's failure (nothing else can run without it).
async fn read(provider: &dyn KeyProvider, key: &KeyRef) -> Result<ObservedKey, String> {
    let mut results = provider
        .refresh(std::slice::from_ref(key), &no_progress)
        .await;
    match results.pop() {
        Some(Ok(Some(k))) => Ok(k),
        Some(Ok(None)) => Err(format!(
            "the key {} was not found: it no longer exists, or the credentials are for another account",
            key.id()
        )),
        Some(Err(e)) => Err(format!("reading the key failed: {e}")),
        None => Err("reading the key failed: the provider returned nothing".into()),
    }
}

async fn verify_one(desired: &Desired, clients: &Clients, t: &Target) -> KeyResult {
    let mut checks = Vec::new();
    let org = desired.anthropic.organization_uuid.as_str();
    let provider = match t.address.kind {
        ObjectKind::Key(cloud) => clients.provider(cloud).map_err(|e| e.to_string()),
        _ => Err(format!("{} is not a key", t.address)),
    };

    // 1 + 2: read, state, round trip.
    let observed = match &provider {
        Ok(p) => read(*p, &t.key_ref).await,
        Err(e) => Err(e.clone()),
    };
    match (&provider, &observed) {
        (_, Err(e)) => checks.push(CheckResult::fail(Check::RoundTrip, e.clone(), None)),
        (Ok(p), Ok(key)) => {
            let unusable = match key {
                ObservedKey::Aws(k) => unusable_state(&k.key_state),
                _ => None,
            };
            match unusable {
                Some(reason) => checks.push(CheckResult::fail(Check::RoundTrip, reason, None)),
                None => {
                    let start = Instant::now();
                    let result = round_trip(*p, &t.key_ref, org).await;
                    let latency = elapsed(start);
                    checks.push(match result {
                        Ok(()) => CheckResult::pass(
                            Check::RoundTrip,
                            "a fresh 256-bit data key wrapped and unwrapped with Anthropic's encryption context; an AES-256-GCM canary sealed and opened with it",
                            latency,
                        ),
                        Err(e) => CheckResult::fail(Check::RoundTrip, e, Some(latency)),
                    });
                }
            }
        }
        (Err(e), Ok(_)) => checks.push(CheckResult::fail(Check::RoundTrip, e.clone(), None)),
    }

    // 3: simulation against the live policy.
    checks.push(match (&observed, &t.spec) {
        (Err(_), _) => CheckResult::skipped(
            Check::Simulation,
            "the key could not be read, so its policy could not be simulated",
        ),
        (Ok(_), None) => CheckResult::skipped(
            Check::Simulation,
            "the key is in the state but not in the spec: which requests Anthropic makes is unknown",
        ),
        (Ok(key), Some(spec)) => {
            let start = Instant::now();
            let input = VerifyInput {
                key_ref: &t.key_ref,
                spec,
                observed: key,
                platform: desired.anthropic.platform,
                org_uuid: org,
                compartments: t.compartments.clone(),
                registration_id: None,
            };
            let report = simulation_report(&input);
            let latency = elapsed(start);
            match report {
                Err(e) => CheckResult::fail(Check::Simulation, e, Some(latency)),
                Ok(report) => {
                    let failures = explain_sim_failures(&report);
                    let total = report.outcomes.len();
                    if failures.is_empty() {
                        CheckResult::pass(
                            Check::Simulation,
                            format!(
                                "all {total} of Anthropic's simulated requests (validation, the probes that must be denied, the traffic of {} workspace(s)) get the answer they need from the live key policy",
                                t.compartments.len()
                            ),
                            latency,
                        )
                    } else {
                        let failed = report.failures().count();
                        CheckResult::fail(
                            Check::Simulation,
                            format!(
                                "{failed} of {total} simulated requests get the wrong answer from the live key policy"
                            ),
                            Some(latency),
                        )
                        .with_reasons(failures)
                    }
                }
            }
        }
    });

    // 4: Anthropic's validate, per registration.
    if t.registrations.is_empty() {
        checks.push(CheckResult::skipped(
            Check::Validate,
            "the key has no registration at Anthropic in the state",
        ));
    }
    for (address, id) in &t.registrations {
        let start = Instant::now();
        let result = validate(clients.anthropic.as_ref(), id).await;
        let latency = elapsed(start);
        checks.push(match result {
            Ok(()) => CheckResult::pass(
                Check::Validate,
                format!("{address} ({id}): Anthropic's validation succeeded"),
                latency,
            ),
            Err(e) => CheckResult::fail(
                Check::Validate,
                format!("{address} ({id}): Anthropic's validation failed"),
                Some(latency),
            )
            .with_reasons(vec![e]),
        });
    }

    KeyResult {
        address: t.address.to_string(),
        remote_id: t.remote_id.clone(),
        checks,
    }
}
