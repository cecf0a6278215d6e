//! TEST DOUBLE of `PolicyOracle` — not the policy library.
//!
//! It renders the documented policy shapes (`domain/anthropic-cmek.md` §4–6) and evaluates
//! Anthropic's requests with a deliberately small evaluator: Allow statements only, exact
//! actions or `kms:*`, `StringEquals` / `StringEqualsIfExists` on encryption-context keys. That
//! is enough to drive the plan core's decisions in tests and benches; the real evaluator lives
//! in `src/policy/` and is wired in by the engine.

#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use cmek::plan::input::{
    AccessDoc, AnthropicRequests, AzureAccess, AzureRoleAssignment, CompartmentStatus, Decision,
    DesiredAccessInput, Flip, GcpAccess, ORG_LABEL_PREFIX, PolicyOracle,
};
use cmek::spec::model::{KeyKind, Platform};
use serde_json::{Value, json};

pub const ANTHROPIC_ROLE: &str = "arn:aws:iam::915198916910:role/anthropic-cmek-client-us";
pub const CPA_PRINCIPAL: &str = "aws-external-anthropic.amazonaws.com";
pub const GCP_SA: &str =
    "serviceAccount:anthropic-cmek-client-us@gcp-anthropic-cmek-clients.iam.gserviceaccount.com";
pub const AZURE_SP: &str = "anthropic-cmek-client-us-sp";
pub const ZERO: &str = "00000000-0000-0000-0000-000000000000";
const ORG_KEY: &str = "kms:EncryptionContext:anthropic:org_uuid";
const COMPARTMENT_KEY: &str = "kms:EncryptionContext:anthropic:compartment_uuid";

#[derive(Debug, Default, Clone, Copy)]
pub struct TestOracle;

/// One simulated Anthropic request.
struct Request {
    label: String,
    action: &'static str,
    org: Option<String>,
    compartment: Option<String>,
}

fn requests(r: &AnthropicRequests) -> Vec<Request> {
    let mut out = Vec::new();
    for org in &r.org_uuids {
        if r.validation {
            out.push(Request {
                label: format!("kms:DescribeKey (validation, org {org})"),
                action: "kms:DescribeKey",
                org: None,
                compartment: None,
            });
            for action in ["kms:Encrypt", "kms:Decrypt"] {
                out.push(Request {
                    label: format!("{action} (validation, org {org})"),
                    action,
                    org: Some(org.clone()),
                    compartment: Some(ZERO.to_string()),
                });
            }
        }
        for w in &r.workspaces {
            let actions: &[&'static str] = match w.status {
                CompartmentStatus::FormerlyAttached => &["kms:Decrypt"],
                _ => &["kms:Encrypt", "kms:Decrypt"],
            };
            for action in actions {
                out.push(Request {
                    label: format!(
                        "{action} for {} (compartment {}, org {org})",
                        w.workspace_id, w.compartment_uuid
                    ),
                    action,
                    org: Some(org.clone()),
                    compartment: Some(w.compartment_uuid.clone()),
                });
            }
        }
    }
    out
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(a) => a
            .iter()
            .filter_map(|x| x.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    }
}

fn aws_allows(policy: &Value, principal: &str, req: &Request) -> Result<(), String> {
    let statements = policy
        .get("Statement")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let mut why = "no statement grants it".to_string();
    for st in statements {
        if st.get("Effect").and_then(Value::as_str) != Some("Allow") {
            continue;
        }
        let principals: Vec<String> = st
            .get("Principal")
            .map(|p| {
                let mut v = strings(p.get("AWS").unwrap_or(&Value::Null));
                v.extend(strings(p.get("Service").unwrap_or(&Value::Null)));
                v
            })
            .unwrap_or_default();
        if !principals.iter().any(|p| p == principal) {
            continue;
        }
        let actions = strings(st.get("Action").unwrap_or(&Value::Null));
        if !actions.iter().any(|a| a == req.action || a == "kms:*") {
            continue;
        }
        let sid = st.get("Sid").and_then(Value::as_str).unwrap_or("?");
        let no_condition = json!({});
        let cond = st.get("Condition").unwrap_or(&no_condition);
        let ctx = |k: &str| -> Option<&String> {
            match k {
                ORG_KEY => req.org.as_ref(),
                COMPARTMENT_KEY => req.compartment.as_ref(),
                _ => None,
            }
        };
        let mut ok = true;
        if let Some(eq) = cond.get("StringEquals").and_then(Value::as_object) {
            for (k, v) in eq {
                if !ctx(k).is_some_and(|c| strings(v).contains(c)) {
                    ok = false;
                    why = format!("{sid}: {k} not allowed");
                }
            }
        }
        if let Some(eq) = cond.get("StringEqualsIfExists").and_then(Value::as_object) {
            for (k, v) in eq {
                if let Some(c) = ctx(k)
                    && !strings(v).contains(c)
                {
                    ok = false;
                    why = format!("{sid}: {k} {c} not listed");
                }
            }
        }
        if ok {
            return Ok(());
        }
    }
    Err(why)
}

