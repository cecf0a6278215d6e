//! Terraform plan JSON (`terraform show -json plan.out`, or of a state) → [`Subject`]s.
//!
//! Resources are read from `planned_values` (else `values`), recursively through child
//! modules. Links between resources (a key policy to its key, an IAM member to its crypto key,
//! a key to its vault, a role assignment to its scope) are taken from the known value when the
//! plan has it, and otherwise from the `configuration` section's expression references, which
//! is what a plan has for ids that are only known after apply. Every finding points at the
//! line of the resource's `"address"` in the plan file.

use std::collections::BTreeMap;

use serde_json::Value;

use super::engine::LintOptions;
use super::finding::{InputError, Location};
use super::input::{infer_account, sniff_platform};
use super::subject::{
    AwsSubject, AzureRoleGrant, AzureSubject, AzureVault, GcpSubject, Subject, WideBinding,
};
use crate::policy::aws::parse_policy_text;
use crate::policy::gcp::iam::{Binding, IamPolicy};
use crate::policy::identities::identities;
use crate::spec::model::GcpProtectionLevel;

/// Whether a JSON document is Terraform's JSON output (plan or state).
pub fn is_terraform_json(v: &Value) -> bool {
    v.get("planned_values").is_some()
        || v.get("resource_changes").is_some()
        || (v.get("format_version").is_some()
            && v.get("values").and_then(|x| x.get("root_module")).is_some())
}

/// One resource of the plan.
#[derive(Debug, Clone)]
struct Resource {
    address: String,
    kind: String,
    values: Value,
    location: Location,
    /// attribute name → addresses it references (from `configuration`), module prefix applied
    /// and attribute suffixes (`.id`, `.arn`) kept.
    refs: BTreeMap<String, Vec<String>>,
}

impl Resource {
    fn str(&self, name: &str) -> Option<String> {
        self.values
            .get(name)
            .and_then(Value::as_str)
            .map(str::to_string)
    }

    fn bool(&self, name: &str) -> Option<bool> {
        self.values.get(name).and_then(Value::as_bool)
    }

    fn strings(&self, name: &str) -> Option<Vec<String>> {
        self.values.get(name).and_then(Value::as_array).map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
    }

    fn string_map(&self, name: &str) -> Option<BTreeMap<String, String>> {
        self.values.get(name).and_then(Value::as_object).map(|o| {
            o.iter()
                .filter_map(|(k, v)| v.as_str().map(|s| (k.clone(), s.to_string())))
                .collect()
        })
    }

    /// Does attribute `attr` point at `target` (a resource address), by reference or by value?
    fn points_at(&self, attr: &str, target: &Resource, target_ids: &[&str]) -> bool {
        let by_ref = self.refs.get(attr).is_some_and(|rs| {
            rs.iter()
                .any(|r| r == &target.address || r.starts_with(&format!("{}.", target.address)))
        });
        let by_value = self.str(attr).is_some_and(|v| {
            target_ids
                .iter()
                .filter_map(|id| target.str(id))
                .any(|t| t == v)
        });
        by_ref || by_value
    }
}

/// The resource's address without an index (`aws_kms_key.k[0]` → `aws_kms_key.k`), which is
/// how `configuration` names it.
fn config_address(address: &str) -> String {
    let mut out = String::with_capacity(address.len());
    let mut depth = 0;
    for c in address.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth -= 1,
            c if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

/// Where `"address": "<address>"` is written in `text`.
fn locate_address(name: &str, text: &str, address: &str) -> Location {
    let quoted = match serde_json::to_string(address) {
        Ok(q) => q,
        Err(_) => return Location::file_start(name),
    };
    for (i, line) in text.lines().enumerate() {
        let mut from = 0;
        while let Some(p) = line[from..].find(&quoted) {
            let at = from + p;
            let before = line[..at].trim_end();
            if let Some(rest) = before.strip_suffix(':')
                && rest.trim_end().ends_with("\"address\"")
            {
                let key_col = line[..at].rfind("\"address\"").unwrap_or(at);
                let col = line[..key_col].chars().count() + 1;
                return Location::new(name, (i + 1) as u32, col as u32);
            }
            from = at + quoted.len();
        }
    }
    Location::file_start(name)
}

fn collect_module(module: &Value, name: &str, text: &str, out: &mut Vec<Resource>) {
    for r in module
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if r.get("mode").and_then(Value::as_str) == Some("data") {
            continue;
        }
        let (Some(address), Some(kind)) = (
            r.get("address").and_then(Value::as_str),
            r.get("type").and_then(Value::as_str),
        ) else {
            continue;
        };
        out.push(Resource {
            address: address.to_string(),
            kind: kind.to_string(),
            values: r.get("values").cloned().unwrap_or(Value::Null),
            location: locate_address(name, text, address),
            refs: BTreeMap::new(),
        });
    }
    for child in module
        .get("child_modules")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        collect_module(child, name, text, out);
    }
}

