//! The KMS sandbox driven over HTTP by the official `aws-sdk-kms` client: the wire protocol,
//! typed errors, paging, aliases, tags, policies, rotation, key states, cryptography, regions,
//! accounts and persistence.

mod sandbox_kms_support;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use aws_sdk_kms::error::ProvideErrorMetadata;
use aws_sdk_kms::primitives::Blob;
use aws_sdk_kms::types::{DataKeySpec, KeySpec, KeyState, KeyUsageType, Tag};
use cmek::sandbox::kms::KmsEmulator;
use sandbox_kms_support::*;
use serde_json::Value;

fn code<E: ProvideErrorMetadata>(err: &E) -> String {
    err.code().unwrap_or("<none>").to_string()
}

fn ctx(pairs: &[(&str, &str)]) -> HashMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[tokio::test]
async fn create_and_describe_by_every_identifier() {
    let sb = start().await;
    let kms = admin(&sb.endpoint);
    let out = kms
        .create_key()
        .description("Anthropic CMEK")
        .tags(
            Tag::builder()
                .tag_key("team")
                .tag_value("security")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let meta = out.key_metadata.unwrap();
    assert_eq!(meta.key_spec, Some(KeySpec::SymmetricDefault));
    assert_eq!(meta.key_usage, Some(KeyUsageType::EncryptDecrypt));
    assert_eq!(meta.key_state, Some(KeyState::Enabled));
    assert_eq!(meta.aws_account_id.as_deref(), Some("111122223333"));
    assert_eq!(meta.multi_region, Some(false));
    assert!(meta.creation_date.is_some());
    let arn = meta.arn.unwrap();
    assert_eq!(
        arn,
        format!("arn:aws:kms:us-east-2:111122223333:key/{}", meta.key_id)
    );
    kms.create_alias()
        .alias_name("alias/anthropic-cmek-prod")
        .target_key_id(&meta.key_id)
        .send()
        .await
        .unwrap();
    for id in [
        meta.key_id.clone(),
        arn.clone(),
        "alias/anthropic-cmek-prod".to_string(),
        "arn:aws:kms:us-east-2:111122223333:alias/anthropic-cmek-prod".to_string(),
    ] {
        let described = kms.describe_key().key_id(&id).send().await.unwrap();
        let m = described.key_metadata.unwrap();
        assert_eq!(m.key_id, meta.key_id, "{id}");
        assert_eq!(m.description.as_deref(), Some("Anthropic CMEK"));
    }
    let err = kms
        .describe_key()
        .key_id("00000000-0000-0000-0000-000000000000")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_not_found_exception(), "{err:?}");
}

#[tokio::test]
async fn list_keys_pages_with_markers() {
    let sb = start().await;
    let kms = admin(&sb.endpoint);
    let mut created = BTreeSet::new();
    for _ in 0..120 {
        created.insert(create_key(&kms).await.0);
    }
    let mut seen = Vec::new();
    let mut pages = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let page = kms
            .list_keys()
            .limit(50)
            .set_marker(marker.take())
            .send()
            .await
            .unwrap();
        let keys = page.keys.unwrap_or_default();
        pages.push(keys.len());
        seen.extend(keys.into_iter().map(|k| k.key_id.unwrap()));
        if page.truncated {
            marker = page.next_marker;
            assert!(marker.is_some());
        } else {
            assert!(page.next_marker.is_none());
            break;
        }
    }
    assert_eq!(pages, vec![50, 50, 20]);
    assert_eq!(seen.len(), 120);
    assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), created);
    let err = kms
        .list_keys()
        .marker("not-a-marker!")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_marker_exception(), "{err:?}");
    let err = kms.list_keys().limit(0).send().await.unwrap_err();
    assert_eq!(code(&err), "ValidationException");
}

