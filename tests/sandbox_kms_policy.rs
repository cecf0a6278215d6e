//! The KMS sandbox deciding requests with the policy library's evaluator
//! (`sandbox::kms::policy_authorizer::PolicyLibraryAuthorizer`), driven over HTTP by the official
//! `aws-sdk-kms` client: Anthropic's role with the rendered current-era policy, the organization
//! condition (exact, case-sensitive), the unconditioned describe statement, root delegation for
//! the customer's admin, and the policy-lockout check.

mod sandbox_kms_support;

use std::sync::{Arc, Mutex};

use aws_sdk_kms::error::ProvideErrorMetadata;
use aws_sdk_kms::primitives::Blob;
use cmek::policy::render::aws::{CompartmentStatus, CompartmentUse};
use cmek::policy::render::{AwsAccessInput, render_aws_policy};
use cmek::sandbox::kms::policy_authorizer::PolicyLibraryAuthorizer;
use cmek::sandbox::kms::{KmsEmulator, KmsLogEntry};
use cmek::spec::model::Platform;
use sandbox_kms_support::{admin, anthropic, callers, create_key, serve};
use serde_json::{Value, json};

const ORG: &str = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
const OTHER_ORG: &str = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d";
const ZERO: &str = "00000000-0000-0000-0000-000000000000";
const COMPARTMENT: &str = "7d3e9a10-4b2c-4f8e-9a1d-5c6b7e8f9a0b";
const ACCOUNT: &str = "111122223333";

struct Sandbox {
    endpoint: String,
    authorizer: Arc<PolicyLibraryAuthorizer>,
}

async fn start() -> Sandbox {
    let authorizer = Arc::new(PolicyLibraryAuthorizer::new());
    let log: Arc<Mutex<Vec<KmsLogEntry>>> = Arc::default();
    let emulator = Arc::new(KmsEmulator::new(
        callers(),
        authorizer.clone(),
        Arc::new(move |entry| log.lock().unwrap().push(entry)),
    ));
    Sandbox {
        endpoint: serve(emulator).await,
        authorizer,
    }
}

/// The current-era policy cmek renders for a Claude Platform key serving one workspace.
fn rendered_policy() -> Value {
    let input = AwsAccessInput {
        platform: Platform::ClaudePlatform,
        account_id: ACCOUNT.into(),
        region: "us-east-2".into(),
        admins: None,
        org_uuids: vec![ORG.into()],
        compartment_scoping: true,
        compartments: vec![CompartmentUse {
            uuid: COMPARTMENT.into(),
            workspace_id: "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ".into(),
            status: CompartmentStatus::Attached,
        }],
        protects_pre_current_data: false,
        workspace_arns: Vec::new(),
    };
    render_aws_policy(&input).unwrap().to_json()
}

fn without(policy: &Value, sid: &str) -> Value {
    let mut v = policy.clone();
    v["Statement"]
        .as_array_mut()
        .unwrap()
        .retain(|s| s["Sid"] != sid);
    v
}

/// A key whose policy is `policy`, created and set by the customer's admin; returns its ARN
/// (other accounts address keys by ARN).
async fn key_with(endpoint: &str, policy: &Value) -> String {
    let kms = admin(endpoint);
    let (id, arn) = create_key(&kms).await;
    kms.put_key_policy()
        .key_id(&id)
        .policy(policy.to_string())
        .send()
        .await
        .unwrap();
    arn
}

async fn encrypt(
    kms: &aws_sdk_kms::Client,
    key: &str,
    org: &str,
    compartment: &str,
) -> Result<Blob, String> {
    kms.encrypt()
        .key_id(key)
        .plaintext(Blob::new(vec![7u8; 32]))
        .encryption_context("anthropic:org_uuid", org)
        .encryption_context("anthropic:compartment_uuid", compartment)
        .send()
        .await
        .map(|o| o.ciphertext_blob.unwrap())
        .map_err(|e| {
            let e = e.into_service_error();
            format!("{}: {}", e.code().unwrap_or("?"), e.message().unwrap_or(""))
        })
}

