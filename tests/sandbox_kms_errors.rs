//! The KMS sandbox's error answers on the wire (status, `x-amzn-ErrorType`, JSON body), captured
//! as snapshots so any change to what clients see is reviewed. Requests are hand-made HTTP sent
//! straight to the router.

mod sandbox_kms_support;

use std::sync::Arc;

use axum::body::Body;
use axum::http::Request;
use cmek::sandbox::kms::identity::{ANTHROPIC_SANDBOX_ACCESS_KEY_ID, SANDBOX_ADMIN_ACCESS_KEY_ID};
use cmek::sandbox::kms::{KmsEmulator, router};
use sandbox_kms_support::{TinyAuthorizer, callers, cmek_policy};
use serde_json::{Value, json};
use tower::ServiceExt;

struct Wire {
    router: axum::Router,
}

struct Answer {
    status: u16,
    error_type: Option<String>,
    content_type: Option<String>,
    body: String,
}

impl Wire {
    fn new() -> Self {
        let emulator = Arc::new(KmsEmulator::new(
            callers(),
            Arc::new(TinyAuthorizer::default()),
            Arc::new(|_| {}),
        ));
        Self {
            router: router(emulator),
        }
    }

    async fn send(&self, access_key: Option<&str>, target: Option<&str>, body: &str) -> Answer {
        let mut request = Request::post("/").header("content-type", "application/x-amz-json-1.1");
        if let Some(key) = access_key {
            request = request.header(
                "authorization",
                format!(
                    "AWS4-HMAC-SHA256 Credential={key}/20260101/us-east-2/kms/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"
                ),
            );
        }
        if let Some(target) = target {
            request = request.header("x-amz-target", target);
        }
        let response = self
            .router
            .clone()
            .oneshot(request.body(Body::from(body.to_string())).unwrap())
            .await
            .unwrap();
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .map(|v| v.to_str().unwrap().to_string())
        };
        let error_type = header("x-amzn-errortype");
        let content_type = header("content-type");
        let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .unwrap();
        Answer {
            status,
            error_type,
            content_type,
            body: String::from_utf8(bytes.to_vec()).unwrap(),
        }
    }

    async fn admin(&self, operation: &str, body: Value) -> Answer {
        self.send(
            Some(SANDBOX_ADMIN_ACCESS_KEY_ID),
            Some(&format!("TrentService.{operation}")),
            &body.to_string(),
        )
        .await
    }
}

/// Replaces the random key id (and so the key ARN) with a placeholder.
fn redact(text: &str, key_id: &str) -> String {
    text.replace(key_id, "<key-id>")
}

fn record(case: &str, answer: &Answer, key_id: &str) -> Value {
    let body: Value = serde_json::from_str(&redact(&answer.body, key_id)).unwrap();
    // The error type header and the body's __type always agree.
    assert_eq!(
        answer.error_type.as_deref(),
        body["__type"].as_str(),
        "{case}"
    );
    assert_eq!(
        answer.content_type.as_deref(),
        Some("application/x-amz-json-1.1"),
        "{case}"
    );
    json!({
        "case": case,
        "status": answer.status,
        "x-amzn-ErrorType": answer.error_type,
        "body": body,
    })
}