/// `configuration` references: config address → attribute → referenced addresses.
fn collect_refs(
    module: &Value,
    prefix: &str,
    out: &mut BTreeMap<String, BTreeMap<String, Vec<String>>>,
) {
    for r in module
        .get("resources")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(address) = r.get("address").and_then(Value::as_str) else {
            continue;
        };
        let mut attrs = BTreeMap::new();
        if let Some(exprs) = r.get("expressions").and_then(Value::as_object) {
            for (attr, e) in exprs {
                let refs: Vec<String> = e
                    .get("references")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(|s| format!("{prefix}{s}"))
                    .collect();
                if !refs.is_empty() {
                    attrs.insert(attr.clone(), refs);
                }
            }
        }
        out.insert(format!("{prefix}{address}"), attrs);
    }
    if let Some(calls) = module.get("module_calls").and_then(Value::as_object) {
        for (call, body) in calls {
            if let Some(m) = body.get("module") {
                collect_refs(m, &format!("{prefix}module.{call}."), out);
            }
        }
    }
}

/// The AWS provider's region from the configuration, when it is a constant.
fn aws_region(v: &Value) -> Option<String> {
    v.pointer("/configuration/provider_config/aws/expressions/region/constant_value")
        .and_then(Value::as_str)
        .map(str::to_string)
}

/// Add the subjects of one Terraform JSON document to `subjects`.
pub fn collect(
    name: &str,
    text: &str,
    v: &Value,
    opts: &LintOptions,
    subjects: &mut Vec<Subject>,
    errors: &mut Vec<InputError>,
) {
    let root = v
        .pointer("/planned_values/root_module")
        .or_else(|| v.pointer("/values/root_module"));
    let Some(root) = root else {
        errors.push(InputError {
            location: Location::file_start(name),
            message: "Terraform JSON without `planned_values` or `values`: run \
                      `terraform show -json plan.out`"
                .into(),
        });
        return;
    };
    let mut resources = Vec::new();
    collect_module(root, name, text, &mut resources);
    let mut refs = BTreeMap::new();
    if let Some(cfg) = v.pointer("/configuration/root_module") {
        collect_refs(cfg, "", &mut refs);
    }
    for r in &mut resources {
        if let Some(a) = refs.get(&config_address(&r.address)) {
            r.refs = a.clone();
        }
    }
    let orgs: Vec<String> = opts.org_uuid.iter().cloned().collect();
    let region = opts.region.clone().or_else(|| aws_region(v));
    aws_subjects(&resources, region, &orgs, subjects, errors);
    gcp_subjects(&resources, &orgs, subjects);
    azure_subjects(&resources, &orgs, subjects);
}

fn of_kind<'a>(rs: &'a [Resource], kind: &'a str) -> impl Iterator<Item = &'a Resource> + 'a {
    rs.iter().filter(move |r| r.kind == kind)
}