fn decide(doc: &AccessDoc, platform: Platform, req: &Request) -> Result<(), String> {
    match doc {
        AccessDoc::AwsPolicy(p) => {
            let principal = if platform == Platform::ClaudePlatformAws {
                CPA_PRINCIPAL
            } else {
                ANTHROPIC_ROLE
            };
            aws_allows(p, principal, req)
        }
        AccessDoc::GcpBindings(g) => {
            let role = if req.action == "kms:DescribeKey" {
                "roles/cloudkms.viewer"
            } else {
                "roles/cloudkms.cryptoKeyEncrypterDecrypter"
            };
            if !g.bindings.get(role).is_some_and(|m| m.contains(GCP_SA)) {
                return Err(format!("no {role} binding"));
            }
            if let Some(org) = &req.org
                && !g.org_labels.contains(&format!("{ORG_LABEL_PREFIX}{org}"))
            {
                return Err(format!("no org label for {org}"));
            }
            Ok(())
        }
        AccessDoc::AzureAssignment(a) => {
            if !a
                .role_assignments
                .iter()
                .any(|r| r.role == "Key Vault Crypto User" && r.principal_id == AZURE_SP)
            {
                return Err("no Key Vault Crypto User assignment".to_string());
            }
            let op = match req.action {
                "kms:Encrypt" => Some("wrapKey"),
                "kms:Decrypt" => Some("unwrapKey"),
                _ => None,
            };
            if let Some(op) = op
                && !a.key_ops.contains(op)
            {
                return Err(format!("key operation {op} not permitted"));
            }
            if let Some(org) = &req.org
                && !a.org_tags.contains(&format!("{ORG_LABEL_PREFIX}{org}"))
            {
                return Err(format!("no org tag for {org}"));
            }
            Ok(())
        }
    }
}

/// Sorts arrays of scalars, orders statements by Sid, and turns one-element lists into strings.
fn canonical(v: &Value) -> Value {
    match v {
        Value::Array(a) => {
            let mut items: Vec<Value> = a.iter().map(canonical).collect();
            if items.len() == 1 && items[0].is_string() {
                return items.remove(0);
            }
            items.sort_by_key(|x| {
                x.get("Sid")
                    .and_then(Value::as_str)
                    .map(String::from)
                    .unwrap_or_else(|| x.to_string())
            });
            Value::Array(items)
        }
        Value::Object(o) => {
            Value::Object(o.iter().map(|(k, x)| (k.clone(), canonical(x))).collect())
        }
        other => other.clone(),
    }
}

fn flatten(prefix: &str, v: &Value, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(o) => {
            for (k, x) in o {
                flatten(&format!("{prefix}.{k}"), x, out);
            }
        }
        Value::Array(a) => {
            for x in a {
                flatten(prefix, x, out);
            }
        }
        other => {
            let s = other
                .as_str()
                .map(String::from)
                .unwrap_or_else(|| other.to_string());
            out.insert(format!("{}: {s}", prefix.trim_start_matches('.')));
        }
    }
}

fn statements_by_sid(doc: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let mut out = BTreeMap::new();
    if let Some(list) = canonical(doc).get("Statement") {
        let list = match list {
            Value::Array(a) => a.clone(),
            other => vec![other.clone()],
        };
        for st in list {
            let sid = st
                .get("Sid")
                .and_then(Value::as_str)
                .unwrap_or("(no Sid)")
                .to_string();
            let mut lines = BTreeSet::new();
            let mut body = st.clone();
            if let Some(o) = body.as_object_mut() {
                o.remove("Sid");
            }
            flatten("", &body, &mut lines);
            out.insert(sid, lines);
        }
    }
    out
}