#[tokio::test]
async fn aliases_validate_names_reject_duplicates_and_page() {
    let sb = start().await;
    let kms = admin(&sb.endpoint);
    let (k1, _) = create_key(&kms).await;
    let (k2, _) = create_key(&kms).await;
    for bad in ["alias/aws/anthropic", "anthropic-prod", "alias/has space"] {
        let err = kms
            .create_alias()
            .alias_name(bad)
            .target_key_id(&k1)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(err.is_invalid_alias_name_exception(), "{bad}: {err:?}");
    }
    kms.create_alias()
        .alias_name("alias/prod")
        .target_key_id(&k1)
        .send()
        .await
        .unwrap();
    let err = kms
        .create_alias()
        .alias_name("alias/prod")
        .target_key_id(&k2)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_already_exists_exception(), "{err:?}");
    // An alias cannot target an alias.
    let err = kms
        .create_alias()
        .alias_name("alias/other")
        .target_key_id("alias/prod")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "NotFoundException");

    kms.update_alias()
        .alias_name("alias/prod")
        .target_key_id(&k2)
        .send()
        .await
        .unwrap();
    let described = kms
        .describe_key()
        .key_id("alias/prod")
        .send()
        .await
        .unwrap();
    assert_eq!(described.key_metadata.unwrap().key_id, k2);

    for i in 0..7 {
        kms.create_alias()
            .alias_name(format!("alias/k1-{i}"))
            .target_key_id(&k1)
            .send()
            .await
            .unwrap();
    }
    let filtered = kms.list_aliases().key_id(&k1).send().await.unwrap();
    assert_eq!(filtered.aliases.unwrap().len(), 7);
    let mut names = Vec::new();
    let mut marker = None;
    loop {
        let page = kms
            .list_aliases()
            .limit(3)
            .set_marker(marker)
            .send()
            .await
            .unwrap();
        for alias in page.aliases.unwrap() {
            assert!(
                alias
                    .alias_arn
                    .unwrap()
                    .ends_with(alias.alias_name.as_deref().unwrap())
            );
            names.push(alias.alias_name.unwrap());
        }
        if !page.truncated {
            break;
        }
        marker = page.next_marker;
    }
    assert_eq!(names.len(), 8);

    // Server-side only: tests use it to create drift.
    kms.delete_alias()
        .alias_name("alias/prod")
        .send()
        .await
        .unwrap();
    let err = kms
        .describe_key()
        .key_id("alias/prod")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "NotFoundException");
}

