//! The review of an Azure Key Vault key: the role assignment, key operations and organization
//! tags cmek manages, described, simulated against Anthropic's requests, and searched for other
//! principals that can wrap or unwrap.
//!
//! Offline unknowns: the vault's resource group (shown as [`PLACEHOLDER_RESOURCE_GROUP`]) and
//! the object id of Anthropic's service principal in the tenant (shown as
//! [`PLACEHOLDER_PRINCIPAL`]); both are looked up in Azure at plan time.

use std::collections::BTreeMap;

use crate::policy::azure::eval::{AzureKeyAccess, AzureKeyState};
use crate::policy::describe::describe_azure_access;
use crate::policy::identities::identities;
use crate::policy::render::azure::{AzureAccessInput, render_azure_access};
use crate::policy::simulate::{azure_key_users, azure_requests, simulate};
use crate::spec::model::{AzureKeySpec, AzureKeyType, Desired, KeySpec};

use super::ReviewError;
use super::aws::platform_cell;
use super::facts::KeyFacts;
use super::markdown::ReviewDoc;

pub const PLACEHOLDER_RESOURCE_GROUP: &str = "(resource-group)";
pub const PLACEHOLDER_PRINCIPAL: &str = "(anthropic-service-principal-object-id)";
pub const PLACEHOLDER_SUBSCRIPTION: &str = "(subscription)";

/// The vault's name: the first label of the vault URI's host.
fn vault_name(vault_uri: &str) -> String {
    let rest = vault_uri
        .strip_prefix("https://")
        .or_else(|| vault_uri.strip_prefix("http://"))
        .unwrap_or(vault_uri);
    rest.split(['.', '/']).next().unwrap_or(rest).to_string()
}

/// The review file of one Azure key.
pub fn review(
    desired: &Desired,
    key: &KeySpec,
    spec: &AzureKeySpec,
    facts: &KeyFacts,
) -> Result<ReviewDoc, ReviewError> {
    let ids = identities()?;
    let orgs = facts.org_uuids();
    let subscription = desired
        .providers
        .azure
        .as_ref()
        .map(|p| p.subscription_id.clone())
        .unwrap_or_else(|| PLACEHOLDER_SUBSCRIPTION.to_string());
    let vault = vault_name(&spec.vault_uri);
    let vault_resource_id = format!(
        "/subscriptions/{subscription}/resourceGroups/{PLACEHOLDER_RESOURCE_GROUP}/providers/Microsoft.KeyVault/vaults/{vault}"
    );
    let input = AzureAccessInput::from_spec(
        spec,
        &vault_resource_id,
        PLACEHOLDER_PRINCIPAL,
        orgs.clone(),
    );
    let required =
        render_azure_access(&input).map_err(|e| ReviewError::key(&key.address, e.to_string()))?;
    let mut tags: BTreeMap<String, String> = spec.tags.clone();
    tags.extend(required.tags.clone());
    let access = AzureKeyAccess {
        key_resource_id: input.key_resource_id(),
        assignments: vec![required.role_assignment.clone()],
        key: AzureKeyState {
            enabled: true,
            key_ops: required.key_ops.clone(),
            tags: tags.clone(),
        },
    };

    let mut header = vec![
        ("Address".to_string(), format!("`{}`", key.address)),
        ("Cloud".into(), "Azure Key Vault".into()),
        ("Vault".into(), format!("`{}`", spec.vault_uri)),
        ("Platform".into(), platform_cell(desired.anthropic.platform)),
        ("Tenant".into(), format!("`{}`", spec.tenant_id)),
        ("Key name".into(), format!("`{}`", spec.name)),
        (
            "Key type".into(),
            match spec.key_type {
                AzureKeyType::Rsa => format!("RSA {} bits (software)", spec.key_size),
                AzureKeyType::RsaHsm => format!("RSA-HSM {} bits", spec.key_size),
            },
        ),
        (
            "Anthropic's app".into(),
            format!(
                "{} (client id `{}`)",
                ids.azure.display_name, ids.azure.client_id
            ),
        ),
    ];
    if let Some(id) = &facts.remote_id {
        header.push(("Key id".into(), format!("`{id}`")));
    }
    let all_tags: Vec<String> = tags.iter().map(|(k, v)| format!("`{k}={v}`")).collect();
    header.push(("Tags".into(), all_tags.join(", ")));

    let mut notes = vec![
        format!(
            "the vault's resource group: shown as `{PLACEHOLDER_RESOURCE_GROUP}` in resource ids"
        ),
        format!(
            "the object id of Anthropic's service principal in tenant `{}`: shown as `{PLACEHOLDER_PRINCIPAL}`",
            spec.tenant_id
        ),
    ];
    if desired.providers.azure.is_none() {
        notes.push(format!(
            "the subscription: shown as `{PLACEHOLDER_SUBSCRIPTION}` (no `provider \"azure\"` block)"
        ));
    }

    let access_lines = describe_azure_access(&access)
        .into_iter()
        .map(|l| l.text)
        .collect();
    let report = simulate(&access, &azure_requests(PLACEHOLDER_PRINCIPAL, &orgs)?);
    let anyone_else = azure_key_users(&access, PLACEHOLDER_PRINCIPAL)
        .iter()
        .map(|a| {
            format!(
                "`{}`: {} at `{}`",
                a.principal_id,
                a.role_display(),
                a.scope
            )
        })
        .collect();

    let policy = serde_json::json!({
        "role_assignment": required.role_assignment,
        "key_ops": required.key_ops,
        "tags": tags,
    });
    let doc = ReviewDoc {
        address: key.address.to_string(),
        header,
        notes,
        access: access_lines,
        requests: Some(report),
        not_simulated: Vec::new(),
        anyone_else,
        anyone_else_note: Some(
            "Offline, only the role assignment cmek manages is known; assignments inherited from the vault, resource group or subscription are not shown.".into(),
        ),
        policy_title: "Role assignment, key operations and tags (canonical form)".into(),
        policy_json: serde_json::to_string_pretty(&policy).unwrap_or_default(),
        ..ReviewDoc::default()
    };
    Ok(doc)
}
