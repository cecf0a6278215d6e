//! A KMS request as the key-policy evaluator sees it: principal, action, key, and the request
//! context (condition keys and their values).
//!
//! Invariant: context keys are stored lowercased (IAM condition keys are case-insensitive), so
//! `kms:EncryptionContext:Anthropic:Org_UUID` in a policy finds `anthropic:org_uuid` in the
//! request; values keep their case (they compare case-sensitively unless the operator says
//! otherwise).

use std::collections::BTreeMap;

use super::principal::RequestPrincipal;

/// `kms:EncryptionContext:` prefix, lowercased.
pub const EC_PREFIX_LC: &str = "kms:encryptioncontext:";
/// `kms:EncryptionContextKeys`, lowercased.
pub const EC_KEYS_LC: &str = "kms:encryptioncontextkeys";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub principal: RequestPrincipal,
    /// As the caller writes it, e.g. `kms:Encrypt`.
    pub action: String,
    /// Lowercased once (actions match case-insensitively).
    pub action_lc: String,
    /// The key's ARN.
    pub resource: String,
    /// Encryption context pairs as sent (for display), in the order added.
    pub encryption_context: Vec<(String, String)>,
    context: BTreeMap<String, Vec<String>>,
}

impl Request {
    /// A request with the principal-derived keys filled in: `aws:PrincipalArn`,
    /// `aws:PrincipalAccount`, `aws:PrincipalType`, `kms:CallerAccount` for IAM identities,
    /// `aws:PrincipalServiceName` for service principals.
    pub fn new(
        principal: RequestPrincipal,
        action: impl Into<String>,
        key_arn: impl Into<String>,
    ) -> Self {
        let action = action.into();
        let mut r = Request {
            action_lc: action.to_ascii_lowercase(),
            action,
            resource: key_arn.into(),
            encryption_context: Vec::new(),
            context: BTreeMap::new(),
            principal,
        };
        let ptype = r.principal.principal_type();
        r.context
            .insert("aws:principaltype".into(), vec![ptype.to_string()]);
        match r.principal.clone() {
            RequestPrincipal::Aws { arn, account } => {
                r.context.insert("aws:principalarn".into(), vec![arn]);
                if !account.is_empty() {
                    r.context
                        .insert("aws:principalaccount".into(), vec![account.clone()]);
                    r.context.insert("kms:calleraccount".into(), vec![account]);
                }
            }
            RequestPrincipal::Service(name) => {
                r.context
                    .insert("aws:principalservicename".into(), vec![name]);
            }
        }
        r
    }

    /// Adds one encryption-context pair: sets `kms:EncryptionContext:<key>` and appends the key
    /// to `kms:EncryptionContextKeys`.
    pub fn with_encryption_context(mut self, key: &str, value: &str) -> Self {
        self.encryption_context
            .push((key.to_string(), value.to_string()));
        self.context.insert(
            format!("{EC_PREFIX_LC}{}", key.to_ascii_lowercase()),
            vec![value.to_string()],
        );
        self.context
            .entry(EC_KEYS_LC.to_string())
            .or_default()
            .push(key.to_string());
        self
    }

    /// Sets a single-valued context key (replacing any value).
    pub fn with(mut self, key: &str, value: &str) -> Self {
        self.context
            .insert(key.to_ascii_lowercase(), vec![value.to_string()]);
        self
    }

    /// Sets a multivalued context key.
    pub fn with_values(mut self, key: &str, values: &[&str]) -> Self {
        self.context.insert(
            key.to_ascii_lowercase(),
            values.iter().map(|v| v.to_string()).collect(),
        );
        self
    }

    /// Removes a context key.
    pub fn without(mut self, key: &str) -> Self {
        self.context.remove(&key.to_ascii_lowercase());
        self
    }

    /// Values of a (lowercased) context key; empty when the key is missing.
    pub fn get(&self, key_lc: &str) -> &[String] {
        self.context.get(key_lc).map(Vec::as_slice).unwrap_or(&[])
    }

    /// All context keys and values (lowercased keys), sorted.
    pub fn context(&self) -> impl Iterator<Item = (&str, &[String])> {
        self.context.iter().map(|(k, v)| (k.as_str(), v.as_slice()))
    }

    /// `kms:Encrypt with {anthropic:org_uuid=..., ...}` for messages.
    pub fn summary(&self) -> String {
        let mut s = format!("{} {}", self.principal.display(), self.action);
        if !self.encryption_context.is_empty() {
            let pairs: Vec<String> = self
                .encryption_context
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            s.push_str(&format!(
                " with encryption context {{{}}}",
                pairs.join(", ")
            ));
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_keys_are_case_insensitive_values_are_not() {
        let r = Request::new(
            RequestPrincipal::aws("arn:aws:iam::915198916910:role/anthropic-cmek-client-us"),
            "kms:Encrypt",
            "arn:aws:kms:us-east-2:111122223333:key/k",
        )
        .with_encryption_context("Anthropic:Org_UUID", "ABC");
        assert_eq!(r.get("kms:encryptioncontext:anthropic:org_uuid"), ["ABC"]);
        assert_eq!(r.get(EC_KEYS_LC), ["Anthropic:Org_UUID"]);
        assert_eq!(r.get("kms:calleraccount"), ["915198916910"]);
    }
}