#[tokio::test]
async fn tags_are_added_listed_and_removed() {
    let sb = start().await;
    let kms = admin(&sb.endpoint);
    let (key, arn) = create_key(&kms).await;
    kms.tag_resource()
        .key_id(&key)
        .tags(
            Tag::builder()
                .tag_key("team")
                .tag_value("security")
                .build()
                .unwrap(),
        )
        .tags(
            Tag::builder()
                .tag_key("env")
                .tag_value("prod")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    kms.tag_resource()
        .key_id(&arn)
        .tags(
            Tag::builder()
                .tag_key("env")
                .tag_value("staging")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let listed = kms.list_resource_tags().key_id(&key).send().await.unwrap();
    let tags: Vec<(String, String)> = listed
        .tags
        .unwrap()
        .into_iter()
        .map(|t| (t.tag_key, t.tag_value))
        .collect();
    assert_eq!(
        tags,
        vec![
            ("env".to_string(), "staging".to_string()),
            ("team".to_string(), "security".to_string())
        ]
    );
    assert!(!listed.truncated);
    kms.untag_resource()
        .key_id(&key)
        .tag_keys("env")
        .send()
        .await
        .unwrap();
    let listed = kms.list_resource_tags().key_id(&key).send().await.unwrap();
    assert_eq!(listed.tags.unwrap().len(), 1);
    let err = kms
        .tag_resource()
        .key_id(&key)
        .tags(
            Tag::builder()
                .tag_key("aws:reserved")
                .tag_value("x")
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_tag_exception(), "{err:?}");
    // Tags take key ids or ARNs, not aliases.
    kms.create_alias()
        .alias_name("alias/t")
        .target_key_id(&key)
        .send()
        .await
        .unwrap();
    let err = kms
        .list_resource_tags()
        .key_id("alias/t")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "NotFoundException");
}

fn canonical(policy: &str) -> Value {
    fn sort(value: Value) -> Value {
        match value {
            Value::Object(map) => {
                let mut entries: Vec<_> = map.into_iter().collect();
                entries.sort_by(|a, b| a.0.cmp(&b.0));
                Value::Object(entries.into_iter().map(|(k, v)| (k, sort(v))).collect())
            }
            Value::Array(items) => {
                let mut items: Vec<Value> = items.into_iter().map(sort).collect();
                items.sort_by_key(|v| v.to_string());
                Value::Array(items)
            }
            other => other,
        }
    }
    sort(serde_json::from_str(policy).unwrap())
}

#[tokio::test]
async fn key_policy_get_put_and_lockout_check() {
    let sb = start().await;
    let kms = admin(&sb.endpoint);
    let policy = cmek_policy();
    let out = kms.create_key().policy(&policy).send().await.unwrap();
    let meta = out.key_metadata.unwrap();
    let (key, arn) = (meta.key_id, meta.arn.unwrap());

    let got = kms
        .get_key_policy()
        .key_id(&key)
        .policy_name("default")
        .send()
        .await
        .unwrap();
    assert_eq!(got.policy_name.as_deref(), Some("default"));
    let text = got.policy.unwrap();
    assert_ne!(text, policy, "KMS does not return the bytes that were put");
    assert_eq!(canonical(&text), canonical(&policy));

    let err = kms
        .get_key_policy()
        .key_id(&key)
        .policy_name("other")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "NotFoundException");

    // A policy that grants only Anthropic would lock the admin out.
    let lockout = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "AWS": ANTHROPIC_ROLE },
            "Action": "kms:*",
            "Resource": "*"
        }]
    })
    .to_string();
    let err = kms
        .put_key_policy()
        .key_id(&key)
        .policy_name("default")
        .policy(&lockout)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_malformed_policy_document_exception(), "{err:?}");
    let err = kms.create_key().policy(&lockout).send().await.unwrap_err();
    assert_eq!(code(&err), "MalformedPolicyDocumentException");
    let err = kms
        .put_key_policy()
        .key_id(&key)
        .policy("{ not json")
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "MalformedPolicyDocumentException");

    // Bypassing the check is honoured, and then the admin is really locked out.
    kms.put_key_policy()
        .key_id(&key)
        .policy(&lockout)
        .bypass_policy_lockout_safety_check(true)
        .send()
        .await
        .unwrap();
    // AccessDeniedException is not a modeled KMS error: the SDK reports it by code.
    let err = kms.get_key_policy().key_id(&key).send().await.unwrap_err();
    assert_eq!(code(&err), "AccessDeniedException");

    // Even with `kms:*` in the policy, Anthropic's role cannot manage a key of another account:
    // those operations are same-account only. Rotation status is readable across accounts.
    let anthropic = anthropic(&sb.endpoint);
    anthropic
        .get_key_rotation_status()
        .key_id(&arn)
        .send()
        .await
        .unwrap();
    let err = anthropic
        .get_key_policy()
        .key_id(&arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "AccessDeniedException");
    assert!(
        err.message()
            .unwrap()
            .contains("cannot be used across accounts")
    );
    let err = anthropic
        .tag_resource()
        .key_id(&arn)
        .tags(Tag::builder().tag_key("x").tag_value("y").build().unwrap())
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "AccessDeniedException");
    let err = anthropic
        .create_alias()
        .alias_name("alias/foreign")
        .target_key_id(&arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "AccessDeniedException");
}