#[tokio::test]
async fn kms_error_bodies() {
    let wire = Wire::new();
    let created = wire.admin("CreateKey", json!({})).await;
    assert_eq!(created.status, 200);
    let created: Value = serde_json::from_str(&created.body).unwrap();
    let key = created["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_string();
    let with_policy = wire
        .admin("CreateKey", json!({ "Policy": cmek_policy() }))
        .await;
    let with_policy: Value = serde_json::from_str(&with_policy.body).unwrap();
    let policy_key_arn = with_policy["KeyMetadata"]["Arn"]
        .as_str()
        .unwrap()
        .to_string();
    let policy_key = with_policy["KeyMetadata"]["KeyId"]
        .as_str()
        .unwrap()
        .to_string();

    let mut cases = Vec::new();
    let answer = wire.send(None, Some("TrentService.ListKeys"), "{}").await;
    cases.push(record("no Authorization header", &answer, &key));
    let answer = wire
        .send(
            Some("AKIAUNKNOWNUNKNOWN00"),
            Some("TrentService.ListKeys"),
            "{}",
        )
        .await;
    cases.push(record("unknown access key id", &answer, &key));
    let answer = wire.admin("MakeCoffee", json!({})).await;
    cases.push(record("unknown operation", &answer, &key));
    let answer = wire
        .send(
            Some(SANDBOX_ADMIN_ACCESS_KEY_ID),
            Some("TrentService.DescribeKey"),
            "{not json",
        )
        .await;
    cases.push(record("body is not JSON", &answer, &key));
    let answer = wire.admin("DescribeKey", json!({ "KeyId": 7 })).await;
    cases.push(record("member of the wrong type", &answer, &key));
    let answer = wire.admin("DescribeKey", json!({})).await;
    cases.push(record("required member missing", &answer, &key));
    let answer = wire
        .admin(
            "DescribeKey",
            json!({ "KeyId": "11111111-2222-3333-4444-555555555555" }),
        )
        .await;
    cases.push(record("key does not exist", &answer, &key));
    let answer = wire
        .admin("DescribeKey", json!({ "KeyId": "alias/missing" }))
        .await;
    cases.push(record("alias does not exist", &answer, &key));
    let answer = wire
        .admin(
            "CreateAlias",
            json!({ "AliasName": "alias/aws/kms", "TargetKeyId": key }),
        )
        .await;
    cases.push(record("reserved alias name", &answer, &key));
    wire.admin(
        "CreateAlias",
        json!({ "AliasName": "alias/taken", "TargetKeyId": key }),
    )
    .await;
    let answer = wire
        .admin(
            "CreateAlias",
            json!({ "AliasName": "alias/taken", "TargetKeyId": key }),
        )
        .await;
    cases.push(record("alias already exists", &answer, &key));
    let answer = wire
        .admin(
            "PutKeyPolicy",
            json!({ "KeyId": key, "PolicyName": "default", "Policy": "{\"Statement\": []}" }),
        )
        .await;
    cases.push(record("policy without Version", &answer, &key));
    let lockout = json!({
        "Version": "2012-10-17",
        "Statement": [{ "Effect": "Allow", "Principal": { "AWS": "arn:aws:iam::915198916910:role/anthropic-cmek-client-us" }, "Action": "kms:*", "Resource": "*" }]
    });
    let answer = wire
        .admin(
            "PutKeyPolicy",
            json!({ "KeyId": key, "Policy": lockout.to_string() }),
        )
        .await;
    cases.push(record("policy would lock the caller out", &answer, &key));
    let answer = wire
        .admin(
            "EnableKeyRotation",
            json!({ "KeyId": key, "RotationPeriodInDays": 30 }),
        )
        .await;
    cases.push(record("rotation period out of bounds", &answer, &key));
    let answer = wire.admin("ListKeys", json!({ "Marker": "@@@" })).await;
    cases.push(record("invalid marker", &answer, &key));
    let answer = wire
        .admin(
            "Decrypt",
            json!({ "CiphertextBlob": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" }),
        )
        .await;
    cases.push(record("ciphertext is not ours", &answer, &key));
    let answer = wire
        .send(
            Some(ANTHROPIC_SANDBOX_ACCESS_KEY_ID),
            Some("TrentService.GetKeyPolicy"),
            &json!({ "KeyId": policy_key_arn }).to_string(),
        )
        .await;
    cases.push(record(
        "Anthropic may not read the key policy",
        &answer,
        &policy_key,
    ));
    wire.admin("DisableKey", json!({ "KeyId": key })).await;
    let answer = wire
        .admin("Encrypt", json!({ "KeyId": key, "Plaintext": "Y2FuYXJ5" }))
        .await;
    cases.push(record("encrypt under a disabled key", &answer, &key));
    wire.admin(
        "ScheduleKeyDeletion",
        json!({ "KeyId": key, "PendingWindowInDays": 7 }),
    )
    .await;
    let answer = wire
        .admin("Encrypt", json!({ "KeyId": key, "Plaintext": "Y2FuYXJ5" }))
        .await;
    cases.push(record(
        "encrypt under a key pending deletion",
        &answer,
        &key,
    ));
    let answer = wire.admin("EnableKey", json!({ "KeyId": key })).await;
    cases.push(record("enable a key pending deletion", &answer, &key));

    insta::with_settings!({ snapshot_path => "../snapshots/kms", prepend_module_to_snapshot => false }, {
        insta::assert_json_snapshot!("kms_error_bodies", cases);
    });
}

#[tokio::test]
async fn sts_error_body() {
    let wire = Wire::new();
    let answer = wire
        .send(
            Some("AKIAUNKNOWNUNKNOWN00"),
            None,
            "Action=GetCallerIdentity&Version=2011-06-15",
        )
        .await;
    assert_eq!(answer.status, 403);
    assert_eq!(answer.content_type.as_deref(), Some("text/xml"));
    // The request id is random.
    let body = answer.body.split("<RequestId>").next().unwrap().to_string();
    insta::with_settings!({ snapshot_path => "../snapshots/kms", prepend_module_to_snapshot => false }, {
        insta::assert_snapshot!("sts_error_body", body);
    });
}
