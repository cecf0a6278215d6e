//! `cmek lint DIR --live`: lint the keys as they are, not as the spec renders them. Opens a
//! read-only engine session on the spec (real endpoints, or the in-process emulators with
//! `--sandbox`), runs the engine's refresh, and turns every observed key into a [`Subject`]
//! built from the live key policy and key attributes. Findings point at the key's block in the
//! spec; the spec's `cmek:ignore` comments and `lint { ignore }` entries still apply.
//!
//! The session takes the state lock like `plan` does (so a concurrent apply cannot change the
//! state under the refresh) and writes nothing. Only AWS keys have a provider adapter today;
//! GCP and Azure keys in the spec are reported in a note.

use std::path::Path;

use super::finding::{InputError, Location};
use super::input::{InputSet, collect_spec_annotations, infer_account};
use super::subject::{AwsSubject, ServedCompartment, Subject};
use crate::address::Address;
use crate::engine::prior::prior_key;
use crate::engine::refresh::Refreshed;
use crate::engine::refresh::refresh;
use crate::engine::session::{Session, SessionError, SessionOptions};
use crate::observed::ObservedKey as RawKey;
use crate::policy::aws::parse_policy_text;
use crate::spec::model::Desired;
use crate::state::State;

/// Refresh the keys of the spec in `dir` and collect one subject per observed key.
pub async fn collect_live(dir: &Path, opts: SessionOptions, set: &mut InputSet) {
    let name = dir.to_string_lossy().replace('\\', "/");
    let session = match Session::open(&opts).await {
        Ok(s) => s,
        Err(SessionError::Spec(rendered)) => {
            set.errors.push(InputError {
                location: Location::file_start(&name),
                message: format!("the spec has errors:\n{}", rendered.trim_end()),
            });
            return;
        }
        Err(SessionError::Other(message)) => {
            set.errors.push(InputError {
                location: Location::file_start(&name),
                message,
            });
            return;
        }
    };
    let refreshed = refresh(
        &session.desired,
        &session.state,
        &session.clients,
        &session.oracle,
        session.parallelism,
    )
    .await;
    let desired = session.desired.clone();
    let state = session.state.clone();
    if let Err(e) = session.close().await {
        set.errors.push(InputError {
            location: Location::file_start(&name),
            message: format!("closing the session: {e}"),
        });
    }
    let refreshed = match refreshed {
        Ok(r) => r,
        Err(e) => {
            set.errors.push(InputError {
                location: Location::file_start(&name),
                message: e.to_string(),
            });
            return;
        }
    };
    collect_spec_annotations(dir, &desired, None, set);
    let orgs = vec![desired.anthropic.organization_uuid.clone()];
    for (address, raw) in &refreshed.raw_keys {
        let origin = desired
            .keys
            .get(address)
            .map(|k| {
                Location::new(
                    dir.join(&k.origin.file)
                        .to_string_lossy()
                        .replace('\\', "/"),
                    k.origin.line,
                    k.origin.column,
                )
            })
            .unwrap_or_else(|| Location::file_start(&name));
        match raw {
            RawKey::Aws(k) => {
                let served = served_by(address, &desired, &state, &refreshed);
                let policy = match parse_policy_text(&k.policy.text) {
                    Ok(p) => Some(p.document),
                    Err(e) => {
                        set.errors.push(InputError {
                            location: origin.clone(),
                            message: format!(
                                "{address}: the live key policy of {} does not parse at {}: {}",
                                k.arn, e.path, e.message
                            ),
                        });
                        None
                    }
                };
                set.subjects.push(Subject::Aws(AwsSubject {
                    address: Some(address.to_string()),
                    origin: origin.clone(),
                    policy_origin: origin,
                    account_id: Some(k.account.clone())
                        .filter(|a| !a.is_empty())
                        .or_else(|| policy.as_ref().and_then(infer_account)),
                    policy,
                    statement_locations: Vec::new(),
                    policy_file: None,
                    rendered: false,
                    platform: desired.anthropic.platform,
                    region: Some(k.region.clone()),
                    key_id: Some(k.arn.clone()),
                    multi_region: Some(k.multi_region),
                    rotation: Some(k.rotation.enabled),
                    key_spec: Some(k.key_spec.clone()),
                    key_usage: Some(k.key_usage.clone()),
                    key_state: Some(k.key_state.as_str().to_string()),
                    org_uuids: orgs.clone(),
                    served,
                }));
            }
            RawKey::Gcp(_) | RawKey::Azure(_) => set.notes.push(format!(
                "{address}: --live reads AWS keys only for now; this key was not linted live"
            )),
        }
    }
    for (address, key) in &desired.keys {
        if !refreshed.raw_keys.contains_key(address)
            && matches!(key.kind, crate::spec::model::KeyKind::Aws(_))
        {
            set.notes.push(format!(
                "{address}: not found remotely (not created yet?); nothing to lint live"
            ));
        }
    }
}

/// The workspaces `key` serves or served: the state's protection history, plus workspaces the
/// Admin API reports attached through one of the key's registrations.
fn served_by(
    key: &Address,
    desired: &Desired,
    state: &State,
    refreshed: &Refreshed,
) -> Vec<ServedCompartment> {
    let mut out: Vec<ServedCompartment> = state
        .key(key)
        .map(|e| {
            prior_key(e)
                .served
                .into_iter()
                .map(|w| ServedCompartment {
                    workspace_id: w.workspace_id,
                    compartment_uuid: w.compartment_uuid,
                })
                .collect()
        })
        .unwrap_or_default();
    let registration_ids: Vec<&str> = desired
        .external_keys
        .values()
        .filter(|r| &r.key == key)
        .filter_map(|r| refreshed.observed.registrations.get(&r.address))
        .map(|r| r.id.as_str())
        .collect();
    for w in refreshed.observed.workspaces.values() {
        if w.external_key_id
            .as_deref()
            .is_some_and(|id| registration_ids.contains(&id))
        {
            out.push(ServedCompartment {
                workspace_id: w.id.clone(),
                compartment_uuid: w.compartment_id.clone(),
            });
        }
    }
    out.sort();
    out.dedup();
    out
}