fn aws_subjects(
    rs: &[Resource],
    region: Option<String>,
    orgs: &[String],
    subjects: &mut Vec<Subject>,
    errors: &mut Vec<InputError>,
) {
    let policies: Vec<&Resource> = of_kind(rs, "aws_kms_key_policy").collect();
    let mut used = vec![false; policies.len()];
    let mut parse = |r: &Resource, text: &str| match parse_policy_text(text) {
        Ok(p) => Some(p.document),
        Err(e) => {
            errors.push(InputError {
                location: r.location.clone(),
                message: format!(
                    "{}: invalid key policy at {}: {}",
                    r.address, e.path, e.message
                ),
            });
            None
        }
    };
    for key in of_kind(rs, "aws_kms_key") {
        let mut policy = key.str("policy").and_then(|t| parse(key, &t));
        let mut policy_origin = key.location.clone();
        for (i, p) in policies.iter().enumerate() {
            if p.points_at("key_id", key, &["key_id", "arn", "id"]) {
                used[i] = true;
                if let Some(doc) = p.str("policy").and_then(|t| parse(p, &t)) {
                    policy = Some(doc);
                    policy_origin = p.location.clone();
                }
            }
        }
        let arn = key.str("arn");
        let key_region = arn
            .as_deref()
            .and_then(|a| a.split(':').nth(3))
            .map(str::to_string)
            .or_else(|| region.clone());
        subjects.push(Subject::Aws(AwsSubject {
            address: Some(key.address.clone()),
            origin: key.location.clone(),
            policy_origin,
            platform: policy
                .as_ref()
                .map(sniff_platform)
                .unwrap_or(crate::spec::model::Platform::ClaudePlatform),
            account_id: policy.as_ref().and_then(infer_account),
            policy,
            statement_locations: Vec::new(),
            policy_file: None,
            rendered: false,
            region: key_region,
            key_id: arn.or_else(|| key.str("key_id")),
            multi_region: key.bool("multi_region"),
            rotation: key.bool("enable_key_rotation"),
            key_spec: key.str("customer_master_key_spec"),
            key_usage: key.str("key_usage"),
            key_state: key
                .bool("is_enabled")
                .map(|on| if on { "Enabled" } else { "Disabled" }.to_string()),
            org_uuids: orgs.to_vec(),
            served: Vec::new(),
        }));
    }
    // Key policies whose key is not in the plan: lint the document alone.
    for (p, _) in policies.iter().zip(used).filter(|(_, u)| !u) {
        let Some(doc) = p.str("policy").and_then(|t| parse(p, &t)) else {
            continue;
        };
        subjects.push(Subject::Aws(AwsSubject {
            address: None,
            origin: p.location.clone(),
            policy_origin: p.location.clone(),
            platform: sniff_platform(&doc),
            account_id: infer_account(&doc),
            policy: Some(doc),
            statement_locations: Vec::new(),
            policy_file: None,
            rendered: false,
            region: region.clone(),
            key_id: None,
            multi_region: None,
            rotation: None,
            key_spec: None,
            key_usage: None,
            key_state: None,
            org_uuids: orgs.to_vec(),
            served: Vec::new(),
        }));
    }
}

/// The members a GCP IAM resource grants, with its role (`_member`, `_binding`, `_policy`).
fn iam_grants(r: &Resource) -> Vec<Binding> {
    if r.kind.ends_with("_iam_member") {
        match (r.str("role"), r.str("member")) {
            (Some(role), Some(m)) => vec![Binding::new(role, vec![m])],
            _ => Vec::new(),
        }
    } else if r.kind.ends_with("_iam_binding") {
        match (r.str("role"), r.strings("members")) {
            (Some(role), Some(ms)) => vec![Binding::new(role, ms)],
            _ => Vec::new(),
        }
    } else if r.kind.ends_with("_iam_policy") {
        r.str("policy_data")
            .and_then(|t| IamPolicy::from_json(&t).ok())
            .map(|p| p.bindings)
            .unwrap_or_default()
    } else {
        Vec::new()
    }
}

fn is_iam_kind(kind: &str, base: &str) -> bool {
    ["_iam_member", "_iam_binding", "_iam_policy"]
        .iter()
        .any(|s| kind == format!("{base}{s}"))
}

/// `projects/p/locations/l/keyRings/r[/cryptoKeys/k]` → (project, location, ring).
fn parse_ring_id(id: &str) -> Option<(String, String, String)> {
    let parts: Vec<&str> = id.split('/').collect();
    match parts.as_slice() {
        ["projects", p, "locations", l, "keyRings", r, ..] => {
            Some((p.to_string(), l.to_string(), r.to_string()))
        }
        _ => None,
    }
}

fn rotation_seconds(s: &str) -> Option<u64> {
    s.strip_suffix('s')
        .and_then(|n| n.split('.').next())
        .and_then(|n| n.parse().ok())
}

