//! CMEK-AZ-009: a crypto role assignment whose scope is wider than the key. See `RULE.docs`.

use super::Hit;
use crate::lint::facts::Ctx;
use crate::lint::finding::{RuleMeta, Severity};
use crate::lint::subject::Subject;

pub const RULE: RuleMeta = RuleMeta {
    id: "CMEK-AZ-009",
    summary: "Key Vault crypto role assigned at a scope wider than the key",
    severity: Severity::Error,
    suppressible: true,
    section: "§6",
    remedy: "Scope the `Key Vault Crypto User` assignment to the key \
             (`scope = azurerm_key_vault_key.cmek.resource_versionless_id`).",
    docs: "## What it does\nFlags `Key Vault Crypto User` (and `Key Vault Crypto Service \
Encryption User`) role assignments that reach the key through its vault, resource group, \
subscription or management group, in Terraform plans.\n\n## Why it matters\nThe docs scope \
Anthropic's role assignment to the individual key (`<vault id>/keys/<key name>`). A wider scope \
lets the assignee wrap and unwrap with every key in the vault (or group, or subscription), \
including keys that have nothing to do with Anthropic.\n\n## Example\n```hcl\nresource \
\"azurerm_role_assignment\" \"anthropic\" {\n  scope                = azurerm_key_vault.cmek.id\n  \
role_definition_name = \"Key Vault Crypto User\"\n  principal_id         = \
data.azuread_service_principal.anthropic.object_id\n}\n```\n\n## Fix\n`scope = \
azurerm_key_vault_key.cmek.resource_versionless_id`. If a wider assignment is for your own \
administrators, suppress this finding with that reason.\n\n## Source\ndomain/anthropic-cmek.md \
§6 (role assignment scoped to the individual key).\n",
};

pub fn check(s: &Subject, _cx: &Ctx, out: &mut Vec<Hit>) {
    let Subject::Azure(z) = s else { return };
    for g in z.role_assignments.iter().filter(|g| g.scope_level != "key") {
        out.push(Hit::new(
            format!(
                "`{}` assigns `{}` at {} scope (`{}`), which covers every key in it, not only \
                 this one",
                g.resource, g.role, g.scope_level, g.scope
            ),
            g.location.clone(),
        ));
    }
}
