//! Desired + State → [`Observed`]: reads every key, registration and workspace the plan needs,
//! through the providers, with bounded concurrency.
//!
//! What is looked up:
//! - keys: every key in state (by remote id), every key with a pending create (by client
//!   token), every `import` target (by id). A key in the spec that state does not know is not
//!   searched by name: it is new;
//! - registrations: every registration in state (by `ekey_` id) and every import target;
//! - workspaces: every workspace in the spec or in state (by `wrkspc_` id).
//!
//! An address absent from the result means "looked up and not found" (or never created).
//!
//! Cost: keys are read by the providers at most `parallelism` at a time (`-parallelism N`,
//! default 16); AWS reads one key with DescribeKey, GetKeyPolicy, GetKeyRotationStatus and
//! ListResourceTags, plus one ListAliases per region and one STS GetCallerIdentity per run
//! (`tests/refresh_cost.rs` holds it to that). A progress bar is drawn on stderr only when
//! stderr is a terminal (never in pipes, CI or tests).

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::sync::Arc;

use crate::address::{Address, ObjectKind};
use crate::observed::{AwsKeyState, Fingerprinted, ObservedKey as RawKey, ObservedObject};
use crate::plan::input::{AccessDoc, KeyState, Observed, ObservedKey, PolicyOracle};
use crate::providers::aws::CLIENT_TOKEN_TAG as AWS_CLIENT_TOKEN_TAG;
use crate::providers::{
    AnthropicApi, KeyLocation, KeyProvider, KeyRef, ProviderError, run_bounded,
};
use crate::spec::model::{Desired, KeyKind};
use crate::state::State;

/// The clients a refresh (and an apply) talks to.
#[derive(Clone)]
pub struct Clients {
    pub aws: Option<Arc<crate::providers::aws::AwsKms>>,
    pub anthropic: Arc<dyn AnthropicApi>,
}

impl Clients {
    /// The provider for a cloud, or an error naming what is missing.
    pub fn provider(
        &self,
        cloud: crate::address::Cloud,
    ) -> Result<&dyn KeyProvider, ProviderError> {
        match cloud {
            crate::address::Cloud::Aws => self
                .aws
                .as_deref()
                .map(|p| p as &dyn KeyProvider)
                .ok_or_else(|| {
                    ProviderError::invalid_request("AWS KMS", "no AWS provider is configured")
                }),
            other => Err(ProviderError::unsupported("key management", other)),
        }
    }
}

/// The refresh's result: the plan core's view plus the references apply needs.
#[derive(Debug, Clone, Default)]
pub struct Refreshed {
    pub observed: Observed,
    /// How to address each observed key at its provider.
    pub key_refs: BTreeMap<Address, KeyRef>,
    /// The raw observed keys (verification simulates against them).
    pub raw_keys: BTreeMap<Address, RawKey>,
    /// Who the AWS credentials are (STS GetCallerIdentity), when AWS was needed.
    pub aws_caller: Option<crate::providers::aws::CallerIdentity>,
    /// Non-fatal findings of the refresh (e.g. an `admins` principal missing in IAM).
    pub warnings: Vec<String>,
}

/// A progress bar for reading `total` keys, on stderr, only when stderr is a terminal.
fn key_progress_bar(total: usize) -> Option<indicatif::ProgressBar> {
    if total == 0 || !std::io::stderr().is_terminal() {
        return None;
    }
    let bar = indicatif::ProgressBar::with_draw_target(
        Some(total as u64),
        indicatif::ProgressDrawTarget::stderr(),
    );
    if let Ok(style) =
        indicatif::ProgressStyle::with_template("refreshing keys {bar:30} {pos}/{len}")
    {
        bar.set_style(style);
    }
    Some(bar)
}

/// A refresh failure, located.
#[derive(Debug, thiserror::Error)]
#[error("refreshing {address}: {source}")]
pub struct RefreshError {
    pub address: String,
    #[source]
    pub source: ProviderError,
}

fn err(address: &Address, source: ProviderError) -> RefreshError {
    RefreshError {
        address: address.to_string(),
        source,
    }
}