fn gcp_subjects(rs: &[Resource], orgs: &[String], subjects: &mut Vec<Subject>) {
    let member = identities().ok().map(|i| i.gcp.member.clone());
    let rings: Vec<&Resource> = of_kind(rs, "google_kms_key_ring").collect();
    let keys: Vec<&Resource> = of_kind(rs, "google_kms_crypto_key").collect();
    let key_iam: Vec<&Resource> = rs
        .iter()
        .filter(|r| is_iam_kind(&r.kind, "google_kms_crypto_key"))
        .collect();
    let single_key = keys.len() == 1;
    for key in &keys {
        let ring = rings
            .iter()
            .find(|ring| key.points_at("key_ring", ring, &["id"]))
            .copied();
        let from_id = key.str("key_ring").as_deref().and_then(parse_ring_id);
        let location = ring
            .and_then(|r| r.str("location"))
            .or_else(|| from_id.as_ref().map(|(_, l, _)| l.clone()));
        let project = ring
            .and_then(|r| r.str("project"))
            .or_else(|| from_id.as_ref().map(|(p, _, _)| p.clone()));
        // Bindings on the key itself.
        let mut bindings = Vec::new();
        let mut binding_locations = Vec::new();
        for r in &key_iam {
            let linked = r.points_at("crypto_key_id", key, &["id"]) || single_key;
            if !linked {
                continue;
            }
            for b in iam_grants(r) {
                bindings.push(b);
                binding_locations.push(r.location.clone());
            }
        }
        let has_key_iam = !binding_locations.is_empty();
        // Grants to Anthropic above the key: its project, its key ring.
        let mut wide = Vec::new();
        if let Some(member) = &member {
            for r in rs {
                let level = if is_iam_kind(&r.kind, "google_project") {
                    let same = match (r.str("project"), &project) {
                        (Some(a), Some(b)) => &a == b,
                        _ => true,
                    };
                    if !same {
                        continue;
                    }
                    "project"
                } else if is_iam_kind(&r.kind, "google_kms_key_ring") {
                    let same = ring.is_some_and(|ring| r.points_at("key_ring_id", ring, &["id"]))
                        || rings.len() <= 1;
                    if !same {
                        continue;
                    }
                    "key ring"
                } else {
                    continue;
                };
                for b in iam_grants(r) {
                    if b.members.iter().any(|m| m == member) {
                        wide.push(WideBinding {
                            level,
                            resource: r.address.clone(),
                            role: b.role.clone(),
                            member: member.clone(),
                            location: r.location.clone(),
                        });
                    }
                }
            }
        }
        let labels = key.string_map("labels");
        let protection_level = key
            .values
            .pointer("/version_template/0/protection_level")
            .and_then(Value::as_str)
            .and_then(|p| match p {
                "HSM" => Some(GcpProtectionLevel::Hsm),
                "SOFTWARE" => Some(GcpProtectionLevel::Software),
                _ => None,
            });
        subjects.push(Subject::Gcp(GcpSubject {
            address: Some(key.address.clone()),
            origin: key.location.clone(),
            location,
            // The default protection level is SOFTWARE when no template says otherwise.
            protection_level: protection_level.or(Some(GcpProtectionLevel::Software)),
            rotation_period_seconds: key
                .str("rotation_period")
                .as_deref()
                .and_then(rotation_seconds),
            labels,
            iam: has_key_iam.then_some(IamPolicy {
                version: None,
                etag: None,
                bindings,
            }),
            binding_locations,
            purpose: key.str("purpose"),
            wide_bindings: wide,
            org_uuids: orgs.to_vec(),
        }));
    }
}

/// How wide an Azure scope is.
fn scope_level(scope: &str) -> &'static str {
    let lc = scope.to_ascii_lowercase();
    if lc.contains("/providers/microsoft.keyvault/vaults/") && lc.contains("/keys/") {
        "key"
    } else if lc.contains("/providers/microsoft.keyvault/vaults/") {
        "vault"
    } else if lc.contains("/providers/microsoft.management/managementgroups/") {
        "management group"
    } else if lc.contains("/resourcegroups/") {
        "resource group"
    } else if lc.starts_with("/subscriptions/") {
        "subscription"
    } else {
        "unknown"
    }
}

/// The roles that let a principal use a key for wrap/unwrap: an assignment of one of these
/// wider than the key gives Anthropic (or whoever holds it) every key in the scope.
const CRYPTO_ROLES: &[&str] = &[
    "Key Vault Crypto User",
    "Key Vault Crypto Service Encryption User",
];

