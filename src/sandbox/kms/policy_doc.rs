//! Key-policy documents as KMS treats them: syntactic validation on put, the default policy, and
//! the re-serialized form `GetKeyPolicy` returns.
//!
//! Real KMS does not hand back the exact bytes that were put; clients therefore have to compare
//! policies canonically. The emulator makes that visible on purpose: `GetKeyPolicy` returns the
//! document pretty-printed, with object keys sorted and the statement list reversed.

use serde_json::Value;

use super::error::{KmsError, KmsErrorCode};

/// KMS's limit on a key policy document.
pub const MAX_POLICY_BYTES: usize = 32 * 1024;

fn malformed(why: impl Into<String>) -> KmsError {
    KmsError::new(KmsErrorCode::MalformedPolicyDocumentException, why)
}

/// Checks what KMS checks before storing a policy: size, JSON, a `Version` and a non-empty
/// `Statement` whose entries each have an `Effect` of Allow/Deny.
pub fn validate(policy: &str) -> Result<(), KmsError> {
    if policy.len() > MAX_POLICY_BYTES {
        return Err(KmsError::validation(format!(
            "1 validation error detected: Value at 'policy' failed to satisfy constraint: Member must have length less than or equal to {MAX_POLICY_BYTES}"
        )));
    }
    let doc: Value = serde_json::from_str(policy)
        .map_err(|e| malformed(format!("The policy is not valid JSON: {e}")))?;
    let object = doc
        .as_object()
        .ok_or_else(|| malformed("The policy must be a JSON object"))?;
    match object.get("Version") {
        Some(Value::String(v)) if v == "2012-10-17" || v == "2008-10-17" => {}
        Some(_) => return Err(malformed("The policy Version is not supported")),
        None => return Err(malformed("The policy has no Version")),
    }
    let statements: Vec<&Value> = match object.get("Statement") {
        Some(Value::Array(list)) if !list.is_empty() => list.iter().collect(),
        Some(single @ Value::Object(_)) => vec![single],
        _ => return Err(malformed("The policy has no Statement")),
    };
    for (index, statement) in statements.iter().enumerate() {
        let effect = statement.get("Effect").and_then(Value::as_str);
        if !matches!(effect, Some("Allow") | Some("Deny")) {
            return Err(malformed(format!(
                "Statement {index} has no valid Effect (Allow or Deny)"
            )));
        }
        let has_principal =
            statement.get("Principal").is_some() || statement.get("NotPrincipal").is_some();
        if !has_principal {
            return Err(malformed(format!("Statement {index} has no Principal")));
        }
    }
    Ok(())
}

/// The policy KMS attaches when CreateKey gets none: the account root may do everything.
pub fn default_policy(account: &str) -> String {
    let doc = serde_json::json!({
        "Version": "2012-10-17",
        "Id": "key-default-1",
        "Statement": [{
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": { "AWS": format!("arn:aws:iam::{account}:root") },
            "Action": "kms:*",
            "Resource": "*"
        }]
    });
    doc.to_string()
}

/// The document as `GetKeyPolicy` returns it (same meaning, different bytes).
pub fn reserialize(policy: &str) -> String {
    let Ok(mut doc) = serde_json::from_str::<Value>(policy) else {
        return policy.to_string();
    };
    if let Some(Value::Array(statements)) = doc.get_mut("Statement") {
        statements.reverse();
    }
    let sorted = sort_keys(doc);
    serde_json::to_string_pretty(&sorted).unwrap_or_else(|_| policy.to_string())
}

fn sort_keys(value: Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| (k, sort_keys(v)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.into_iter().map(sort_keys).collect()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_default_policy() {
        validate(&default_policy("111122223333")).unwrap();
    }

    #[test]
    fn rejects_malformed_documents() {
        for bad in [
            "not json",
            "[]",
            r#"{"Statement": []}"#,
            r#"{"Version": "2012-10-17"}"#,
            r#"{"Version": "2012-10-17", "Statement": []}"#,
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Maybe", "Principal": "*"}]}"#,
            r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow"}]}"#,
        ] {
            assert_eq!(
                validate(bad).unwrap_err().code,
                KmsErrorCode::MalformedPolicyDocumentException,
                "{bad}"
            );
        }
        let huge = format!(
            r#"{{"Version": "2012-10-17", "Statement": [], "Pad": "{}"}}"#,
            "x".repeat(MAX_POLICY_BYTES)
        );
        assert_eq!(
            validate(&huge).unwrap_err().code,
            KmsErrorCode::ValidationException
        );
    }

    #[test]
    fn reserialized_policy_has_the_same_meaning_but_not_the_same_bytes() {
        let original = r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Principal":"*","Action":"kms:*","Resource":"*"},{"Sid":"B","Effect":"Deny","Principal":"*","Action":"kms:Decrypt","Resource":"*"}]}"#;
        let returned = reserialize(original);
        assert_ne!(returned, original);
        let doc: Value = serde_json::from_str(&returned).unwrap();
        assert_eq!(doc["Statement"][0]["Sid"], "B");
        assert_eq!(doc["Statement"][1]["Sid"], "A");
    }
}