#[tokio::test]
async fn anthropic_uses_a_key_with_the_rendered_policy() {
    let sb = start().await;
    let key = key_with(&sb.endpoint, &rendered_policy()).await;
    let a = anthropic(&sb.endpoint);
    // Validation (all-zeros compartment) and workspace traffic round-trip.
    for compartment in [ZERO, COMPARTMENT] {
        let blob = encrypt(&a, &key, ORG, compartment).await.unwrap();
        let out = a
            .decrypt()
            .ciphertext_blob(blob)
            .encryption_context("anthropic:org_uuid", ORG)
            .encryption_context("anthropic:compartment_uuid", compartment)
            .send()
            .await
            .unwrap();
        assert_eq!(out.plaintext.unwrap().into_inner(), vec![7u8; 32]);
    }
    let described = a.describe_key().key_id(&key).send().await.unwrap();
    assert_eq!(
        described.key_metadata.unwrap().arn.as_deref(),
        Some(key.as_str())
    );
    // A compartment the policy does not list is refused.
    let err = encrypt(&a, &key, ORG, "11111111-2222-4333-8444-555555555555")
        .await
        .unwrap_err();
    assert!(err.starts_with("AccessDeniedException"), "{err}");
    assert!(err.contains("compartment_uuid"), "{err}");
    // One policy text, compiled once.
    assert_eq!(sb.authorizer.cached_policies(), 2, "default + rendered");
}

#[tokio::test]
async fn the_org_condition_is_exact_and_case_sensitive() {
    let sb = start().await;
    let key = key_with(&sb.endpoint, &rendered_policy()).await;
    let a = anthropic(&sb.endpoint);
    for org in [OTHER_ORG.to_string(), ORG.to_ascii_uppercase()] {
        let err = encrypt(&a, &key, &org, ZERO).await.unwrap_err();
        assert!(err.starts_with("AccessDeniedException"), "{err}");
        assert!(
            err.contains("AllowAnthropicCMEKCrypto")
                && err.contains("kms:EncryptionContext:anthropic:org_uuid"),
            "the reason names the statement and the failed condition: {err}"
        );
        if org == OTHER_ORG {
            insta::with_settings!({ snapshot_path => "../snapshots/engine", prepend_module_to_snapshot => false }, {
                insta::assert_snapshot!("kms_sandbox_wrong_org_denial", err.replace(&key, "<key arn>"));
            });
        }
    }
    // Without the org UUID at all (a validation probe): denied as well.
    let err = a
        .encrypt()
        .key_id(&key)
        .plaintext(Blob::new(vec![1u8; 16]))
        .encryption_context("anthropic:compartment_uuid", ZERO)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(err.code(), Some("AccessDeniedException"));
}

#[tokio::test]
async fn removing_the_crypto_statement_denies_anthropic() {
    let sb = start().await;
    let policy = rendered_policy();
    let key = key_with(&sb.endpoint, &policy).await;
    let a = anthropic(&sb.endpoint);
    encrypt(&a, &key, ORG, ZERO).await.unwrap();
    admin(&sb.endpoint)
        .put_key_policy()
        .key_id(&key)
        .policy(without(&policy, "AllowAnthropicCMEKCrypto").to_string())
        .send()
        .await
        .unwrap();
    let err = encrypt(&a, &key, ORG, ZERO).await.unwrap_err();
    assert!(err.starts_with("AccessDeniedException"), "{err}");
    assert!(err.contains("kms:Encrypt"), "{err}");
    // Describe is still granted.
    a.describe_key().key_id(&key).send().await.unwrap();
}

#[tokio::test]
async fn an_encryption_context_condition_on_describe_breaks_it() {
    let sb = start().await;
    let mut policy = rendered_policy();
    for s in policy["Statement"].as_array_mut().unwrap() {
        if s["Sid"] == "AllowAnthropicCMEKDescribe" {
            s["Condition"] = json!({
                "StringEquals": {"kms:EncryptionContext:anthropic:org_uuid": ORG}
            });
        }
    }
    let key = key_with(&sb.endpoint, &policy).await;
    let err = anthropic(&sb.endpoint)
        .describe_key()
        .key_id(&key)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(err.code(), Some("AccessDeniedException"));
    let message = err.message().unwrap_or_default();
    assert!(
        message.contains("AllowAnthropicCMEKDescribe") && message.contains("org_uuid"),
        "{message}"
    );
}