fn azure_subjects(rs: &[Resource], orgs: &[String], subjects: &mut Vec<Subject>) {
    let vaults: Vec<&Resource> = of_kind(rs, "azurerm_key_vault").collect();
    let assignments: Vec<&Resource> = of_kind(rs, "azurerm_role_assignment").collect();
    let crypto_role_id = identities()
        .ok()
        .map(|i| i.azure.role_definition_id.to_ascii_lowercase());
    for key in of_kind(rs, "azurerm_key_vault_key") {
        let vault = vaults
            .iter()
            .find(|v| key.points_at("key_vault_id", v, &["id"]))
            .copied()
            .or_else(|| (vaults.len() == 1).then(|| vaults[0]));
        let vault_facts = vault.map(|v| AzureVault {
            name: v.address.clone(),
            location: v.location.clone(),
            rbac_authorization: v
                .bool("rbac_authorization_enabled")
                .or_else(|| v.bool("enable_rbac_authorization")),
            purge_protection: v.bool("purge_protection_enabled"),
            public_network_access: v.bool("public_network_access_enabled"),
            network_default_action: v
                .values
                .pointer("/network_acls/0/default_action")
                .and_then(Value::as_str)
                .map(str::to_string),
        });
        let mut grants = Vec::new();
        for ra in &assignments {
            let role = ra.str("role_definition_name").or_else(|| {
                ra.str("role_definition_id").and_then(|id| {
                    let guid = id.rsplit('/').next().unwrap_or(&id).to_ascii_lowercase();
                    (Some(guid) == crypto_role_id).then(|| "Key Vault Crypto User".to_string())
                })
            });
            let Some(role) = role.filter(|r| CRYPTO_ROLES.contains(&r.as_str())) else {
                continue;
            };
            let (level, scope) = if ra.points_at(
                "scope",
                key,
                &[
                    "id",
                    "resource_versionless_id",
                    "resource_id",
                    "versionless_id",
                ],
            ) {
                ("key", key.address.clone())
            } else if let Some(v) = vault.filter(|v| ra.points_at("scope", v, &["id"])) {
                ("vault", v.address.clone())
            } else if let Some(s) = ra.str("scope") {
                let level = scope_level(&s);
                let contains = match (level, vault.and_then(|v| v.str("id"))) {
                    ("key", _) => false, // some other key, by value
                    (_, Some(vid)) => vid
                        .to_ascii_lowercase()
                        .starts_with(&s.to_ascii_lowercase()),
                    // Unknown vault id: a subscription, group or management group scope may
                    // hold it.
                    (l, None) => l != "vault" && l != "unknown",
                };
                if !contains {
                    continue;
                }
                (level, s)
            } else if let Some(r) = ra.refs.get("scope").and_then(|r| r.first()) {
                let level = if r.contains("azurerm_resource_group") {
                    "resource group"
                } else if r.contains("azurerm_subscription") {
                    "subscription"
                } else if r.contains("azurerm_management_group") {
                    "management group"
                } else {
                    continue;
                };
                (level, r.clone())
            } else {
                continue;
            };
            grants.push(AzureRoleGrant {
                resource: ra.address.clone(),
                role,
                scope_level: level,
                scope,
                location: ra.location.clone(),
            });
        }
        subjects.push(Subject::Azure(AzureSubject {
            address: Some(key.address.clone()),
            origin: key.location.clone(),
            key_type: key.str("key_type"),
            key_size: key
                .values
                .get("key_size")
                .and_then(Value::as_u64)
                .and_then(|n| u32::try_from(n).ok()),
            key_ops: key.strings("key_opts"),
            tags: key.string_map("tags"),
            vault: vault_facts,
            role_assignments: grants,
            org_uuids: orgs.to_vec(),
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_address_drops_indexes() {
        assert_eq!(config_address("aws_kms_key.k[0]"), "aws_kms_key.k");
        assert_eq!(
            config_address("module.m[\"a\"].aws_kms_key.k"),
            "module.m.aws_kms_key.k"
        );
    }

    #[test]
    fn scope_levels() {
        let v = "/subscriptions/s/resourceGroups/g/providers/Microsoft.KeyVault/vaults/v";
        assert_eq!(scope_level(v), "vault");
        assert_eq!(scope_level(&format!("{v}/keys/k")), "key");
        assert_eq!(
            scope_level("/subscriptions/s/resourceGroups/g"),
            "resource group"
        );
        assert_eq!(scope_level("/subscriptions/s"), "subscription");
    }

    #[test]
    fn locates_the_address_key() {
        let text = "{\n  \"x\": \"aws_kms_key.k\",\n    \"address\": \"aws_kms_key.k\"\n}";
        assert_eq!(
            locate_address("p.json", text, "aws_kms_key.k"),
            Location::new("p.json", 3, 5)
        );
    }
}