#[tokio::test]
async fn rotation_period_bounds_and_status() {
    let sb = start().await;
    let kms = admin(&sb.endpoint);
    let (key, _) = create_key(&kms).await;
    let status = kms
        .get_key_rotation_status()
        .key_id(&key)
        .send()
        .await
        .unwrap();
    assert!(!status.key_rotation_enabled);
    for bad in [89, 2561] {
        let err = kms
            .enable_key_rotation()
            .key_id(&key)
            .rotation_period_in_days(bad)
            .send()
            .await
            .unwrap_err();
        assert_eq!(code(&err), "ValidationException", "{bad}");
    }
    kms.enable_key_rotation()
        .key_id(&key)
        .rotation_period_in_days(90)
        .send()
        .await
        .unwrap();
    let status = kms
        .get_key_rotation_status()
        .key_id(&key)
        .send()
        .await
        .unwrap();
    assert!(status.key_rotation_enabled);
    assert_eq!(status.rotation_period_in_days, Some(90));
    assert!(status.next_rotation_date.is_some());
    kms.enable_key_rotation().key_id(&key).send().await.unwrap();
    let status = kms
        .get_key_rotation_status()
        .key_id(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(status.rotation_period_in_days, Some(365));
    kms.disable_key_rotation()
        .key_id(&key)
        .send()
        .await
        .unwrap();
    let status = kms
        .get_key_rotation_status()
        .key_id(&key)
        .send()
        .await
        .unwrap();
    assert!(!status.key_rotation_enabled);
    assert_eq!(status.rotation_period_in_days, None);

    let rsa = kms
        .create_key()
        .key_spec(KeySpec::Rsa3072)
        .key_usage(KeyUsageType::SignVerify)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    assert!(rsa.signing_algorithms.is_some());
    let err = kms
        .enable_key_rotation()
        .key_id(&rsa.key_id)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "UnsupportedOperationException");
    let err = kms
        .encrypt()
        .key_id(&rsa.key_id)
        .plaintext(Blob::new(b"x".to_vec()))
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_key_usage_exception(), "{err:?}");
    let err = kms
        .create_key()
        .key_spec(KeySpec::SymmetricDefault)
        .key_usage(KeyUsageType::SignVerify)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ValidationException");
}

#[tokio::test]
async fn key_states_are_enforced_like_kms() {
    let sb = start().await;
    let kms = admin(&sb.endpoint);
    let (key, _) = create_key(&kms).await;
    let encrypt = || {
        kms.encrypt()
            .key_id(&key)
            .plaintext(Blob::new(b"canary".to_vec()))
            .send()
    };
    encrypt().await.unwrap();

    kms.disable_key().key_id(&key).send().await.unwrap();
    let err = encrypt().await.unwrap_err().into_service_error();
    assert!(err.is_disabled_exception(), "{err:?}");
    let meta = kms
        .describe_key()
        .key_id(&key)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    assert_eq!(meta.key_state, Some(KeyState::Disabled));
    assert!(!meta.enabled);

    let err = kms
        .schedule_key_deletion()
        .key_id(&key)
        .pending_window_in_days(6)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ValidationException");
    let scheduled = kms
        .schedule_key_deletion()
        .key_id(&key)
        .pending_window_in_days(7)
        .send()
        .await
        .unwrap();
    assert_eq!(scheduled.key_state, Some(KeyState::PendingDeletion));
    assert_eq!(scheduled.pending_window_in_days, Some(7));
    let deletion = scheduled.deletion_date.unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    assert!((deletion.secs() - now - 7 * 86_400).abs() < 60);

    let err = encrypt().await.unwrap_err().into_service_error();
    assert!(err.is_kms_invalid_state_exception(), "{err:?}");
    let meta = kms
        .describe_key()
        .key_id(&key)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    assert_eq!(meta.key_state, Some(KeyState::PendingDeletion));
    assert!(meta.deletion_date.is_some());
    assert_eq!(meta.pending_deletion_window_in_days, Some(7));
    let err = kms.enable_key().key_id(&key).send().await.unwrap_err();
    assert_eq!(code(&err), "KMSInvalidStateException");
    let err = kms
        .schedule_key_deletion()
        .key_id(&key)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "KMSInvalidStateException");

    kms.cancel_key_deletion().key_id(&key).send().await.unwrap();
    let meta = kms
        .describe_key()
        .key_id(&key)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    assert_eq!(
        meta.key_state,
        Some(KeyState::Disabled),
        "cancel leaves the key disabled"
    );
    assert!(meta.deletion_date.is_none());
    let err = kms
        .cancel_key_deletion()
        .key_id(&key)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "KMSInvalidStateException");

    kms.enable_key().key_id(&key).send().await.unwrap();
    encrypt().await.unwrap();
}

