//! The Admin API client against scripted HTTP servers on 127.0.0.1: error mapping (including the
//! runtime CMEK codes), retries and backoff, timeouts, local refusals, snapshots of every mapped
//! message, and proof that the API key never reaches an error, the request log or tracing output.

use std::collections::VecDeque;
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use cmek::anthropic::types::{CreateExternalKey, ProviderConfig, UpdateExternalKey};
use cmek::anthropic::{AdminApiError, AdminClient, ApiKey, ClientOptions, RetryPolicy};
use cmek::sandbox::admin_api::{AdminApiConfig, AdminApiEmulator, FnValidator};
use cmek::sandbox::http::{RunningServer, serve};
use cmek::sandbox::log::RequestLog;

const SECRET: &str = "sk-ant-admin01-LEAKCANARY-7f3a9c2e51b04d68a1e2";

/// One scripted answer.
#[derive(Clone)]
struct Reply {
    status: u16,
    body: String,
    retry_after: Option<&'static str>,
    delay: Duration,
}

fn reply(status: u16, body: impl Into<String>) -> Reply {
    Reply {
        status,
        body: body.into(),
        retry_after: None,
        delay: Duration::ZERO,
    }
}

fn api_error(status: u16, error_type: &str, message: &str) -> Reply {
    reply(
        status,
        serde_json::json!({"type": "error", "error": {"type": error_type, "message": message}})
            .to_string(),
    )
}

fn external_key_json(id: &str, attachment: &str) -> String {
    serde_json::json!({
        "type": "external_key",
        "id": id,
        "attachment": {"type": attachment},
        "display_name": "Prod",
        "geo": "us",
        "provider_config": {
            "type": "aws",
            "kms_arn": "arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
        },
        "created_at": "2026-11-29T08:00:00Z",
        "updated_at": "2026-11-29T08:00:00Z"
    })
    .to_string()
}

fn workspace_json(id: &str, key: Option<&str>) -> String {
    serde_json::json!({
        "type": "workspace",
        "id": id,
        "name": "ws",
        "compartment_id": "0f8fad5b-d9cb-469f-a165-70867728950e",
        "external_key_id": key,
        "archived_at": null
    })
    .to_string()
}

/// A server answering every request with the next scripted reply (the last one repeats), and
/// recording what it saw.
#[derive(Default)]
struct Script {
    replies: Mutex<VecDeque<Reply>>,
    last: Mutex<Option<Reply>>,
    hits: AtomicUsize,
    seen: Mutex<Vec<(String, String, HeaderMap)>>,
}

async fn scripted_handler(State(script): State<Arc<Script>>, request: Request) -> Response {
    script.hits.fetch_add(1, Ordering::SeqCst);
    script.seen.lock().unwrap().push((
        request.method().to_string(),
        request
            .uri()
            .path_and_query()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        request.headers().clone(),
    ));
    let next = script.replies.lock().unwrap().pop_front();
    let reply = match next {
        Some(r) => {
            *script.last.lock().unwrap() = Some(r.clone());
            r
        }
        None => script.last.lock().unwrap().clone().unwrap(),
    };
    if !reply.delay.is_zero() {
        tokio::time::sleep(reply.delay).await;
    }
    let mut response = (
        StatusCode::from_u16(reply.status).unwrap(),
        [("content-type", "application/json")],
        reply.body,
    )
        .into_response();
    if let Some(value) = reply.retry_after {
        response
            .headers_mut()
            .insert("retry-after", value.parse().unwrap());
    }
    response
}

async fn scripted(replies: Vec<Reply>) -> (Arc<Script>, RunningServer) {
    let script = Arc::new(Script {
        replies: Mutex::new(replies.into()),
        ..Default::default()
    });
    let router = Router::new()
        .fallback(scripted_handler)
        .with_state(script.clone());
    (script, serve(router).await.unwrap())
}

fn options(attempts: u32) -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_secs(5),
        validate_timeout: Duration::from_secs(5),
        connect_timeout: Duration::from_secs(2),
        retry: RetryPolicy::fast(attempts),
    }
}