/// The plan core's view of one raw observed key.
pub fn plan_key(raw: &RawKey, oracle: &dyn PolicyOracle) -> ObservedKey {
    match raw {
        RawKey::Aws(k) => {
            let state = match &k.key_state {
                AwsKeyState::Enabled => KeyState::Enabled,
                AwsKeyState::Disabled => KeyState::Disabled,
                AwsKeyState::PendingDeletion { deletion_date } => KeyState::PendingDeletion {
                    deletion_date: deletion_date.clone(),
                },
                other => KeyState::Other {
                    name: other.as_str().to_string(),
                },
            };
            let immutable = BTreeMap::from([
                ("region".to_string(), k.region.clone()),
                ("account".to_string(), k.account.clone()),
                ("multi_region".to_string(), k.multi_region.to_string()),
                ("key_spec".to_string(), k.key_spec.clone()),
                ("key_usage".to_string(), k.key_usage.clone()),
            ]);
            let tags: serde_json::Map<String, serde_json::Value> = k
                .tags
                .iter()
                .filter(|(name, _)| name.as_str() != AWS_CLIENT_TOKEN_TAG)
                .map(|(n, v)| (n.clone(), serde_json::Value::String(v.clone())))
                .collect();
            let mut mutable = BTreeMap::from([
                ("description".to_string(), serde_json::json!(k.description)),
                (
                    "alias".to_string(),
                    serde_json::json!(k.aliases.first().cloned()),
                ),
                (
                    "rotation".to_string(),
                    serde_json::json!(k.rotation.enabled),
                ),
                ("tags".to_string(), serde_json::Value::Object(tags)),
            ]);
            if k.rotation.enabled
                && let Some(days) = k.rotation.period_days
            {
                mutable.insert("rotation_period_days".into(), serde_json::json!(days));
            }
            let access = AccessDoc::AwsPolicy(k.policy.document.clone());
            ObservedKey {
                remote_id: k.arn.clone(),
                state,
                immutable,
                mutable,
                org_uuids_bound: oracle.bound_org_uuids(&access),
                access,
                primary_version: None,
                fingerprint: ObservedObject::Key(raw.clone()).fingerprint().to_string(),
            }
        }
        RawKey::Gcp(_) | RawKey::Azure(_) => ObservedKey {
            remote_id: raw.remote_id().to_string(),
            state: KeyState::Other {
                name: "unsupported".into(),
            },
            immutable: BTreeMap::new(),
            mutable: BTreeMap::new(),
            access: AccessDoc::GcpBindings(Default::default()),
            org_uuids_bound: Default::default(),
            primary_version: None,
            fingerprint: ObservedObject::Key(raw.clone()).fingerprint().to_string(),
        },
    }
}

/// The provider reference of a key at `address` with remote id `remote_id`.
///
/// The region comes from the key's ARN when the remote id is one: that is where the key lives.
/// The spec's region is only a fallback, because a spec whose region was edited must still find
/// the existing key (and be refused by SAFE004), not report it as gone.
pub fn key_ref(desired: &Desired, address: &Address, remote_id: &str) -> KeyRef {
    let arn_region = remote_id
        .strip_prefix("arn:")
        .and_then(|rest| rest.split(':').nth(2))
        .filter(|r| !r.is_empty());
    let spec = match desired.keys.get(address).map(|k| &k.kind) {
        Some(KeyKind::Aws(a)) => Some(a),
        _ => None,
    };
    let region = match (arn_region, spec) {
        (Some(r), _) => r.to_string(),
        (None, Some(a)) => a.region.clone(),
        (None, None) => "us-east-2".to_string(),
    };
    KeyRef::Aws {
        region,
        key: remote_id.to_string(),
        // Tags are read only where the spec manages some (see `KeyRef::Aws::read_tags`).
        read_tags: spec.is_some_and(|a| !a.tags.is_empty()),
    }
}

