//! The AWS adapter (`cmek::providers::aws`) against the KMS sandbox over HTTP: call budgets,
//! idempotent create, restorative actions, cryptography and error mapping.

mod sandbox_kms_support;

use std::collections::BTreeMap;
use std::time::Duration;

use aws_sdk_kms::types::{KeySpec, KeyUsageType};
use cmek::providers::aws::{
    AssumeRole, AwsError, AwsKms, AwsKmsConfig, CLIENT_TOKEN_TAG, NewKey, RetrySettings,
    StaticCredentials,
};
use cmek::sandbox::kms::KmsErrorCode;
use cmek::sandbox::kms::identity::{
    ANTHROPIC_SANDBOX_ACCESS_KEY_ID, SANDBOX_ADMIN_ACCESS_KEY_ID, SANDBOX_SECRET_ACCESS_KEY,
};
use sandbox_kms_support::*;

fn config(endpoint: &str, access_key_id: &str) -> AwsKmsConfig {
    let mut config = AwsKmsConfig::new(REGION);
    config.endpoint_url = Some(endpoint.to_string());
    config.static_credentials = Some(StaticCredentials {
        access_key_id: access_key_id.to_string(),
        secret_access_key: SANDBOX_SECRET_ACCESS_KEY.to_string(),
    });
    config.retry = RetrySettings {
        max_attempts: 2,
        initial_backoff: Duration::from_millis(1),
    };
    config.attempt_timeout = Duration::from_secs(5);
    config
}

async fn adapter(sb: &Sandbox) -> AwsKms {
    AwsKms::connect(&config(&sb.endpoint, SANDBOX_ADMIN_ACCESS_KEY_ID)).await
}

fn new_key(token: &str) -> NewKey {
    NewKey {
        policy: cmek_policy(),
        description: "Anthropic CMEK".into(),
        multi_region: false,
        tags: BTreeMap::from([("team".to_string(), "security".to_string())]),
        client_token: token.into(),
    }
}

fn org_context() -> BTreeMap<String, String> {
    BTreeMap::from([(
        "anthropic:org_uuid".to_string(),
        "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f".to_string(),
    )])
}

#[tokio::test]
async fn caller_identity_comes_from_sts() {
    let sb = start().await;
    let aws = adapter(&sb).await;
    let me = aws.caller_identity().await.unwrap();
    assert_eq!(me.account, "111122223333");
    assert_eq!(me.arn, ADMIN_ARN);
    let anthropic = AwsKms::connect(&config(&sb.endpoint, ANTHROPIC_SANDBOX_ACCESS_KEY_ID)).await;
    assert_eq!(
        anthropic.caller_identity().await.unwrap().arn,
        ANTHROPIC_ROLE
    );
    let stranger = AwsKms::connect(&config(&sb.endpoint, "AKIANOBODY0000000000")).await;
    let err = stranger.caller_identity().await.unwrap_err();
    assert!(
        matches!(&err, AwsError::AccessDenied { code, .. } if code == "InvalidClientTokenId"),
        "{err:?}"
    );
}

#[tokio::test]
async fn assume_role_with_external_id_acts_as_the_role() {
    let sb = start().await;
    let mut with_role = config(&sb.endpoint, SANDBOX_ADMIN_ACCESS_KEY_ID);
    with_role.assume_role = Some(AssumeRole {
        role_arn: DEPLOYER_ROLE.to_string(),
        external_id: Some(DEPLOYER_EXTERNAL_ID.to_string()),
        session_name: None,
    });
    let aws = AwsKms::connect(&with_role).await;
    let me = aws.caller_identity().await.unwrap();
    assert_eq!(me.account, "111122223333");
    assert_eq!(
        me.arn,
        "arn:aws:sts::111122223333:assumed-role/cmek-deployer/cmek"
    );
    let created = aws.create_key(&new_key("t-role")).await.unwrap();
    let entries = sb.log_entries();
    let assume = entries
        .iter()
        .position(|e| e.operation == "sts:AssumeRole")
        .unwrap();
    assert_eq!(entries[assume].caller, ADMIN_ARN);
    let create = entries
        .iter()
        .find(|e| e.operation == "CreateKey" && e.key_id.as_deref() == Some(&created.key_id))
        .unwrap();
    assert_eq!(create.caller, DEPLOYER_ROLE);

    let mut wrong = with_role.clone();
    if let Some(role) = wrong.assume_role.as_mut() {
        role.external_id = Some("guessed".to_string());
    }
    let err = AwsKms::connect(&wrong)
        .await
        .caller_identity()
        .await
        .unwrap_err();
    assert!(
        matches!(&err, AwsError::Credentials { message, .. } if message.contains("AccessDenied")),
        "a refused AssumeRole is a credentials problem, not a retryable one: {err:?}"
    );
    assert!(!err.is_retryable());
}