fn client(server: &RunningServer, attempts: u32) -> AdminClient {
    AdminClient::new(&server.base_url(), api_key(), options(attempts)).unwrap()
}

/// The key as read from an environment variable, as in production.
fn api_key() -> ApiKey {
    set_test_env();
    ApiKey::from_env("CMEK_TEST_ADMIN_KEY").unwrap()
}

/// Sets the environment variables these tests read, exactly once, before any test reads them.
fn set_test_env() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    // SAFETY: the `Once` makes every other caller wait until the writes are done, and every test
    // that reads the environment goes through here first.
    ONCE.call_once(|| unsafe {
        std::env::set_var("CMEK_TEST_ADMIN_KEY", SECRET);
        std::env::set_var("CMEK_TEST_EMPTY_ADMIN_KEY", "");
    });
}

async fn error_for(reply: Reply) -> AdminApiError {
    let (_script, server) = scripted(vec![reply]).await;
    client(&server, 1)
        .get_external_key("ekey_abc")
        .await
        .unwrap_err()
}

#[tokio::test]
async fn sends_the_documented_headers() {
    let (script, server) = scripted(vec![reply(
        200,
        external_key_json("ekey_abc", "unattached"),
    )])
    .await;
    client(&server, 1)
        .get_external_key("ekey_abc")
        .await
        .unwrap();
    let seen = script.seen.lock().unwrap();
    let (method, path, headers) = &seen[0];
    assert_eq!(method, "GET");
    assert_eq!(path, "/v1/organizations/external_keys/ekey_abc");
    assert_eq!(headers["x-api-key"], SECRET);
    assert_eq!(headers["anthropic-version"], "2023-06-01");
    assert_eq!(headers["content-type"], "application/json");
    assert_eq!(
        headers["user-agent"],
        format!("cmek/{}", env!("CARGO_PKG_VERSION")).as_str()
    );
}

