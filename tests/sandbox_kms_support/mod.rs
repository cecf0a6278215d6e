//! Test support for the KMS sandbox tests: starts the emulator on a loopback port, builds SDK
//! clients for it, and provides a tiny policy authorizer (a test double, see below).
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use aws_sdk_kms::config::{BehaviorVersion, Credentials, Region};
use cmek::sandbox::kms::identity::{
    ANTHROPIC_SANDBOX_ACCESS_KEY_ID, SANDBOX_ADMIN_ACCESS_KEY_ID, SANDBOX_SECRET_ACCESS_KEY,
};
use cmek::sandbox::kms::{
    AssumableRole, AuthzDecision, CallerTable, KeyPolicyAuthorizer, KmsEmulator, KmsLogEntry,
    KmsRequestContext, router,
};
use serde_json::Value;

pub const REGION: &str = "us-east-2";
pub const ADMIN_ARN: &str = "arn:aws:iam::111122223333:user/sandbox-admin";
pub const ANTHROPIC_ROLE: &str = "arn:aws:iam::915198916910:role/anthropic-cmek-client-us";

/// TEST DOUBLE, not a policy evaluator: allows a request iff some `Allow` statement names the
/// caller (its ARN, or its account root when the caller is in the key's account) in
/// `Principal.AWS` and lists the action or `kms:*`. No conditions, no Deny. The real evaluator
/// comes from the policy library. It records every request context it sees.
#[derive(Default)]
pub struct TinyAuthorizer {
    pub seen: Mutex<Vec<KmsRequestContext>>,
}

fn strings(value: Option<&Value>) -> Vec<String> {
    match value {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

impl KeyPolicyAuthorizer for TinyAuthorizer {
    fn authorize(&self, policy_json: &str, request: &KmsRequestContext) -> AuthzDecision {
        self.seen.lock().unwrap().push(request.clone());
        let Ok(doc) = serde_json::from_str::<Value>(policy_json) else {
            return AuthzDecision::deny("unparsable policy");
        };
        let statements = match doc.get("Statement") {
            Some(Value::Array(list)) => list.clone(),
            Some(single) => vec![single.clone()],
            None => Vec::new(),
        };
        let root = format!("arn:aws:iam::{}:root", request.key_account);
        for statement in statements {
            if statement.get("Effect").and_then(Value::as_str) != Some("Allow") {
                continue;
            }
            let principals = strings(statement.get("Principal").and_then(|p| p.get("AWS")));
            let names_caller = principals
                .iter()
                .any(|p| p == &request.principal_arn || (request.is_same_account() && p == &root));
            let actions = strings(statement.get("Action"));
            let names_action = actions.iter().any(|a| a == "kms:*" || a == &request.action);
            if names_caller && names_action {
                return AuthzDecision::allow("allowed by a statement");
            }
        }
        AuthzDecision::deny("no statement allows it")
    }
}

pub struct Sandbox {
    pub emulator: Arc<KmsEmulator>,
    pub endpoint: String,
    pub authorizer: Arc<TinyAuthorizer>,
    pub log: Arc<Mutex<Vec<KmsLogEntry>>>,
}

impl Sandbox {
    pub fn log_entries(&self) -> Vec<KmsLogEntry> {
        self.log.lock().unwrap().clone()
    }

    pub fn log_len(&self) -> usize {
        self.log.lock().unwrap().len()
    }
}

pub const DEPLOYER_ROLE: &str = "arn:aws:iam::111122223333:role/cmek-deployer";
pub const DEPLOYER_EXTERNAL_ID: &str = "cmek-ext-1";

/// The sandbox default callers plus a deploy role the customer account may assume with an
/// external id.
pub fn callers() -> CallerTable {
    let mut table = CallerTable::sandbox_default();
    table.add_role(AssumableRole {
        role_arn: DEPLOYER_ROLE.to_string(),
        trusted: vec!["arn:aws:iam::111122223333:root".to_string()],
        external_id: Some(DEPLOYER_EXTERNAL_ID.to_string()),
    });
    table
}

/// Serves `emulator` on 127.0.0.1:<ephemeral> with the peer address available.
pub async fn serve(emulator: Arc<KmsEmulator>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = router(emulator).into_make_service_with_connect_info::<SocketAddr>();
    tokio::spawn(async move {
        axum::serve(listener, app).await.unwrap();
    });
    format!("http://{address}")
}

pub async fn start() -> Sandbox {
    let authorizer = Arc::new(TinyAuthorizer::default());
    let log: Arc<Mutex<Vec<KmsLogEntry>>> = Arc::default();
    let sink_log = log.clone();
    let emulator = Arc::new(KmsEmulator::new(
        callers(),
        authorizer.clone(),
        Arc::new(move |entry| sink_log.lock().unwrap().push(entry)),
    ));
    let endpoint = serve(emulator.clone()).await;
    Sandbox {
        emulator,
        endpoint,
        authorizer,
        log,
    }
}

/// A raw SDK client for `endpoint` acting as `access_key_id` in `region`, with retries off.
pub fn client_as(endpoint: &str, access_key_id: &str, region: &str) -> aws_sdk_kms::Client {
    let config = aws_sdk_kms::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new(region.to_string()))
        .endpoint_url(endpoint)
        .credentials_provider(Credentials::new(
            access_key_id,
            SANDBOX_SECRET_ACCESS_KEY,
            None,
            None,
            "test",
        ))
        .retry_config(aws_sdk_kms::config::retry::RetryConfig::disabled())
        .build();
    aws_sdk_kms::Client::from_conf(config)
}

pub fn admin(endpoint: &str) -> aws_sdk_kms::Client {
    client_as(endpoint, SANDBOX_ADMIN_ACCESS_KEY_ID, REGION)
}

pub fn anthropic(endpoint: &str) -> aws_sdk_kms::Client {
    client_as(endpoint, ANTHROPIC_SANDBOX_ACCESS_KEY_ID, REGION)
}

/// A key policy: the account root administers, Anthropic's role may encrypt, decrypt and
/// describe.
pub fn cmek_policy() -> String {
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "AccountRootAdmin",
                "Effect": "Allow",
                "Principal": { "AWS": "arn:aws:iam::111122223333:root" },
                "Action": "kms:*",
                "Resource": "*"
            },
            {
                "Sid": "AllowAnthropicCMEKCrypto",
                "Effect": "Allow",
                "Principal": { "AWS": ANTHROPIC_ROLE },
                "Action": ["kms:Encrypt", "kms:Decrypt"],
                "Resource": "*"
            },
            {
                "Sid": "AllowAnthropicCMEKDescribe",
                "Effect": "Allow",
                "Principal": { "AWS": ANTHROPIC_ROLE },
                "Action": "kms:DescribeKey",
                "Resource": "*"
            }
        ]
    })
    .to_string()
}

/// Creates a default symmetric key as the admin and returns (key id, ARN).
pub async fn create_key(client: &aws_sdk_kms::Client) -> (String, String) {
    let out = client.create_key().send().await.unwrap();
    let meta = out.key_metadata.unwrap();
    (meta.key_id, meta.arn.unwrap())
}