#[tokio::test]
async fn refresh_reads_a_key_with_at_most_three_calls() {
    let sb = start().await;
    let aws = adapter(&sb).await;
    let created = aws.create_key(&new_key("t-refresh")).await.unwrap();
    aws.enable_key_rotation(&created.key_id, Some(180))
        .await
        .unwrap();
    aws.create_alias("alias/refresh", &created.key_id)
        .await
        .unwrap();

    let before = sb.log_len();
    let snapshot = aws.refresh_key("alias/refresh").await.unwrap();
    let calls: Vec<String> = sb.log_entries()[before..]
        .iter()
        .map(|e| e.operation.clone())
        .collect();
    assert_eq!(
        calls,
        ["DescribeKey", "GetKeyPolicy", "GetKeyRotationStatus"]
    );
    assert_eq!(snapshot.key_id, created.key_id);
    assert_eq!(snapshot.arn, created.arn);
    assert_eq!(snapshot.account, "111122223333");
    assert_eq!(snapshot.region, REGION);
    assert_eq!(snapshot.state, "Enabled");
    assert_eq!(snapshot.deletion_date, None);
    assert_eq!(snapshot.key_spec, "SYMMETRIC_DEFAULT");
    assert_eq!(snapshot.key_usage, "ENCRYPT_DECRYPT");
    assert_eq!(snapshot.origin, "AWS_KMS");
    assert!(!snapshot.multi_region);
    assert_eq!(snapshot.description, "Anthropic CMEK");
    assert!(snapshot.rotation_enabled);
    assert_eq!(snapshot.rotation_period_days, Some(180));
    let returned: serde_json::Value = serde_json::from_str(&snapshot.policy_text).unwrap();
    assert_eq!(returned["Statement"].as_array().unwrap().len(), 3);

    // A signing key has no rotation status: two calls.
    let raw = admin(&sb.endpoint);
    let rsa = raw
        .create_key()
        .key_spec(KeySpec::Rsa3072)
        .key_usage(KeyUsageType::SignVerify)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    let before = sb.log_len();
    let snapshot = aws.refresh_key(&rsa.key_id).await.unwrap();
    assert_eq!(sb.log_len() - before, 2);
    assert_eq!(snapshot.key_spec, "RSA_3072");
    assert!(!snapshot.rotation_enabled);
}

#[tokio::test]
async fn refresh_reports_pending_deletion_with_its_date() {
    let sb = start().await;
    let aws = adapter(&sb).await;
    let created = aws.create_key(&new_key("t-pending")).await.unwrap();
    admin(&sb.endpoint)
        .schedule_key_deletion()
        .key_id(&created.key_id)
        .pending_window_in_days(10)
        .send()
        .await
        .unwrap();
    let snapshot = aws.refresh_key(&created.arn).await.unwrap();
    assert_eq!(snapshot.state, "PendingDeletion");
    let date = snapshot.deletion_date.unwrap();
    let days = (date - time::OffsetDateTime::now_utc()).whole_days();
    assert!((9..=10).contains(&days), "{days}");
}

