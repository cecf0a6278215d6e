//! The real Admin API client against the real Admin API emulator, over HTTP on 127.0.0.1:
//! external key lifecycle, paging, validation, write-once attach, delete rules, immutability,
//! provider-config checks, authentication, persistence and the request log.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use cmek::anthropic::types::{
    Attachment, CreateExternalKey, ProviderConfig, UpdateExternalKey, ValidationStatus, Workspace,
};
use cmek::anthropic::{
    AdminApiError, AdminClient, ApiKey, AttachOutcome, ClientOptions, RetryPolicy,
};
use cmek::sandbox::admin_api::{AdminApiConfig, AdminApiEmulator, FnValidator, KeyValidator};
use cmek::sandbox::http::RunningServer;
use cmek::sandbox::log::RequestLog;

const SANDBOX_KEY: &str = "sk-ant-admin01-sandbox-test-key-000000";
const ORG: &str = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
const KEY_ARN: &str = "arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";

fn accept_all() -> Arc<dyn KeyValidator> {
    Arc::new(FnValidator::new(|_config, _org| async { Ok(()) }))
}

struct Sandbox {
    emulator: AdminApiEmulator,
    server: RunningServer,
    client: AdminClient,
    log_path: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

async fn start_with(validator: Arc<dyn KeyValidator>) -> Sandbox {
    let dir = tempfile::tempdir().unwrap();
    start_in(dir, validator).await
}

async fn start_in(dir: tempfile::TempDir, validator: Arc<dyn KeyValidator>) -> Sandbox {
    let log_path = dir.path().join("requests.jsonl");
    let mut config = AdminApiConfig::new(SANDBOX_KEY);
    config.organization_uuid = Some(ORG.into());
    config.state_path = Some(dir.path().join("anthropic.json"));
    config.request_log = Some(Arc::new(RequestLog::open(&log_path).unwrap()));
    let emulator = AdminApiEmulator::open(config, validator).await.unwrap();
    let server = emulator.start().await.unwrap();
    let client = client_for(&server, SANDBOX_KEY);
    Sandbox {
        emulator,
        server,
        client,
        log_path,
        _dir: dir,
    }
}

async fn start() -> Sandbox {
    start_with(accept_all()).await
}

fn client_for(server: &RunningServer, key: &str) -> AdminClient {
    let options = ClientOptions {
        retry: RetryPolicy::fast(3),
        ..ClientOptions::default()
    };
    AdminClient::new(&server.base_url(), ApiKey::new(key).unwrap(), options).unwrap()
}

fn aws_key(name: &str) -> CreateExternalKey {
    CreateExternalKey {
        provider_config: ProviderConfig::Aws {
            kms_arn: KEY_ARN.into(),
            region: Some("us-east-2".into()),
        },
        display_name: Some(name.into()),
        geo: Some("us".into()),
    }
}

fn operations(log: &Path) -> Vec<String> {
    RequestLog::read_entries(log)
        .unwrap()
        .into_iter()
        .map(|e| e.operation)
        .collect()
}

/// Seeds a workspace through the sandbox-only endpoint.
async fn seed_workspace(sb: &Sandbox, external_key_id: Option<&str>) -> Workspace {
    let mut body = serde_json::json!({});
    if let Some(id) = external_key_id {
        body["external_key_id"] = id.into();
    }
    let response = raw(sb)
        .post(format!("{}/_sandbox/workspaces", sb.server.base_url()))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201);
    response.json().await.unwrap()
}