#[tokio::test]
async fn encryption_context_is_bound_to_the_ciphertext() {
    let sb = start().await;
    let kms = admin(&sb.endpoint);
    let (key, arn) = create_key(&kms).await;
    let (other, _) = create_key(&kms).await;
    let context = ctx(&[
        ("anthropic:org_uuid", "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"),
        (
            "anthropic:compartment_uuid",
            "00000000-0000-0000-0000-000000000000",
        ),
    ]);
    let encrypted = kms
        .encrypt()
        .key_id(&key)
        .plaintext(Blob::new(b"canary".to_vec()))
        .set_encryption_context(Some(context.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(encrypted.key_id.as_deref(), Some(arn.as_str()));
    let blob = encrypted.ciphertext_blob.unwrap();
    assert!(!blob.as_ref().windows(6).any(|w| w == b"canary"));

    // No KeyId needed: the blob names its key.
    let decrypted = kms
        .decrypt()
        .ciphertext_blob(blob.clone())
        .set_encryption_context(Some(context.clone()))
        .send()
        .await
        .unwrap();
    assert_eq!(decrypted.plaintext.unwrap().as_ref(), b"canary");
    assert_eq!(decrypted.key_id.as_deref(), Some(arn.as_str()));

    let mut wrong = context.clone();
    wrong.insert("anthropic:org_uuid".into(), "another-org".into());
    for bad_context in [Some(wrong), None] {
        let err = kms
            .decrypt()
            .ciphertext_blob(blob.clone())
            .set_encryption_context(bad_context)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(err.is_invalid_ciphertext_exception(), "{err:?}");
    }
    let err = kms
        .decrypt()
        .ciphertext_blob(blob.clone())
        .set_encryption_context(Some(context.clone()))
        .key_id(&other)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_incorrect_key_exception(), "{err:?}");
    let mut tampered = blob.into_inner();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    let err = kms
        .decrypt()
        .ciphertext_blob(Blob::new(tampered))
        .set_encryption_context(Some(context.clone()))
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "InvalidCiphertextException");

    // ReEncrypt moves a ciphertext to another key and context.
    let blob = kms
        .encrypt()
        .key_id(&key)
        .plaintext(Blob::new(b"move me".to_vec()))
        .send()
        .await
        .unwrap()
        .ciphertext_blob
        .unwrap();
    let moved = kms
        .re_encrypt()
        .ciphertext_blob(blob)
        .destination_key_id(&other)
        .set_destination_encryption_context(Some(context.clone()))
        .send()
        .await
        .unwrap();
    let plain = kms
        .decrypt()
        .ciphertext_blob(moved.ciphertext_blob.unwrap())
        .set_encryption_context(Some(context))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.plaintext.unwrap().as_ref(), b"move me");
}

#[tokio::test]
async fn generate_data_key_round_trips() {
    let sb = start().await;
    let kms = admin(&sb.endpoint);
    let (key, _) = create_key(&kms).await;
    kms.create_alias()
        .alias_name("alias/dk")
        .target_key_id(&key)
        .send()
        .await
        .unwrap();
    let context = ctx(&[("anthropic:org_uuid", "o")]);
    let data_key = kms
        .generate_data_key()
        .key_id("alias/dk")
        .key_spec(DataKeySpec::Aes256)
        .set_encryption_context(Some(context.clone()))
        .send()
        .await
        .unwrap();
    let plaintext = data_key.plaintext.unwrap();
    assert_eq!(plaintext.as_ref().len(), 32);
    let unwrapped = kms
        .decrypt()
        .ciphertext_blob(data_key.ciphertext_blob.unwrap())
        .set_encryption_context(Some(context))
        .send()
        .await
        .unwrap();
    assert_eq!(unwrapped.plaintext.unwrap().as_ref(), plaintext.as_ref());
    let sized = kms
        .generate_data_key()
        .key_id(&key)
        .number_of_bytes(64)
        .send()
        .await
        .unwrap();
    assert_eq!(sized.plaintext.unwrap().as_ref().len(), 64);
    let err = kms
        .generate_data_key()
        .key_id(&key)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "ValidationException");
}