#[tokio::test]
async fn create_with_client_token_is_found_again() {
    let sb = start().await;
    let aws = adapter(&sb).await;
    for i in 0..5 {
        aws.create_key(&new_key(&format!("other-{i}")))
            .await
            .unwrap();
    }
    let created = aws.create_key(&new_key("token-42")).await.unwrap();
    let tags = aws.list_tags(&created.key_id).await.unwrap();
    assert_eq!(
        tags.get(CLIENT_TOKEN_TAG).map(String::as_str),
        Some("token-42")
    );
    assert_eq!(tags.get("team").map(String::as_str), Some("security"));
    let found = aws.find_by_client_token("token-42").await.unwrap();
    assert_eq!(found, Some(created));
    assert_eq!(aws.find_by_client_token("never-used").await.unwrap(), None);

    // Keys whose tags the caller may not read are skipped, not fatal.
    let raw = admin(&sb.endpoint);
    let locked = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "AWS": ANTHROPIC_ROLE },
            "Action": "kms:*",
            "Resource": "*"
        }]
    })
    .to_string();
    raw.create_key()
        .policy(locked)
        .bypass_policy_lockout_safety_check(true)
        .send()
        .await
        .unwrap();
    assert!(
        aws.find_by_client_token("token-42")
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn restorative_actions_restore_a_key_disabled_or_pending_deletion() {
    let sb = start().await;
    let aws = adapter(&sb).await;
    let raw = admin(&sb.endpoint);
    let key = aws.create_key(&new_key("t-restore")).await.unwrap();
    let context = org_context();

    raw.disable_key().key_id(&key.key_id).send().await.unwrap();
    let err = aws.encrypt(&key.arn, b"x", &context).await.unwrap_err();
    assert!(matches!(err, AwsError::Disabled { .. }), "{err:?}");
    aws.enable_key(&key.arn).await.unwrap();
    assert_eq!(aws.refresh_key(&key.arn).await.unwrap().state, "Enabled");

    raw.schedule_key_deletion()
        .key_id(&key.key_id)
        .send()
        .await
        .unwrap();
    let err = aws.encrypt(&key.arn, b"x", &context).await.unwrap_err();
    assert!(matches!(err, AwsError::InvalidState { .. }), "{err:?}");
    let err = aws.enable_key(&key.arn).await.unwrap_err();
    assert!(matches!(err, AwsError::InvalidState { .. }), "{err:?}");
    aws.cancel_key_deletion(&key.arn).await.unwrap();
    assert_eq!(aws.refresh_key(&key.arn).await.unwrap().state, "Disabled");
    aws.enable_key(&key.arn).await.unwrap();
    let snapshot = aws.refresh_key(&key.arn).await.unwrap();
    assert_eq!(snapshot.state, "Enabled");
    assert_eq!(snapshot.deletion_date, None);
    let blob = aws.encrypt(&key.arn, b"back", &context).await.unwrap();
    let plain = aws.decrypt(&blob, &context, Some(&key.arn)).await.unwrap();
    assert_eq!(plain.as_slice(), b"back");
}

#[tokio::test]
async fn crypto_round_trips_through_the_adapter() {
    let sb = start().await;
    let aws = adapter(&sb).await;
    let key = aws.create_key(&new_key("t-crypto")).await.unwrap();
    let context = org_context();
    let data_key = aws.generate_data_key(&key.arn, &context).await.unwrap();
    assert_eq!(data_key.plaintext.len(), 32);
    assert_eq!(data_key.key_arn, key.arn);
    let debug = format!("{data_key:?}");
    assert!(debug.contains("<redacted>"));
    assert!(!debug.contains(&format!("{:?}", data_key.plaintext.as_slice())));
    let unwrapped = aws
        .decrypt(&data_key.ciphertext, &context, None)
        .await
        .unwrap();
    assert_eq!(unwrapped.as_slice(), data_key.plaintext.as_slice());
    let err = aws
        .decrypt(&data_key.ciphertext, &BTreeMap::new(), None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidCiphertextException"));

    // Anthropic's principal, allowed by the key policy, round-trips too.
    let anthropic = AwsKms::connect(&config(&sb.endpoint, ANTHROPIC_SANDBOX_ACCESS_KEY_ID)).await;
    let blob = anthropic.encrypt(&key.arn, b"dek", &context).await.unwrap();
    assert_eq!(
        anthropic
            .decrypt(&blob, &context, Some(&key.arn))
            .await
            .unwrap()
            .as_slice(),
        b"dek"
    );
}

#[tokio::test]
async fn management_calls_policy_rotation_aliases_tags() {
    let sb = start().await;
    let aws = adapter(&sb).await;
    let a = aws.create_key(&new_key("t-a")).await.unwrap();
    let b = aws.create_key(&new_key("t-b")).await.unwrap();
    aws.create_alias("alias/app", &a.key_id).await.unwrap();
    let err = aws.create_alias("alias/app", &b.key_id).await.unwrap_err();
    assert!(
        matches!(&err, AwsError::Other { code, .. } if code == "AlreadyExistsException"),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .starts_with("kms:CreateAlias: AlreadyExistsException")
    );
    aws.update_alias("alias/app", &b.key_id).await.unwrap();
    for i in 0..104 {
        aws.create_alias(&format!("alias/bulk-{i:03}"), &a.key_id)
            .await
            .unwrap();
    }
    let before = sb.log_len();
    let aliases = aws.list_aliases().await.unwrap();
    assert_eq!(
        sb.log_len() - before,
        2,
        "105 aliases take two pages of 100"
    );
    assert_eq!(aliases.len(), 105);
    let app = aliases.iter().find(|a| a.name == "alias/app").unwrap();
    assert_eq!(app.target_key_id.as_deref(), Some(b.key_id.as_str()));
    assert_eq!(app.arn, "arn:aws:kms:us-east-2:111122223333:alias/app");

    aws.tag_resource(
        &a.arn,
        &BTreeMap::from([("env".to_string(), "prod".to_string())]),
    )
    .await
    .unwrap();
    let tags = aws.list_tags(&a.arn).await.unwrap();
    assert_eq!(tags.get("env").map(String::as_str), Some("prod"));
    assert_eq!(tags.len(), 3);

    let err = aws.enable_key_rotation(&a.arn, Some(30)).await.unwrap_err();
    assert!(
        matches!(&err, AwsError::Other { code, .. } if code == "ValidationException"),
        "{err:?}"
    );
    aws.enable_key_rotation(&a.arn, None).await.unwrap();
    assert_eq!(
        aws.refresh_key(&a.arn).await.unwrap().rotation_period_days,
        Some(365)
    );

    let mut policy: serde_json::Value = serde_json::from_str(&cmek_policy()).unwrap();
    policy["Statement"][1]["Action"] =
        serde_json::json!(["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*"]);
    aws.put_key_policy(&a.arn, &policy.to_string())
        .await
        .unwrap();
    let text = aws.refresh_key(&a.arn).await.unwrap().policy_text;
    assert!(text.contains("kms:ReEncrypt*"));
    let err = aws.put_key_policy(&a.arn, "{}").await.unwrap_err();
    assert_eq!(err.code(), Some("MalformedPolicyDocumentException"));
}

#[tokio::test]
async fn errors_map_to_clear_variants() {
    let sb = start().await;
    let aws = adapter(&sb).await;
    let err = aws
        .refresh_key("11111111-2222-3333-4444-555555555555")
        .await
        .unwrap_err();
    assert!(matches!(err, AwsError::NotFound { .. }), "{err:?}");
    assert!(err.to_string().starts_with("kms:DescribeKey: not found"));

    let key = aws.create_key(&new_key("t-err")).await.unwrap();
    let anthropic = AwsKms::connect(&config(&sb.endpoint, ANTHROPIC_SANDBOX_ACCESS_KEY_ID)).await;
    let err = anthropic.refresh_key(&key.arn).await.unwrap_err();
    assert!(
        matches!(&err, AwsError::AccessDenied { operation, code, .. }
            if operation == "kms:GetKeyPolicy" && code == "AccessDeniedException"),
        "{err:?}"
    );

    let stranger = AwsKms::connect(&config(&sb.endpoint, "AKIANOBODY0000000000")).await;
    let err = stranger.refresh_key(&key.arn).await.unwrap_err();
    assert!(
        matches!(&err, AwsError::AccessDenied { code, .. } if code == "UnrecognizedClientException"),
        "{err:?}"
    );

    // Nothing listens on a port we just released: a retryable dispatch failure, after the
    // bounded retries.
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap()
    };
    let unreachable = AwsKms::connect(&config(
        &format!("http://{closed}"),
        SANDBOX_ADMIN_ACCESS_KEY_ID,
    ))
    .await;
    let err = unreachable.refresh_key(&key.arn).await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
}

#[tokio::test]
async fn retries_are_bounded_and_cover_throttling_and_internal_errors() {
    let sb = start().await;
    let aws = adapter(&sb).await; // two attempts per call
    let key = aws.create_key(&new_key("t-retry")).await.unwrap();
    let attempts = |before: usize, operation: &str| {
        sb.log_entries()[before..]
            .iter()
            .filter(|e| e.operation == operation)
            .map(|e| e.outcome.to_string())
            .collect::<Vec<_>>()
    };

    sb.emulator
        .inject_fault("DescribeKey", KmsErrorCode::ThrottlingException, 1);
    let before = sb.log_len();
    aws.refresh_key(&key.arn).await.unwrap();
    assert_eq!(
        attempts(before, "DescribeKey"),
        ["ThrottlingException", "ok"]
    );

    sb.emulator
        .inject_fault("DescribeKey", KmsErrorCode::KMSInternalException, 5);
    let before = sb.log_len();
    let err = aws.refresh_key(&key.arn).await.unwrap_err();
    assert!(
        matches!(&err, AwsError::Retryable { code, .. } if code == "KMSInternalException"),
        "{err:?}"
    );
    assert_eq!(
        attempts(before, "DescribeKey").len(),
        2,
        "bounded by max_attempts"
    );

    let mut once = config(&sb.endpoint, SANDBOX_ADMIN_ACCESS_KEY_ID);
    once.retry.max_attempts = 1;
    let no_retry = AwsKms::connect(&once).await;
    let before = sb.log_len();
    let err = no_retry.refresh_key(&key.arn).await.unwrap_err();
    assert!(err.is_retryable(), "{err:?}");
    assert_eq!(attempts(before, "DescribeKey"), ["KMSInternalException"]);
}

#[tokio::test]
async fn in_region_talks_to_another_region() {
    let sb = start().await;
    let aws = adapter(&sb).await;
    let key = aws.create_key(&new_key("t-east")).await.unwrap();
    let west = aws.in_region("us-west-2");
    assert_eq!(west.region(), "us-west-2");
    let err = west.refresh_key(&key.key_id).await.unwrap_err();
    assert!(matches!(err, AwsError::NotFound { .. }), "{err:?}");
    let created = west.create_key(&new_key("t-west")).await.unwrap();
    assert!(
        created
            .arn
            .starts_with("arn:aws:kms:us-west-2:111122223333:key/")
    );
    assert_eq!(west.find_by_client_token("t-east").await.unwrap(), None);
}

/// The adapter has no operation that reduces a key's availability (DESIGN.md §1): not even the
/// names appear in its source.
#[test]
fn adapter_source_names_no_destructive_operation() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/providers/aws");
    let forbidden = [
        "disable_key",
        "DisableKey",
        "schedule_key_deletion",
        "ScheduleKeyDeletion",
        "delete_alias",
        "DeleteAlias",
        "untag_resource",
        "UntagResource",
        "delete_imported_key_material",
        "retire_grant",
        "revoke_grant",
    ];
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for name in forbidden {
            assert!(
                !text.contains(name),
                "{} names the destructive operation {name}",
                path.display()
            );
        }
        checked += 1;
    }
    assert!(checked >= 4);
}