fn set_diff(title: &str, a: &BTreeSet<String>, b: &BTreeSet<String>, out: &mut Vec<String>) {
    for x in b.difference(a) {
        out.push(format!("+ {title}: {x}"));
    }
    for x in a.difference(b) {
        out.push(format!("- {title}: {x}"));
    }
}

impl PolicyOracle for TestOracle {
    fn render_desired_access(&self, input: &DesiredAccessInput<'_>) -> AccessDoc {
        let orgs = input.org_uuids.to_vec();
        match &input.key.kind {
            KeyKind::Aws(a) => {
                if let Some(policy) = &a.policy {
                    return AccessDoc::AwsPolicy(policy.clone());
                }
                let account = input.aws_account.unwrap_or("111122223333");
                let (principal, crypto_sid, describe_sid, actions) =
                    if input.platform == Platform::ClaudePlatformAws {
                        (
                            json!({"Service": CPA_PRINCIPAL}),
                            "AllowClaudePlatformOnAWSCrypto",
                            "AllowClaudePlatformOnAWSDescribe",
                            json!(["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"]),
                        )
                    } else {
                        (
                            json!({"AWS": ANTHROPIC_ROLE}),
                            "AllowAnthropicCMEKCrypto",
                            "AllowAnthropicCMEKDescribe",
                            json!(["kms:Encrypt", "kms:Decrypt"]),
                        )
                    };
                let mut compartments: Vec<String> = vec![ZERO.to_string()];
                compartments.extend(
                    input
                        .compartments
                        .iter()
                        .map(|c| c.compartment_uuid.clone()),
                );
                compartments.sort();
                compartments.dedup();
                let mut condition = json!({"StringEquals": {ORG_KEY: orgs}});
                if a.compartment_scoping {
                    condition["StringEqualsIfExists"] = json!({COMPARTMENT_KEY: compartments});
                }
                let mut statements = vec![
                    json!({"Sid": "AccountRootAdmin", "Effect": "Allow",
                           "Principal": {"AWS": format!("arn:aws:iam::{account}:root")},
                           "Action": "kms:*", "Resource": "*"}),
                    json!({"Sid": crypto_sid, "Effect": "Allow", "Principal": principal,
                           "Action": actions, "Resource": "*", "Condition": condition}),
                    json!({"Sid": describe_sid, "Effect": "Allow", "Principal": principal,
                           "Action": "kms:DescribeKey", "Resource": "*"}),
                ];
                if input.protects_pre_current_data {
                    let served: Vec<&str> = input
                        .compartments
                        .iter()
                        .filter(|c| c.status != CompartmentStatus::AboutToAttach)
                        .map(|c| c.compartment_uuid.as_str())
                        .collect();
                    statements.push(json!({"Sid": "AllowAnthropicCMEKDecryptExistingData",
                        "Effect": "Allow", "Principal": {"AWS": ANTHROPIC_ROLE},
                        "Action": "kms:Decrypt", "Resource": "*",
                        "Condition": {"StringEquals": {COMPARTMENT_KEY: served}}}));
                }
                AccessDoc::AwsPolicy(json!({"Version": "2012-10-17", "Statement": statements}))
            }
            KeyKind::Gcp(_) => {
                let mut bindings = BTreeMap::new();
                for role in [
                    "roles/cloudkms.cryptoKeyEncrypterDecrypter",
                    "roles/cloudkms.viewer",
                ] {
                    bindings.insert(role.to_string(), BTreeSet::from([GCP_SA.to_string()]));
                }
                AccessDoc::GcpBindings(GcpAccess {
                    bindings,
                    org_labels: orgs
                        .iter()
                        .map(|o| format!("{ORG_LABEL_PREFIX}{o}"))
                        .collect(),
                })
            }
            KeyKind::Azure(z) => AccessDoc::AzureAssignment(AzureAccess {
                role_assignments: BTreeSet::from([AzureRoleAssignment {
                    role: "Key Vault Crypto User".to_string(),
                    principal_id: AZURE_SP.to_string(),
                    scope: format!("{}keys/{}", z.vault_uri, z.name),
                }]),
                key_ops: BTreeSet::from(["wrapKey".to_string(), "unwrapKey".to_string()]),
                org_tags: orgs
                    .iter()
                    .map(|o| format!("{ORG_LABEL_PREFIX}{o}"))
                    .collect(),
            }),
        }
    }