#[tokio::test]
async fn maps_http_errors() {
    let err = error_for(api_error(401, "authentication_error", "invalid x-api-key")).await;
    assert!(matches!(err, AdminApiError::Unauthorized { .. }));
    assert!(
        err.to_string()
            .contains("the admin API key in $CMEK_TEST_ADMIN_KEY was rejected")
    );

    let err = error_for(api_error(403, "permission_error", "not an admin")).await;
    assert!(matches!(err, AdminApiError::Forbidden { .. }));

    let err = error_for(api_error(404, "not_found_error", "no such key")).await;
    assert!(matches!(err, AdminApiError::NotFound { .. }));
    assert!(err.to_string().contains("external key ekey_abc"));

    for status in [400, 409, 422] {
        let err = error_for(api_error(
            status,
            "invalid_request_error",
            "display_name: too long",
        ))
        .await;
        match err {
            AdminApiError::Rejected {
                status: s, message, ..
            } => {
                assert_eq!(s, status);
                assert_eq!(message, "display_name: too long");
            }
            other => panic!("{status}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn maps_the_runtime_cmek_codes() {
    let err = error_for(api_error(
        400,
        "cmek_key_disabled",
        "KMS refused the request",
    ))
    .await;
    assert!(matches!(err, AdminApiError::CmekKeyDisabled { .. }));
    let text = err.to_string();
    for explanation in ["disabled", "access removed", "compartment", "IP condition"] {
        assert!(text.contains(explanation), "{text}");
    }
    assert!(!err.is_retryable());

    let err = error_for(api_error(400, "cmek_key_network_blocked", "firewall")).await;
    assert!(matches!(err, AdminApiError::CmekKeyNetworkBlocked { .. }));
    assert!(!err.is_retryable());

    let (script, server) =
        scripted(vec![api_error(503, "cmek_key_unreachable", "KMS outage")]).await;
    let err = client(&server, 3)
        .get_external_key("ekey_abc")
        .await
        .unwrap_err();
    assert!(
        matches!(err, AdminApiError::CmekKeyUnreachable { attempts: 3, .. }),
        "{err:?}"
    );
    assert!(err.is_retryable());
    assert_eq!(script.hits.load(Ordering::SeqCst), 3, "503 is retried");
}

#[tokio::test]
async fn retries_429_and_503_then_succeeds() {
    let ok = reply(200, external_key_json("ekey_abc", "unattached"));
    let (script, server) = scripted(vec![
        api_error(429, "rate_limit_error", "slow down"),
        api_error(503, "overloaded_error", "busy"),
        ok,
    ])
    .await;
    let key = client(&server, 3)
        .get_external_key("ekey_abc")
        .await
        .unwrap();
    assert_eq!(key.id, "ekey_abc");
    assert_eq!(script.hits.load(Ordering::SeqCst), 3);
}

#[tokio::test]
async fn gives_up_after_the_attempt_budget() {
    let (script, server) = scripted(vec![api_error(500, "api_error", "boom")]).await;
    let err = client(&server, 4)
        .get_external_key("ekey_abc")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            AdminApiError::Server {
                status: 500,
                attempts: 4,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(script.hits.load(Ordering::SeqCst), 4);

    let (script, server) = scripted(vec![api_error(429, "rate_limit_error", "slow down")]).await;
    let err = client(&server, 2)
        .get_external_key("ekey_abc")
        .await
        .unwrap_err();
    assert!(
        matches!(err, AdminApiError::RateLimited { attempts: 2, .. }),
        "{err:?}"
    );
    assert_eq!(script.hits.load(Ordering::SeqCst), 2);

    let (script, server) = scripted(vec![api_error(500, "api_error", "boom")]).await;
    let err = client(&server, 1)
        .get_external_key("ekey_abc")
        .await
        .unwrap_err();
    assert!(matches!(err, AdminApiError::Server { attempts: 1, .. }));
    assert_eq!(
        script.hits.load(Ordering::SeqCst),
        1,
        "retries off means one attempt"
    );
}

#[tokio::test]
async fn respects_retry_after() {
    let mut throttled = api_error(429, "rate_limit_error", "slow down");
    throttled.retry_after = Some("1");
    let (script, server) = scripted(vec![
        throttled.clone(),
        reply(200, external_key_json("ekey_abc", "unattached")),
    ])
    .await;
    let started = Instant::now();
    client(&server, 3)
        .get_external_key("ekey_abc")
        .await
        .unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited {:?}",
        started.elapsed()
    );
    assert_eq!(script.hits.load(Ordering::SeqCst), 2);

    // A retry-after beyond the client's patience ends the call at once.
    throttled.retry_after = Some("600");
    let (script, server) = scripted(vec![throttled]).await;
    let err = client(&server, 3)
        .get_external_key("ekey_abc")
        .await
        .unwrap_err();
    match err {
        AdminApiError::RateLimited {
            attempts,
            retry_after,
            ..
        } => {
            assert_eq!(attempts, 1);
            assert_eq!(retry_after, Some(Duration::from_secs(600)));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(script.hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn create_is_not_repeated_after_a_server_error() {
    let (script, server) = scripted(vec![api_error(503, "overloaded_error", "busy")]).await;
    let err = client(&server, 3)
        .create_external_key(&CreateExternalKey {
            provider_config: ProviderConfig::Gcp {
                key_name: "projects/p/locations/us-east5/keyRings/r/cryptoKeys/k".into(),
            },
            display_name: None,
            geo: None,
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err, AdminApiError::Server { attempts: 1, .. }),
        "{err:?}"
    );
    assert_eq!(script.hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn connection_failures_are_retried_then_reported() {
    // Bind, learn the port, and close it again: nothing listens there afterwards.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let client =
        AdminClient::new(&format!("http://127.0.0.1:{port}"), api_key(), options(3)).unwrap();
    let err = client.get_workspace("wrkspc_abc").await.unwrap_err();
    assert!(
        matches!(err, AdminApiError::Transport { attempts: 3, .. }),
        "{err:?}"
    );
    assert!(err.is_retryable());
}

#[tokio::test]
async fn timeouts_are_per_call_and_validate_has_its_own_budget() {
    let mut slow = reply(200, external_key_json("ekey_abc", "unattached"));
    slow.delay = Duration::from_millis(400);
    let (_script, server) = scripted(vec![slow]).await;
    let mut opts = options(1);
    opts.timeout = Duration::from_millis(100);
    opts.validate_timeout = Duration::from_secs(3);
    let client = AdminClient::new(&server.base_url(), api_key(), opts).unwrap();
    let err = client.get_external_key("ekey_abc").await.unwrap_err();
    assert!(
        matches!(err, AdminApiError::Timeout { attempts: 1, .. }),
        "{err:?}"
    );

    let mut slow_validate = reply(
        200,
        r#"{"type":"external_key_validation","status":"failure","error":"AccessDenied"}"#,
    );
    slow_validate.delay = Duration::from_millis(400);
    let (_script, server) = scripted(vec![slow_validate]).await;
    let mut opts = options(1);
    opts.timeout = Duration::from_millis(100);
    opts.validate_timeout = Duration::from_secs(3);
    let client = AdminClient::new(&server.base_url(), api_key(), opts).unwrap();
    let result = client.validate_external_key("ekey_abc").await.unwrap();
    assert_eq!(result.error.as_deref(), Some("AccessDenied"));
}

#[tokio::test]
async fn malformed_success_bodies_are_reported() {
    let (_script, server) = scripted(vec![reply(200, "{\"unexpected\": true}")]).await;
    let err = client(&server, 1)
        .get_workspace("wrkspc_abc")
        .await
        .unwrap_err();
    assert!(
        matches!(err, AdminApiError::InvalidResponse { .. }),
        "{err:?}"
    );
}

#[tokio::test]
async fn local_refusals_send_nothing_destructive() {
    // Workspace already has another key: only the GET is sent.
    let (script, server) = scripted(vec![reply(
        200,
        workspace_json("wrkspc_abc", Some("ekey_old")),
    )])
    .await;
    let err = client(&server, 1)
        .attach_external_key("wrkspc_abc", "ekey_new")
        .await
        .unwrap_err();
    assert!(matches!(err, AdminApiError::WorkspaceKeyAlreadySet { .. }));
    let methods: Vec<String> = script
        .seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.0.clone())
        .collect();
    assert_eq!(methods, ["GET"]);

    // Attached key: neither provider_config change nor delete is sent.
    let (script, server) =
        scripted(vec![reply(200, external_key_json("ekey_abc", "attached"))]).await;
    let c = client(&server, 1);
    let err = c
        .update_external_key(
            "ekey_abc",
            &UpdateExternalKey {
                geo: Some("eu".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, AdminApiError::ImmutableWhileAttached { .. }));
    let methods: Vec<String> = script
        .seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.0.clone())
        .collect();
    assert_eq!(methods, ["GET"]);

    // Ids that could change the path never leave the process.
    let err = c.get_external_key("../workspaces/x").await.unwrap_err();
    assert!(matches!(err, AdminApiError::InvalidArgument(_)));
    assert_eq!(script.hits.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn follows_next_page_and_detects_loops() {
    let page = |ids: &[&str], next: Option<&str>| {
        let data: Vec<serde_json::Value> = ids
            .iter()
            .map(|id| serde_json::from_str(&external_key_json(id, "unattached")).unwrap())
            .collect();
        reply(
            200,
            serde_json::json!({"data": data, "next_page": next}).to_string(),
        )
    };
    let (script, server) = scripted(vec![
        page(&["ekey_3", "ekey_2"], Some("cursor-a")),
        page(&["ekey_1"], None),
    ])
    .await;
    let keys = client(&server, 1).list_external_keys(2).await.unwrap();
    let ids: Vec<&str> = keys.iter().map(|k| k.id.as_str()).collect();
    assert_eq!(ids, ["ekey_3", "ekey_2", "ekey_1"]);
    let paths: Vec<String> = script
        .seen
        .lock()
        .unwrap()
        .iter()
        .map(|s| s.1.clone())
        .collect();
    assert_eq!(
        paths,
        [
            "/v1/organizations/external_keys?limit=2",
            "/v1/organizations/external_keys?limit=2&page=cursor-a"
        ]
    );

    let (_script, server) = scripted(vec![page(&["ekey_1"], Some("same"))]).await;
    let err = client(&server, 1).list_external_keys(2).await.unwrap_err();
    assert!(err.to_string().contains("repeated"), "{err}");
}

/// Every mapped error's message, as users read it.
#[tokio::test]
async fn error_messages_snapshot() {
    let mut lines = Vec::new();
    let mut record = |name: &str, err: &AdminApiError| {
        lines.push(format!("{name}:\n  {err}\n"));
    };
    record(
        "401",
        &error_for(api_error(401, "authentication_error", "invalid x-api-key")).await,
    );
    record(
        "403",
        &error_for(api_error(
            403,
            "permission_error",
            "this API key does not have permission",
        ))
        .await,
    );
    record(
        "404",
        &error_for(api_error(
            404,
            "not_found_error",
            "external key ekey_abc not found",
        ))
        .await,
    );
    record(
        "400",
        &error_for(api_error(
            400,
            "invalid_request_error",
            "display_name: must be between 1 and 255 characters, got 0",
        ))
        .await,
    );
    record(
        "409",
        &error_for(api_error(409, "conflict_error", "external key is in use")).await,
    );
    record(
        "422",
        &error_for(api_error(
            422,
            "invalid_request_error",
            "provider_config.kms_arn: not a key ARN",
        ))
        .await,
    );
    record(
        "cmek_key_disabled",
        &error_for(api_error(
            400,
            "cmek_key_disabled",
            "the customer key refused the request",
        ))
        .await,
    );
    record(
        "cmek_key_network_blocked",
        &error_for(api_error(
            400,
            "cmek_key_network_blocked",
            "the key's network rules blocked the request",
        ))
        .await,
    );
    record(
        "cmek_key_unreachable",
        &error_for(api_error(
            503,
            "cmek_key_unreachable",
            "the key's KMS did not answer",
        ))
        .await,
    );
    record(
        "429",
        &error_for(api_error(429, "rate_limit_error", "rate limited")).await,
    );
    record(
        "500",
        &error_for(api_error(500, "api_error", "internal error")).await,
    );
    record(
        "502 not json",
        &error_for(reply(502, "<html>Bad Gateway</html>")).await,
    );
    record("418 unexpected", &error_for(reply(418, "")).await);
    let (_s, server) = scripted(vec![reply(200, "not json")]).await;
    record(
        "invalid response",
        &client(&server, 1)
            .get_workspace("wrkspc_abc")
            .await
            .unwrap_err(),
    );
    let mut slow = reply(200, "{}");
    slow.delay = Duration::from_millis(300);
    let (_s, server) = scripted(vec![slow]).await;
    let mut opts = options(1);
    opts.timeout = Duration::from_millis(50);
    record(
        "timeout",
        &AdminClient::new(&server.base_url(), api_key(), opts)
            .unwrap()
            .get_workspace("wrkspc_abc")
            .await
            .unwrap_err(),
    );
    let (_s, server) = scripted(vec![reply(
        200,
        workspace_json("wrkspc_abc", Some("ekey_old")),
    )])
    .await;
    record(
        "attach write-once",
        &client(&server, 1)
            .attach_external_key("wrkspc_abc", "ekey_new")
            .await
            .unwrap_err(),
    );
    let (_s, server) = scripted(vec![reply(200, external_key_json("ekey_abc", "attached"))]).await;
    let c = client(&server, 1);
    record(
        "immutable while attached",
        &c.update_external_key(
            "ekey_abc",
            &UpdateExternalKey {
                geo: Some("eu".into()),
                provider_config: Some(ProviderConfig::Gcp {
                    key_name: "projects/p/locations/us-east5/keyRings/r/cryptoKeys/k".into(),
                }),
                ..Default::default()
            },
        )
        .await
        .unwrap_err(),
    );
    record("invalid id", &c.get_workspace("a/b").await.unwrap_err());
    record(
        "plain http",
        &AdminClient::new("http://api.example.com", api_key(), options(1)).unwrap_err(),
    );
    let text = lines.join("\n");
    assert!(!text.contains(SECRET));
    insta::with_settings!({ snapshot_path => "../snapshots/anthropic", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("admin_api_error_messages", text);
    });
}

#[test]
fn api_key_errors_snapshot() {
    set_test_env();
    let unset = ApiKey::from_env("CMEK_TEST_DEFINITELY_UNSET_ADMIN_KEY").unwrap_err();
    let empty = ApiKey::from_env("CMEK_TEST_EMPTY_ADMIN_KEY").unwrap_err();
    let text = format!("unset:\n  {unset}\n\nempty:\n  {empty}\n");
    insta::with_settings!({ snapshot_path => "../snapshots/anthropic", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("api_key_error_messages", text);
    });
}

/// A writer that appends tracing output to a shared buffer.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn the_api_key_never_leaks() {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let mut rendered = Vec::new();
    let log_dir = tempfile::tempdir().unwrap();
    let log_path = log_dir.path().join("requests.jsonl");
    runtime.block_on(async {
        // A hostile server that echoes the key back in its error messages and bodies.
        for status in [401, 403, 404, 400, 429, 500] {
            let err = error_for(api_error(status, "error", &format!("bad key {SECRET}"))).await;
            rendered.push(format!("{err}\n{err:?}"));
        }
        let err = error_for(reply(502, format!("<html>{SECRET}</html>"))).await;
        rendered.push(format!("{err}\n{err:?}"));
        let (_s, server) = scripted(vec![reply(200, format!("{{\"echo\": \"{SECRET}\"}}"))]).await;
        let err = client(&server, 1)
            .get_workspace("wrkspc_abc")
            .await
            .unwrap_err();
        rendered.push(format!("{err}\n{err:?}"));
        let (_s, server) = scripted(vec![api_error(503, "x", SECRET)]).await;
        let err = client(&server, 3)
            .get_workspace("wrkspc_abc")
            .await
            .unwrap_err();
        rendered.push(format!("{err}\n{err:?}"));
        let c = client(&server, 1);
        rendered.push(format!("{c:?}"));
        rendered.push(format!("{:?} {}", api_key(), api_key()));

        // The real emulator, with the key as its sandbox key, writing its request log.
        let mut config = AdminApiConfig::new(SECRET);
        config.request_log = Some(Arc::new(RequestLog::open(&log_path).unwrap()));
        config.state_path = Some(log_dir.path().join("anthropic.json"));
        let emulator = AdminApiEmulator::open(
            config,
            Arc::new(FnValidator::new(|_c, _o| async { Ok(()) })),
        )
        .await
        .unwrap();
        rendered.push(format!("{emulator:?}"));
        let server = emulator.start().await.unwrap();
        let c = client(&server, 1);
        let key = c
            .create_external_key(&CreateExternalKey {
                provider_config: ProviderConfig::Gcp {
                    key_name: "projects/p/locations/us-east5/keyRings/r/cryptoKeys/k".into(),
                },
                display_name: None,
                geo: None,
            })
            .await
            .unwrap();
        c.validate_external_key(&key.id).await.unwrap();
        let err = c.get_workspace("wrkspc_missing").await.unwrap_err();
        rendered.push(format!("{err}\n{err:?}"));
        server.shutdown().await.unwrap();
    });
    for text in &rendered {
        assert!(!text.contains(SECRET), "leaked in: {text}");
        assert!(!text.contains("LEAKCANARY"), "partially leaked in: {text}");
    }
    let traced = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(
        traced.contains("admin api request"),
        "tracing captured nothing: {traced}"
    );
    assert!(
        !traced.contains("LEAKCANARY"),
        "leaked into tracing: {traced}"
    );
    let log = std::fs::read_to_string(&log_path).unwrap();
    assert!(log.contains("ValidateExternalKey"));
    assert!(!log.contains("LEAKCANARY"));
    let state = std::fs::read_to_string(log_dir.path().join("anthropic.json")).unwrap();
    assert!(!state.contains("LEAKCANARY"));
}