#[tokio::test]
async fn the_customer_admin_manages_the_key_through_root_delegation() {
    let sb = start().await;
    let key = key_with(&sb.endpoint, &rendered_policy()).await;
    let kms = admin(&sb.endpoint);
    kms.describe_key().key_id(&key).send().await.unwrap();
    kms.enable_key_rotation().key_id(&key).send().await.unwrap();
    kms.tag_resource()
        .key_id(&key)
        .tags(
            aws_sdk_kms::types::Tag::builder()
                .tag_key("team")
                .tag_value("security")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let policy = kms.get_key_policy().key_id(&key).send().await.unwrap();
    assert!(policy.policy.unwrap().contains("AllowAnthropicCMEKCrypto"));
    // The admin is not Anthropic: the crypto statement does not name it, but root delegation
    // lets the key account's own principals use the key.
    kms.encrypt()
        .key_id(&key)
        .plaintext(Blob::new(vec![2u8; 16]))
        .send()
        .await
        .unwrap();
    // Anthropic gets nothing from the root statement: management is denied.
    let err = anthropic(&sb.endpoint)
        .get_key_policy()
        .key_id(&key)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(err.code(), Some("AccessDeniedException"));
}

#[tokio::test]
async fn a_grant_to_anthropics_whole_account_does_not_admit_its_role() {
    let sb = start().await;
    let mut policy = rendered_policy();
    policy["Statement"].as_array_mut().unwrap().push(json!({
        "Sid": "ConsoleWizardGrant", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::915198916910:root"},
        "Action": ["kms:Encrypt", "kms:Decrypt"], "Resource": "*"
    }));
    let policy = without(&policy, "AllowAnthropicCMEKCrypto");
    let key = key_with(&sb.endpoint, &policy).await;
    let err = encrypt(&anthropic(&sb.endpoint), &key, ORG, ZERO)
        .await
        .unwrap_err();
    assert!(err.starts_with("AccessDeniedException"), "{err}");
    assert!(err.contains("direct grant"), "{err}");
}

#[tokio::test]
async fn the_lockout_check_refuses_a_policy_that_locks_the_caller_out() {
    let sb = start().await;
    let policy = rendered_policy();
    let key = key_with(&sb.endpoint, &policy).await;
    let kms = admin(&sb.endpoint);
    let locked = without(&policy, "AccountRootAdmin");
    let err = kms
        .put_key_policy()
        .key_id(&key)
        .policy(locked.to_string())
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(err.code(), Some("MalformedPolicyDocumentException"));
    assert!(
        err.message()
            .unwrap_or_default()
            .contains("will not allow you to update the key policy"),
        "{:?}",
        err.message()
    );
    // Unchanged: the admin still manages the key.
    kms.get_key_policy().key_id(&key).send().await.unwrap();
    // With the bypass, KMS stores it, and the admin is locked out for good.
    kms.put_key_policy()
        .key_id(&key)
        .policy(locked.to_string())
        .bypass_policy_lockout_safety_check(true)
        .send()
        .await
        .unwrap();
    let err = kms
        .get_key_policy()
        .key_id(&key)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(err.code(), Some("AccessDeniedException"));
    // Anthropic keeps its access.
    encrypt(&anthropic(&sb.endpoint), &key, ORG, ZERO)
        .await
        .unwrap();
}

#[tokio::test]
async fn an_explicit_deny_wins_over_root_delegation() {
    let sb = start().await;
    let mut policy = rendered_policy();
    policy["Statement"].as_array_mut().unwrap().push(json!({
        "Sid": "DenyDisable", "Effect": "Deny",
        "Principal": {"AWS": "*"}, "Action": "kms:DisableKey", "Resource": "*"
    }));
    let key = key_with(&sb.endpoint, &policy).await;
    let err = admin(&sb.endpoint)
        .disable_key()
        .key_id(&key)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert_eq!(err.code(), Some("AccessDeniedException"));
    assert!(
        err.message().unwrap_or_default().contains("DenyDisable"),
        "{:?}",
        err.message()
    );
}
