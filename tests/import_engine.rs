//! `engine::import` as a library: the offline checks, API errors reported with the address and
//! id they concern, and protection linked the same whichever object is imported first.

mod common;

use std::sync::Arc;

use async_trait::async_trait;
use cmek::address::{Address, Cloud};
use cmek::anthropic::types::{
    Attachment, CreateExternalKey, ExternalKey, ExternalKeyPage, ProviderConfig, ValidationResult,
    Workspace,
};
use cmek::engine::import::{RemoteObject, adopt, read_remote, validate_request};
use cmek::engine::oracle::LibraryOracle;
use cmek::engine::refresh::Clients;
use cmek::providers::{AnthropicApi, ProviderError};
use cmek::state::State;
use common::*;

/// An Admin API whose every call fails the way a real outage does (test double).
struct FailingApi;

fn outage(operation: &str) -> ProviderError {
    ProviderError::Transient {
        operation: operation.to_string(),
        status: 503,
        message: "service unavailable".to_string(),
    }
}

#[async_trait]
impl AnthropicApi for FailingApi {
    async fn list_external_keys(
        &self,
        _page: Option<&str>,
        _limit: Option<u32>,
    ) -> Result<ExternalKeyPage, ProviderError> {
        Err(outage("list external keys"))
    }
    async fn get_external_key(&self, _id: &str) -> Result<Option<ExternalKey>, ProviderError> {
        Err(outage("get external key"))
    }
    async fn create_external_key(
        &self,
        _request: &CreateExternalKey,
    ) -> Result<ExternalKey, ProviderError> {
        Err(outage("create external key"))
    }
    async fn update_display_name(
        &self,
        _id: &str,
        _display_name: &str,
    ) -> Result<ExternalKey, ProviderError> {
        Err(outage("update external key"))
    }
    async fn validate_external_key(&self, _id: &str) -> Result<ValidationResult, ProviderError> {
        Err(outage("validate external key"))
    }
    async fn get_workspace(&self, _id: &str) -> Result<Option<Workspace>, ProviderError> {
        Err(outage("get workspace"))
    }
    async fn attach_workspace_key(
        &self,
        _workspace_id: &str,
        _external_key_id: &str,
    ) -> Result<Workspace, ProviderError> {
        Err(outage("attach"))
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn api_errors_name_the_address_and_id_and_missing_providers_are_explained() {
    let d = quickstart();
    let clients = Clients {
        aws: None,
        anthropic: Arc::new(FailingApi),
    };
    let oracle = LibraryOracle;
    let state = State::new();
    let reg = d.external_keys.keys().next().unwrap().clone();
    let ws = d.workspaces.keys().next().unwrap().clone();
    let ws_id = d.workspaces[&ws].id.clone();
    let key = Address::key(Cloud::Aws, "prod");
    let rt = runtime();

    let err = rt
        .block_on(read_remote(
            &d,
            &state,
            &clients,
            &oracle,
            &reg,
            "ekey_01Abc",
        ))
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(&format!("reading `ekey_01Abc` for {reg}")) && text.contains("HTTP 503"),
        "{text}"
    );
    let err = rt
        .block_on(read_remote(&d, &state, &clients, &oracle, &ws, &ws_id))
        .unwrap_err();
    assert!(err.to_string().contains(&format!("for {ws}")), "{err}");
    let err = rt
        .block_on(read_remote(
            &d,
            &state,
            &clients,
            &oracle,
            &key,
            "alias/anthropic-cmek-prod",
        ))
        .unwrap_err();
    assert!(
        err.to_string().contains("no AWS provider is configured"),
        "{err}"
    );
}

#[test]
fn validate_request_refuses_before_any_remote_call() {
    let d = quickstart();
    let state = State::new();
    let err = validate_request(&d, &state, "workspace.aa", "wrkspc_01").unwrap_err();
    assert!(
        err.to_string().contains("did you mean `workspace.a`?"),
        "{err}"
    );
    let err = validate_request(&d, &state, "external_key.prod", " ").unwrap_err();
    assert!(err.to_string().contains("empty"), "{err}");
    assert!(validate_request(&d, &state, "external_key.prod", "ekey_01Abc").is_ok());
}

fn registration_object(id: &str, arn: &str, attached: bool) -> RemoteObject {
    RemoteObject::Registration(ExternalKey {
        object_type: "external_key".into(),
        id: id.into(),
        attachment: if attached {
            Attachment::Attached
        } else {
            Attachment::Unattached
        },
        display_name: None,
        geo: Some("us".into()),
        provider_config: ProviderConfig::Aws {
            kms_arn: arn.into(),
            region: Some("us-east-2".into()),
        },
        created_at: "t".into(),
        updated_at: "t".into(),
    })
}

fn workspace_object(id: &str, ekey: &str) -> RemoteObject {
    RemoteObject::Workspace(Workspace {
        object_type: "workspace".into(),
        id: id.into(),
        name: None,
        compartment_id: "c0af63e0-0000-4000-8000-000000000001".into(),
        external_key_id: Some(ekey.into()),
        archived_at: None,
    })
}

/// Registration then workspace, or workspace then registration: the same protection, and the
/// key (already in state) protects the workspace's compartment either way.
#[test]
fn protection_is_linked_whatever_the_import_order() {
    let d = quickstart();
    let key = d.keys.keys().next().unwrap().clone();
    let arn = key_remote_id(&d.keys[&key]);
    let reg = d.external_keys.keys().next().unwrap().clone();
    let ws = d.workspaces.keys().next().unwrap().clone();
    let ws_id = d.workspaces[&ws].id.clone();
    let mut results = Vec::new();
    for workspace_first in [true, false] {
        let mut state = State::new();
        state
            .upsert_key(
                &key,
                &arn,
                cmek::state::EntryOrigin::Imported,
                serde_json::json!({}),
                "t",
            )
            .unwrap();
        let steps = [
            (reg.clone(), registration_object("ekey_01Abc", &arn, true)),
            (ws.clone(), workspace_object(&ws_id, "ekey_01Abc")),
        ];
        let order: Vec<usize> = if workspace_first {
            vec![1, 0]
        } else {
            vec![0, 1]
        };
        for i in order {
            adopt(&mut state, &d, &steps[i].0, &steps[i].1, "t").unwrap();
        }
        let k = state.key(&key).unwrap().protection().clone();
        assert!(k.protects_data() && k.ever_attached(), "{k:?}");
        assert_eq!(
            k.compartments().into_iter().collect::<Vec<_>>(),
            ["c0af63e0-0000-4000-8000-000000000001"]
        );
        assert!(k.org_uuids_bound().contains(&d.anthropic.organization_uuid));
        assert!(state.external_key(&reg).unwrap().in_use());
        assert_eq!(
            state.workspace(&ws).unwrap().attached_external_key_id(),
            Some("ekey_01Abc")
        );
        assert!(state.validate().is_ok());
        results.push(k);
    }
    assert_eq!(results[0], results[1]);
}