async fn archive_workspace(sb: &Sandbox, id: &str) -> Workspace {
    let response = raw(sb)
        .post(format!(
            "{}/_sandbox/workspaces/{id}/archive",
            sb.server.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// A bare HTTP client with the sandbox's headers, to reach the server without the client's
/// local checks.
fn raw(_sb: &Sandbox) -> RawClient {
    RawClient(reqwest::Client::builder().no_proxy().build().unwrap())
}

struct RawClient(reqwest::Client);

impl RawClient {
    fn post(&self, url: String) -> reqwest::RequestBuilder {
        self.0
            .post(url)
            .header("x-api-key", SANDBOX_KEY)
            .header("anthropic-version", "2023-06-01")
    }
    fn delete(&self, url: String) -> reqwest::RequestBuilder {
        self.0
            .delete(url)
            .header("x-api-key", SANDBOX_KEY)
            .header("anthropic-version", "2023-06-01")
    }
}

#[tokio::test]
async fn create_get_and_update_an_external_key() {
    let sb = start().await;
    let key = sb
        .client
        .create_external_key(&aws_key("Prod"))
        .await
        .unwrap();
    assert!(key.id.starts_with("ekey_"));
    assert_eq!(key.id.len(), "ekey_".len() + 24);
    assert_eq!(key.object_type, "external_key");
    assert_eq!(key.attachment, Attachment::Unattached);
    assert_eq!(key.geo.as_deref(), Some("us"));
    time::OffsetDateTime::parse(
        &key.created_at,
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();

    let fetched = sb.client.get_external_key(&key.id).await.unwrap();
    assert_eq!(fetched, key);

    let updated = sb
        .client
        .update_external_key(
            &key.id,
            &UpdateExternalKey {
                display_name: Some("Production CMEK".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(updated.display_name.as_deref(), Some("Production CMEK"));
    assert_eq!(updated.provider_config, key.provider_config);
    let parse = |t: &str| {
        time::OffsetDateTime::parse(t, &time::format_description::well_known::Rfc3339).unwrap()
    };
    assert!(parse(&updated.updated_at) >= parse(&key.updated_at));
    assert_eq!(updated.created_at, key.created_at);

    // While unattached, provider_config may change.
    let other = ProviderConfig::Gcp {
        key_name: "projects/acme/locations/us-east5/keyRings/r/cryptoKeys/claude".into(),
    };
    let moved = sb
        .client
        .update_external_key(
            &key.id,
            &UpdateExternalKey {
                provider_config: Some(other.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(moved.provider_config, other);

    let missing = sb
        .client
        .get_external_key("ekey_doesnotexist")
        .await
        .unwrap_err();
    assert!(matches!(missing, AdminApiError::NotFound { .. }));
    assert!(missing.to_string().contains("ekey_doesnotexist"));
}

#[tokio::test]
async fn listing_pages_newest_first() {
    let sb = start().await;
    let mut created = Vec::new();
    for i in 0..45 {
        let key = sb
            .client
            .create_external_key(&aws_key(&format!("key {i}")))
            .await
            .unwrap();
        created.push(key.id);
    }
    let first = sb.client.list_external_keys_page(20, None).await.unwrap();
    assert_eq!(first.data.len(), 20);
    assert_eq!(first.data[0].id, created[44]);
    let cursor = first.next_page.clone().unwrap();
    let second = sb
        .client
        .list_external_keys_page(20, Some(&cursor))
        .await
        .unwrap();
    assert_eq!(second.data.len(), 20);
    let third = sb
        .client
        .list_external_keys_page(20, second.next_page.as_deref())
        .await
        .unwrap();
    assert_eq!(third.data.len(), 5);
    assert_eq!(third.next_page, None);

    let all = sb.client.list_external_keys(20).await.unwrap();
    let ids: Vec<String> = all.into_iter().map(|k| k.id).collect();
    let mut newest_first = created.clone();
    newest_first.reverse();
    assert_eq!(ids, newest_first);

    let lists = operations(&sb.log_path)
        .into_iter()
        .filter(|o| o == "ListExternalKeys")
        .count();
    assert_eq!(lists, 3 + 3, "three pages by hand and three by the pager");

    // Out-of-range limits are refused locally, and by the server.
    assert!(matches!(
        sb.client.list_external_keys_page(101, None).await,
        Err(AdminApiError::InvalidArgument(_))
    ));
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(format!(
            "{}/v1/organizations/external_keys?limit=0",
            sb.server.base_url()
        ))
        .header("x-api-key", SANDBOX_KEY)
        .header("anthropic-version", "2023-06-01")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn validate_reports_the_validators_verdict_with_http_200() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = calls.clone();
    let validator: Arc<dyn KeyValidator> = Arc::new(FnValidator::new(move |config, org| {
        seen.fetch_add(1, Ordering::SeqCst);
        async move {
            assert_eq!(org, ORG);
            match config {
                ProviderConfig::Aws { .. } => Ok(()),
                _ => Err("AccessDenied: anthropic-cmek-client-us cannot use the key".to_string()),
            }
        }
    }));
    let sb = start_with(validator).await;
    let good = sb.client.create_external_key(&aws_key("a")).await.unwrap();
    let bad = sb
        .client
        .create_external_key(&CreateExternalKey {
            provider_config: ProviderConfig::Gcp {
                key_name: "projects/acme/locations/us-central1/keyRings/r/cryptoKeys/k".into(),
            },
            display_name: None,
            geo: None,
        })
        .await
        .unwrap();

    let ok = sb.client.validate_external_key(&good.id).await.unwrap();
    assert_eq!(ok.object_type, "external_key_validation");
    assert_eq!(ok.status, ValidationStatus::Success);
    assert_eq!(ok.error, None);

    let failed = sb.client.validate_external_key(&bad.id).await.unwrap();
    assert_eq!(failed.status, ValidationStatus::Failure);
    assert!(failed.error.unwrap().contains("AccessDenied"));
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    let missing = sb
        .client
        .validate_external_key("ekey_nope")
        .await
        .unwrap_err();
    assert!(matches!(missing, AdminApiError::NotFound { .. }));
}

#[tokio::test]
async fn attach_is_write_once_and_idempotent() {
    let sb = start().await;
    let first = sb
        .client
        .create_external_key(&aws_key("first"))
        .await
        .unwrap();
    let second = sb
        .client
        .create_external_key(&aws_key("second"))
        .await
        .unwrap();
    let ws = seed_workspace(&sb, None).await;
    assert!(ws.id.starts_with("wrkspc_"));
    uuid::Uuid::parse_str(&ws.compartment_id).unwrap();
    assert_eq!(ws.external_key_id, None);

    let fetched = sb.client.get_workspace(&ws.id).await.unwrap();
    assert_eq!(fetched, ws);

    let outcome = sb
        .client
        .attach_external_key(&ws.id, &first.id)
        .await
        .unwrap();
    assert!(matches!(outcome, AttachOutcome::Attached(_)));
    assert_eq!(
        outcome.workspace().external_key_id.as_deref(),
        Some(first.id.as_str())
    );
    assert_eq!(outcome.workspace().compartment_id, ws.compartment_id);
    assert_eq!(
        sb.client
            .get_external_key(&first.id)
            .await
            .unwrap()
            .attachment,
        Attachment::Attached
    );

    // Same key again: a no-op success, nothing sent.
    let before = operations(&sb.log_path);
    let again = sb
        .client
        .attach_external_key(&ws.id, &first.id)
        .await
        .unwrap();
    assert!(matches!(again, AttachOutcome::AlreadyAttached(_)));

    // A different key: refused locally, nothing sent.
    let err = sb
        .client
        .attach_external_key(&ws.id, &second.id)
        .await
        .unwrap_err();
    match &err {
        AdminApiError::WorkspaceKeyAlreadySet {
            existing,
            requested,
            ..
        } => {
            assert_eq!(existing, &first.id);
            assert_eq!(requested, &second.id);
        }
        other => panic!("unexpected {other:?}"),
    }
    let after = operations(&sb.log_path);
    let new_ops = &after[before.len()..];
    assert_eq!(new_ops, ["GetWorkspace", "GetWorkspace"]);

    // The server enforces write-once too.
    let response = raw(&sb)
        .post(format!(
            "{}/v1/organizations/workspaces/{}",
            sb.server.base_url(),
            ws.id
        ))
        .json(&serde_json::json!({ "external_key_id": second.id }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["type"], "error");
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("can never be changed")
    );
    let same = raw(&sb)
        .post(format!(
            "{}/v1/organizations/workspaces/{}",
            sb.server.base_url(),
            ws.id
        ))
        .json(&serde_json::json!({ "external_key_id": first.id }))
        .send()
        .await
        .unwrap();
    assert_eq!(same.status(), 200);
    assert_eq!(
        sb.client
            .get_workspace(&ws.id)
            .await
            .unwrap()
            .external_key_id
            .as_deref(),
        Some(first.id.as_str())
    );

    // Attaching needs an existing key, and an existing workspace.
    let ws2 = seed_workspace(&sb, None).await;
    let err = sb
        .client
        .attach_external_key(&ws2.id, "ekey_missing")
        .await
        .unwrap_err();
    assert!(
        matches!(err, AdminApiError::Rejected { status: 400, .. }),
        "{err:?}"
    );
    assert!(err.to_string().contains("ekey_missing"));
    let err = sb
        .client
        .attach_external_key("wrkspc_missing", &first.id)
        .await
        .unwrap_err();
    assert!(matches!(err, AdminApiError::NotFound { .. }));
    assert!(err.to_string().contains("workspace wrkspc_missing"));
}

#[tokio::test]
async fn geo_and_provider_config_are_immutable_once_attached() {
    let sb = start().await;
    let key = sb.client.create_external_key(&aws_key("k")).await.unwrap();
    seed_workspace(&sb, Some(&key.id)).await;

    let change = UpdateExternalKey {
        provider_config: Some(ProviderConfig::Gcp {
            key_name: "projects/acme/locations/us-east5/keyRings/r/cryptoKeys/k".into(),
        }),
        ..Default::default()
    };
    let err = sb
        .client
        .update_external_key(&key.id, &change)
        .await
        .unwrap_err();
    assert!(
        matches!(err, AdminApiError::ImmutableWhileAttached { .. }),
        "{err:?}"
    );

    // The server refuses as well.
    let response = raw(&sb)
        .post(format!(
            "{}/v1/organizations/external_keys/{}",
            sb.server.base_url(),
            key.id
        ))
        .json(&change)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let response = raw(&sb)
        .post(format!(
            "{}/v1/organizations/external_keys/{}",
            sb.server.base_url(),
            key.id
        ))
        .json(&serde_json::json!({"geo": "eu"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);

    // display_name still changes.
    let renamed = sb
        .client
        .update_external_key(
            &key.id,
            &UpdateExternalKey {
                display_name: Some("renamed".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(renamed.display_name.as_deref(), Some("renamed"));
    let unchanged = sb.client.get_external_key(&key.id).await.unwrap();
    assert_eq!(unchanged.provider_config, key.provider_config);
}

#[tokio::test]
async fn delete_is_refused_while_attached_even_to_archived_workspaces() {
    let sb = start().await;
    let live = sb
        .client
        .create_external_key(&aws_key("live"))
        .await
        .unwrap();
    let archived = sb
        .client
        .create_external_key(&aws_key("archived"))
        .await
        .unwrap();
    let spare = sb
        .client
        .create_external_key(&aws_key("spare"))
        .await
        .unwrap();
    seed_workspace(&sb, Some(&live.id)).await;
    let ws = seed_workspace(&sb, Some(&archived.id)).await;
    let ws = archive_workspace(&sb, &ws.id).await;
    assert!(ws.archived_at.is_some());
    assert_eq!(
        sb.client
            .get_external_key(&archived.id)
            .await
            .unwrap()
            .attachment,
        Attachment::Attached
    );

    for id in [&live.id, &archived.id] {
        // The server refuses: a referenced registration can never be deleted.
        let response = raw(&sb)
            .delete(format!(
                "{}/v1/organizations/external_keys/{id}",
                sb.server.base_url()
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 400);
        sb.client.get_external_key(id).await.unwrap();
    }

    // cmek's client has no delete call at all (DESIGN.md §1); the emulator implements the
    // server side so tests can check the documented rule.
    let deleted: serde_json::Value = raw(&sb)
        .delete(format!(
            "{}/v1/organizations/external_keys/{}",
            sb.server.base_url(),
            spare.id
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(deleted["id"], spare.id.as_str());
    assert_eq!(deleted["type"], "external_key_deleted");
    assert!(matches!(
        sb.client.get_external_key(&spare.id).await,
        Err(AdminApiError::NotFound { .. })
    ));
    let deletes = operations(&sb.log_path)
        .into_iter()
        .filter(|o| o == "DeleteExternalKey")
        .count();
    assert_eq!(
        deletes, 3,
        "two raw refused attempts and the one allowed delete"
    );

    // Archived workspaces cannot be attached anew.
    let ws2 = seed_workspace(&sb, None).await;
    archive_workspace(&sb, &ws2.id).await;
    let err = sb
        .client
        .attach_external_key(&ws2.id, &live.id)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("archived"), "{err}");
}

#[tokio::test]
async fn invalid_provider_configs_are_rejected() {
    let sb = start().await;
    let cases = [
        (
            ProviderConfig::Aws {
                kms_arn: "arn:aws:kms:us-east-2:111122223333:alias/anthropic-cmek".into(),
                region: None,
            },
            "alias ARN",
        ),
        (
            ProviderConfig::Aws {
                kms_arn:
                    "arn:aws:kms:us-east-2:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab"
                        .into(),
                region: None,
            },
            "multi-region",
        ),
        (
            ProviderConfig::Aws {
                kms_arn:
                    "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
                        .into(),
                region: None,
            },
            "US region",
        ),
        (
            ProviderConfig::Gcp {
                key_name: "projects/acme/locations/us/keyRings/r/cryptoKeys/k".into(),
            },
            "single-region US location",
        ),
        (
            ProviderConfig::Gcp {
                key_name: "projects/acme/locations/global/keyRings/r/cryptoKeys/k".into(),
            },
            "single-region US location",
        ),
        (
            ProviderConfig::Azure {
                vault_uri: "https://acme.example.com/".into(),
                key_name: "claude".into(),
                tenant_id: "8635ae1a-3e5d-44e8-a4ed-e0f614466f87".into(),
                client_id: None,
            },
            "vault_uri",
        ),
    ];
    for (provider_config, expected) in cases {
        let err = sb
            .client
            .create_external_key(&CreateExternalKey {
                provider_config: provider_config.clone(),
                display_name: None,
                geo: None,
            })
            .await
            .unwrap_err();
        match &err {
            AdminApiError::Rejected {
                status: 400,
                error_type,
                message,
                ..
            } => {
                assert_eq!(error_type, "invalid_request_error");
                assert!(message.contains(expected), "{provider_config:?}: {message}");
            }
            other => panic!("{provider_config:?}: unexpected {other:?}"),
        }
    }
    let mut eu = aws_key("eu");
    eu.geo = Some("eu".into());
    let err = sb.client.create_external_key(&eu).await.unwrap_err();
    assert!(err.to_string().contains("geo"), "{err}");
    let mut long = aws_key("x");
    long.display_name = Some("x".repeat(256));
    assert!(matches!(
        sb.client.create_external_key(&long).await,
        Err(AdminApiError::InvalidArgument(_))
    ));
    assert!(sb.client.list_external_keys(100).await.unwrap().is_empty());
}

#[tokio::test]
async fn authentication_is_required() {
    let sb = start().await;
    let wrong = client_for(&sb.server, "sk-ant-admin01-wrong-key");
    let err = wrong.list_external_keys(20).await.unwrap_err();
    assert!(matches!(err, AdminApiError::Unauthorized { .. }), "{err:?}");

    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    let url = format!("{}/v1/organizations/external_keys", sb.server.base_url());
    let response = http
        .get(&url)
        .header("anthropic-version", "2023-06-01")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["type"], "error");
    assert_eq!(body["error"]["type"], "authentication_error");

    let response = http
        .get(&url)
        .header("x-api-key", SANDBOX_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("anthropic-version")
    );

    let entries = RequestLog::read_entries(&sb.log_path).unwrap();
    let callers: Vec<&str> = entries.iter().map(|e| e.caller.as_str()).collect();
    assert_eq!(
        callers,
        [
            "unauthenticated",
            "unauthenticated",
            &format!("organization:{ORG}")
        ]
    );
}

#[tokio::test]
async fn state_persists_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let dir_path = dir.path().to_path_buf();
    let sb = start_in(dir, accept_all()).await;
    let key = sb
        .client
        .create_external_key(&aws_key("persist"))
        .await
        .unwrap();
    let ws = seed_workspace(&sb, None).await;
    sb.client
        .attach_external_key(&ws.id, &key.id)
        .await
        .unwrap();
    let Sandbox {
        server, _dir: dir, ..
    } = sb;
    server.shutdown().await.unwrap();

    let on_disk = std::fs::read_to_string(dir_path.join("anthropic.json")).unwrap();
    assert!(
        !on_disk.contains(SANDBOX_KEY),
        "the sandbox key must not be persisted"
    );

    // A new emulator on the same file sees the same world.
    let sb = start_in(dir, accept_all()).await;
    assert_eq!(sb.emulator.organization_uuid(), ORG);
    let reloaded = sb.client.get_external_key(&key.id).await.unwrap();
    assert_eq!(reloaded.attachment, Attachment::Attached);
    assert_eq!(reloaded.created_at, key.created_at);
    let ws_again = sb.client.get_workspace(&ws.id).await.unwrap();
    assert_eq!(ws_again.compartment_id, ws.compartment_id);
    assert_eq!(ws_again.external_key_id.as_deref(), Some(key.id.as_str()));
    assert_eq!(sb.emulator.snapshot().await.external_keys.len(), 1);

    // And the request log kept the first run's lines.
    let ops = operations(&sb.log_path);
    assert!(ops.starts_with(&["CreateExternalKey".to_string()]));
    assert_eq!(ops.last().map(String::as_str), Some("GetWorkspace"));
}

#[tokio::test]
async fn an_organization_mismatch_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = AdminApiConfig::new(SANDBOX_KEY);
    config.state_path = Some(dir.path().join("anthropic.json"));
    let first = AdminApiEmulator::open(config.clone(), accept_all())
        .await
        .unwrap();
    let generated = first.organization_uuid().to_string();
    uuid::Uuid::parse_str(&generated).unwrap();
    // Reopening without an org keeps the generated one.
    let again = AdminApiEmulator::open(config.clone(), accept_all())
        .await
        .unwrap();
    assert_eq!(again.organization_uuid(), generated);
    config.organization_uuid = Some(ORG.into());
    let err = AdminApiEmulator::open(config, accept_all())
        .await
        .unwrap_err();
    assert!(err.to_string().contains(&generated), "{err}");
}

#[tokio::test]
async fn request_log_records_every_request_without_secrets() {
    let sb = start().await;
    let key = sb
        .client
        .create_external_key(&aws_key("log"))
        .await
        .unwrap();
    sb.client.get_external_key(&key.id).await.unwrap();
    sb.client.validate_external_key(&key.id).await.unwrap();
    let ws = seed_workspace(&sb, None).await;
    sb.client
        .attach_external_key(&ws.id, &key.id)
        .await
        .unwrap();

    let entries = RequestLog::read_entries(&sb.log_path).unwrap();
    let ops: Vec<&str> = entries.iter().map(|e| e.operation.as_str()).collect();
    assert_eq!(
        ops,
        [
            "CreateExternalKey",
            "GetExternalKey",
            "ValidateExternalKey",
            "SandboxCreateWorkspace",
            "GetWorkspace",
            "UpdateWorkspace"
        ]
    );
    for e in &entries {
        assert_eq!(e.service, "anthropic");
        assert!(!e.ts.is_empty());
        assert!(e.path.starts_with('/'));
    }
    assert_eq!(entries[2].method, "POST");
    assert_eq!(
        entries[2].path,
        format!("/v1/organizations/external_keys/{}/validate", key.id)
    );
    // Nothing destructive happened.
    assert!(!ops.contains(&"DeleteExternalKey"));
    let raw_log = std::fs::read_to_string(&sb.log_path).unwrap();
    assert!(!raw_log.contains(SANDBOX_KEY));
    assert_eq!(raw_log.lines().count(), entries.len());
}

#[tokio::test]
async fn a_slow_key_fails_validation_after_the_servers_budget() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = AdminApiConfig::in_dir(dir.path(), SANDBOX_KEY).unwrap();
    config.validation_timeout = std::time::Duration::from_millis(100);
    let validator: Arc<dyn KeyValidator> = Arc::new(FnValidator::new(|_c, _o| async {
        tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        Ok(())
    }));
    let emulator = AdminApiEmulator::open(config, validator).await.unwrap();
    let server = emulator.start().await.unwrap();
    let client = client_for(&server, SANDBOX_KEY);
    let key = client.create_external_key(&aws_key("slow")).await.unwrap();
    let result = client.validate_external_key(&key.id).await.unwrap();
    assert_eq!(result.status, ValidationStatus::Failure);
    assert!(result.error.unwrap().contains("did not answer"));
    assert!(dir.path().join("anthropic.json").exists());
    assert_eq!(
        operations(&dir.path().join("requests.jsonl")),
        ["CreateExternalKey", "ValidateExternalKey"]
    );
}

#[tokio::test]
async fn malformed_requests_get_the_apis_error_shape() {
    let sb = start().await;
    let http = raw(&sb);
    let response = http
        .post(format!(
            "{}/v1/organizations/external_keys",
            sb.server.base_url()
        ))
        .header("content-type", "application/json")
        .body("{\"provider_config\": {\"type\": \"oracle\"}}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["type"], "error");
    assert_eq!(body["error"]["type"], "invalid_request_error");

    let response = http
        .post(format!(
            "{}/v1/organizations/nothing_here",
            sb.server.base_url()
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["type"], "not_found_error");
    let ops = operations(&sb.log_path);
    assert_eq!(ops, ["CreateExternalKey", "Unknown"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_creates_are_all_persisted_and_logged() {
    let dir = tempfile::tempdir().unwrap();
    let dir_path = dir.path().to_path_buf();
    let sb = start_in(dir, accept_all()).await;
    let tasks: Vec<_> = (0..25)
        .map(|i| {
            let client = sb.client.clone();
            tokio::spawn(async move {
                client
                    .create_external_key(&aws_key(&format!("k{i}")))
                    .await
                    .unwrap()
                    .id
            })
        })
        .collect();
    let mut ids = std::collections::BTreeSet::new();
    for t in tasks {
        ids.insert(t.await.unwrap());
    }
    assert_eq!(ids.len(), 25);
    let on_disk: cmek::sandbox::admin_api::AdminState =
        serde_json::from_str(&std::fs::read_to_string(dir_path.join("anthropic.json")).unwrap())
            .unwrap();
    let persisted: std::collections::BTreeSet<String> =
        on_disk.external_keys.into_iter().map(|k| k.id).collect();
    assert_eq!(persisted, ids);
    assert_eq!(operations(&sb.log_path).len(), 25);
}