/// Reads everything the plan needs.
pub async fn refresh(
    desired: &Desired,
    state: &State,
    clients: &Clients,
    oracle: &dyn PolicyOracle,
    parallelism: usize,
) -> Result<Refreshed, RefreshError> {
    let mut out = Refreshed::default();

    // Keys known by id: state entries and import targets.
    let mut by_id: Vec<(Address, KeyRef)> = state
        .keys()
        .iter()
        .map(|(a, e)| (a.clone(), key_ref(desired, a, e.remote_id())))
        .collect();
    for import in &desired.imports {
        if matches!(import.to.kind, ObjectKind::Key(_)) && state.key(&import.to).is_none() {
            by_id.push((import.to.clone(), key_ref(desired, &import.to, &import.id)));
        }
    }
    let needs_aws = !by_id.is_empty()
        || desired
            .keys
            .values()
            .any(|k| matches!(k.kind, KeyKind::Aws(_)));
    if needs_aws && let Some(aws) = &clients.aws {
        let identity = aws.caller_identity().await.map_err(|e| RefreshError {
            address: "the AWS caller identity".into(),
            source: crate::providers::aws::provider::provider_error(e, "sts"),
        })?;
        out.observed.aws_caller_account = Some(identity.account.clone());
        out.warnings.extend(
            crate::providers::aws::admins::admin_principal_warnings(
                aws,
                desired,
                &identity.account,
            )
            .await,
        );
        out.aws_caller = Some(identity);
    }
    if !by_id.is_empty() {
        let provider = clients
            .provider(crate::address::Cloud::Aws)
            .map_err(|e| err(&by_id[0].0, e))?;
        let refs: Vec<KeyRef> = by_id.iter().map(|(_, r)| r.clone()).collect();
        let bar = key_progress_bar(refs.len());
        let progress = |done: usize, total: usize| {
            if let Some(bar) = &bar {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            }
        };
        let results = provider.refresh(&refs, &progress).await;
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        for ((address, r), result) in by_id.into_iter().zip(results) {
            match result.map_err(|e| err(&address, e))? {
                Some(raw) => {
                    out.observed
                        .keys
                        .insert(address.clone(), plan_key(&raw, oracle));
                    out.key_refs.insert(address.clone(), KeyRef::of(&raw));
                    out.raw_keys.insert(address, raw);
                }
                None => {
                    out.key_refs.insert(address, r);
                }
            }
        }
    }

    // Creates that started but never got recorded: find them by client token.
    for (address, pending) in state.pending_creates() {
        if state.key(address).is_some() {
            continue;
        }
        let Some(KeyKind::Aws(spec)) = desired.keys.get(address).map(|k| &k.kind) else {
            continue;
        };
        let provider = clients
            .provider(crate::address::Cloud::Aws)
            .map_err(|e| err(address, e))?;
        let location = KeyLocation::Aws {
            region: spec.region.clone(),
        };
        if let Some(raw) = provider
            .find_by_client_token(&location, &pending.client_token)
            .await
            .map_err(|e| err(address, e))?
        {
            out.observed
                .keys
                .insert(address.clone(), plan_key(&raw, oracle));
            out.key_refs.insert(address.clone(), KeyRef::of(&raw));
            out.raw_keys.insert(address.clone(), raw);
        }
    }

    // Registrations by id.
    let mut registrations: Vec<(Address, String)> = state
        .external_keys()
        .iter()
        .map(|(a, e)| (a.clone(), e.id().to_string()))
        .collect();
    for import in &desired.imports {
        if import.to.kind == ObjectKind::ExternalKey && state.external_key(&import.to).is_none() {
            registrations.push((import.to.clone(), import.id.clone()));
        }
    }
    let api = clients.anthropic.as_ref();
    let fetched = run_bounded(
        registrations
            .iter()
            .map(|(_, id)| async move { api.get_external_key(id).await }),
        parallelism,
        |_, _| {},
    )
    .await;
    for ((address, _), result) in registrations.iter().zip(fetched) {
        if let Some(ekey) = result.map_err(|e| err(address, e))? {
            out.observed.registrations.insert(address.clone(), ekey);
        }
    }

    // Workspaces by id: spec first, then state-only entries.
    let mut workspaces: BTreeMap<Address, String> = desired
        .workspaces
        .iter()
        .map(|(a, w)| (a.clone(), w.id.clone()))
        .collect();
    for (a, e) in state.workspaces() {
        workspaces
            .entry(a.clone())
            .or_insert_with(|| e.id().to_string());
    }
    let list: Vec<(Address, String)> = workspaces.into_iter().collect();
    let fetched = run_bounded(
        list.iter()
            .map(|(_, id)| async move { api.get_workspace(id).await }),
        parallelism,
        |_, _| {},
    )
    .await;
    for ((address, _), result) in list.iter().zip(fetched) {
        if let Some(ws) = result.map_err(|e| err(address, e))? {
            out.observed.workspaces.insert(address.clone(), ws);
        }
    }
    Ok(out)
}