    fn canonical_eq(&self, a: &AccessDoc, b: &AccessDoc) -> bool {
        match (a, b) {
            (AccessDoc::AwsPolicy(x), AccessDoc::AwsPolicy(y)) => canonical(x) == canonical(y),
            _ => a == b,
        }
    }

    fn statement_diff(&self, a: &AccessDoc, b: &AccessDoc) -> Vec<String> {
        let mut out = Vec::new();
        match (a, b) {
            (AccessDoc::AwsPolicy(x), AccessDoc::AwsPolicy(y)) => {
                let (sa, sb) = (statements_by_sid(x), statements_by_sid(y));
                let sids: BTreeSet<&String> = sa.keys().chain(sb.keys()).collect();
                for sid in sids {
                    match (sa.get(sid), sb.get(sid)) {
                        (None, Some(_)) => out.push(format!("+ statement {sid}")),
                        (Some(_), None) => out.push(format!("- statement {sid}")),
                        (Some(p), Some(q)) if p != q => {
                            set_diff(&format!("statement {sid}"), p, q, &mut out)
                        }
                        _ => {}
                    }
                }
            }
            (AccessDoc::GcpBindings(x), AccessDoc::GcpBindings(y)) => {
                let flat = |g: &GcpAccess| -> BTreeSet<String> {
                    g.bindings
                        .iter()
                        .flat_map(|(r, ms)| ms.iter().map(move |m| format!("{r} {m}")))
                        .collect()
                };
                set_diff("binding", &flat(x), &flat(y), &mut out);
                set_diff("label", &x.org_labels, &y.org_labels, &mut out);
            }
            (AccessDoc::AzureAssignment(x), AccessDoc::AzureAssignment(y)) => {
                let flat = |z: &AzureAccess| -> BTreeSet<String> {
                    z.role_assignments
                        .iter()
                        .map(|r| format!("{} to {} on {}", r.role, r.principal_id, r.scope))
                        .collect()
                };
                set_diff("role assignment", &flat(x), &flat(y), &mut out);
                set_diff("key operation", &x.key_ops, &y.key_ops, &mut out);
                set_diff("tag", &x.org_tags, &y.org_tags, &mut out);
            }
            _ => out.push("~ access document type changed".to_string()),
        }
        out
    }

    fn narrowed(
        &self,
        old: &AccessDoc,
        new: &AccessDoc,
        requests_in: &AnthropicRequests,
    ) -> Vec<Flip> {
        let mut out = Vec::new();
        for req in requests(requests_in) {
            let before = decide(old, requests_in.platform, &req);
            let after = decide(new, requests_in.platform, &req);
            let d = |r: &Result<(), String>| {
                if r.is_ok() {
                    Decision::Allow
                } else {
                    Decision::Deny
                }
            };
            let (db, da) = (d(&before), d(&after));
            if db != da {
                let reason = after.err().or(before.err()).unwrap_or_default();
                out.push(Flip {
                    request: req.label,
                    old: db,
                    new: da,
                    reason,
                });
            }
        }
        out
    }

    fn bound_org_uuids(&self, doc: &AccessDoc) -> BTreeSet<String> {
        match doc {
            AccessDoc::AwsPolicy(p) => {
                let mut out = BTreeSet::new();
                for st in p
                    .get("Statement")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if let Some(v) = st
                        .pointer("/Condition/StringEquals")
                        .and_then(|c| c.get(ORG_KEY))
                    {
                        out.extend(strings(v));
                    }
                }
                out
            }
            AccessDoc::GcpBindings(g) => g
                .org_labels
                .iter()
                .filter_map(|l| l.strip_prefix(ORG_LABEL_PREFIX).map(String::from))
                .collect(),
            AccessDoc::AzureAssignment(a) => a
                .org_tags
                .iter()
                .filter_map(|l| l.strip_prefix(ORG_LABEL_PREFIX).map(String::from))
                .collect(),
        }
    }
}