#[tokio::test]
async fn multi_region_keys_have_mrk_ids() {
    let sb = start().await;
    let kms = admin(&sb.endpoint);
    let meta = kms
        .create_key()
        .multi_region(true)
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    assert!(meta.key_id.starts_with("mrk-"), "{}", meta.key_id);
    assert_eq!(meta.key_id.len(), 4 + 32);
    assert_eq!(meta.multi_region, Some(true));
    let config = meta.multi_region_configuration.unwrap();
    assert_eq!(
        config.primary_key.unwrap().arn.as_deref(),
        meta.arn.as_deref()
    );
}

#[tokio::test]
async fn regions_and_accounts_are_separate() {
    let sb = start().await;
    let kms = admin(&sb.endpoint);
    let (key, arn) = create_key(&kms).await;
    let west = client_as(
        &sb.endpoint,
        cmek::sandbox::kms::identity::SANDBOX_ADMIN_ACCESS_KEY_ID,
        "us-west-2",
    );
    let err = west.describe_key().key_id(&key).send().await.unwrap_err();
    assert_eq!(code(&err), "NotFoundException");
    let listed = west.list_keys().send().await.unwrap();
    assert!(listed.keys.unwrap_or_default().is_empty());

    // Unknown access keys are rejected outright.
    let stranger = client_as(&sb.endpoint, "AKIAUNKNOWNUNKNOWN00", REGION);
    let err = stranger.list_keys().send().await.unwrap_err();
    assert_eq!(code(&err), "UnrecognizedClientException");

    // A cross-account caller reaches a key only by ARN.
    let anthropic = anthropic(&sb.endpoint);
    let err = anthropic
        .describe_key()
        .key_id(&key)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "NotFoundException");
    let err = anthropic
        .describe_key()
        .key_id(&arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        code(&err),
        "AccessDeniedException",
        "default policy grants only the owner"
    );
}

#[tokio::test]
async fn anthropic_principal_is_decided_by_the_key_policy() {
    let sb = start().await;
    let kms = admin(&sb.endpoint);
    let meta = kms
        .create_key()
        .policy(cmek_policy())
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    let arn = meta.arn.unwrap();
    let anthropic = anthropic(&sb.endpoint);
    let context = ctx(&[("anthropic:org_uuid", "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f")]);
    anthropic.describe_key().key_id(&arn).send().await.unwrap();
    let blob = anthropic
        .encrypt()
        .key_id(&arn)
        .plaintext(Blob::new(b"dek".to_vec()))
        .set_encryption_context(Some(context.clone()))
        .send()
        .await
        .unwrap()
        .ciphertext_blob
        .unwrap();
    anthropic
        .decrypt()
        .ciphertext_blob(blob)
        .set_encryption_context(Some(context.clone()))
        .send()
        .await
        .unwrap();
    let err = anthropic
        .get_key_policy()
        .key_id(&arn)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "AccessDeniedException");
    let err = anthropic
        .generate_data_key()
        .key_id(&arn)
        .key_spec(DataKeySpec::Aes256)
        .send()
        .await
        .unwrap_err();
    assert_eq!(code(&err), "AccessDeniedException");

    // The authorizer saw what an evaluator needs.
    let seen = sb.authorizer.seen.lock().unwrap().clone();
    let encrypt = seen
        .iter()
        .find(|c| c.action == "kms:Encrypt" && c.principal_arn == ANTHROPIC_ROLE)
        .unwrap();
    assert_eq!(encrypt.principal_account, "915198916910");
    assert_eq!(encrypt.key_account, "111122223333");
    assert!(!encrypt.is_same_account());
    assert_eq!(encrypt.key_arn, arn);
    assert_eq!(
        encrypt
            .encryption_context
            .get("anthropic:org_uuid")
            .map(String::as_str),
        Some("4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f")
    );
    assert_eq!(encrypt.source_ip, Some("127.0.0.1".parse().unwrap()));
    let admin_call = seen.iter().find(|c| c.principal_arn == ADMIN_ARN).unwrap();
    assert!(admin_call.is_same_account());

    // The request log recorded callers, keys and outcomes.
    let log = sb.log_entries();
    assert!(log.iter().any(|e| e.operation == "GetKeyPolicy"
        && e.caller == ANTHROPIC_ROLE
        && e.outcome.to_string() == "AccessDeniedException"
        && e.key_id.as_deref() == Some(meta.key_id.as_str())));
}

#[tokio::test]
async fn snapshot_round_trip_keeps_keys_aliases_and_material() {
    let sb = start().await;
    let kms = admin(&sb.endpoint);
    let (key, _) = create_key(&kms).await;
    kms.create_alias()
        .alias_name("alias/persisted")
        .target_key_id(&key)
        .send()
        .await
        .unwrap();
    kms.tag_resource()
        .key_id(&key)
        .tags(Tag::builder().tag_key("k").tag_value("v").build().unwrap())
        .send()
        .await
        .unwrap();
    kms.enable_key_rotation()
        .key_id(&key)
        .rotation_period_in_days(180)
        .send()
        .await
        .unwrap();
    let context = ctx(&[("a", "b")]);
    let blob = kms
        .encrypt()
        .key_id("alias/persisted")
        .plaintext(Blob::new(b"survives restarts".to_vec()))
        .set_encryption_context(Some(context.clone()))
        .send()
        .await
        .unwrap()
        .ciphertext_blob
        .unwrap();
    kms.disable_key().key_id(&key).send().await.unwrap();

    let snapshot = sb.emulator.to_snapshot().unwrap();
    assert!(!format!("{:?}", sb.emulator).contains("material"));
    let restored = Arc::new(
        KmsEmulator::from_snapshot(
            &snapshot,
            callers(),
            Arc::new(TinyAuthorizer::default()),
            Arc::new(|_| {}),
        )
        .unwrap(),
    );
    assert_eq!(restored.to_snapshot().unwrap(), snapshot);
    let endpoint = serve(restored).await;
    let kms2 = admin(&endpoint);
    let meta = kms2
        .describe_key()
        .key_id("alias/persisted")
        .send()
        .await
        .unwrap()
        .key_metadata
        .unwrap();
    assert_eq!(meta.key_id, key);
    assert_eq!(meta.key_state, Some(KeyState::Disabled));
    let rotation = kms2
        .get_key_rotation_status()
        .key_id(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(rotation.rotation_period_in_days, Some(180));
    let tags = kms2.list_resource_tags().key_id(&key).send().await.unwrap();
    assert_eq!(tags.tags.unwrap().len(), 1);
    kms2.enable_key().key_id(&key).send().await.unwrap();
    let plain = kms2
        .decrypt()
        .ciphertext_blob(blob)
        .set_encryption_context(Some(context))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.plaintext.unwrap().as_ref(), b"survives restarts");

    let err = KmsEmulator::from_snapshot(
        "{\"format_version\": 99, \"next_seq\": 0, \"keys\": {}, \"aliases\": []}",
        callers(),
        Arc::new(TinyAuthorizer::default()),
        Arc::new(|_| {}),
    )
    .unwrap_err();
    assert!(err.to_string().contains("format version 99"), "{err}");
    let err = KmsEmulator::from_snapshot(
        "not json",
        callers(),
        Arc::new(TinyAuthorizer::default()),
        Arc::new(|_| {}),
    )
    .unwrap_err();
    assert!(err.to_string().contains("line 1"), "{err}");
}
