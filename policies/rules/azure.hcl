# Azure rules written in HCL (see src/lint/hcl_rules.rs and policies/rules/README.md). `assert`
# must be true for a compliant key; facts the input does not give are null, and a rule about a
# null fact passes. Vault facts (`key.vault_*`) come from Terraform plans; findings about them
# point at the vault.

rule "CMEK-AZ-003" {
  summary      = "Azure key is not an RSA key"
  severity     = "error"
  applies_to   = "azure_key"
  suppressible = false
  section      = "§6"
  assert       = key.key_type == null || contains(["RSA", "RSA-HSM"], key.key_type)
  message      = "key type `${coalesce(key.key_type, "")}`: Anthropic needs an RSA key (`RSA` or `RSA-HSM`, 3072 bits or more)"
  remedy       = "Create an `RSA-HSM` (or `RSA`) key of 3072 bits or more; symmetric and EC keys are not supported."
  docs         = <<-EOT
    ## What it does
    Checks Azure keys are RSA keys (`RSA` or `RSA-HSM`).

    ## Why it matters
    Anthropic wraps its data keys with RSA-OAEP-256 (`wrapKey` / `unwrapKey`). Symmetric
    (`oct`, `oct-HSM`) and elliptic-curve (`EC`, `EC-HSM`) keys are not supported and fail
    validation.

    ## Example
    ```hcl
    resource "azurerm_key_vault_key" "cmek" {
      key_type = "EC"
    }
    ```

    ## Fix
    `key_type = "RSA-HSM"` (Premium vault or Managed HSM) or `"RSA"`, `key_size = 3072`.

    ## Source
    domain/anthropic-cmek.md §6 (key: RSA, 3072 bits or larger; symmetric keys not supported).
  EOT
}

rule "CMEK-AZ-004" {
  summary      = "Azure key allows operations beyond wrapKey and unwrapKey"
  severity     = "warning"
  applies_to   = "azure_key"
  suppressible = true
  section      = "§6"
  assert       = length(azure_extra_key_ops(key.key_ops)) == 0
  message      = "the key also allows ${join(", ", azure_extra_key_ops(key.key_ops))}; Anthropic needs only wrapKey and unwrapKey"
  remedy       = "Limit the key's operations to `wrapKey` and `unwrapKey` (`key_opts = [\"wrapKey\", \"unwrapKey\"]`)."
  docs         = <<-EOT
    ## What it does
    Flags Azure keys whose permitted operations (`key_opts`) include anything besides `wrapKey`
    and `unwrapKey`.

    ## Why it matters
    The docs limit a CMEK key to wrapping and unwrapping. Extra operations (`encrypt`,
    `decrypt`, `sign`, `verify`) widen what anyone holding a role on the key can do with it.

    ## Example
    ```hcl
    resource "azurerm_key_vault_key" "cmek" {
      key_opts = ["decrypt", "encrypt", "sign", "unwrapKey", "verify", "wrapKey"]
    }
    ```

    ## Fix
    `key_opts = ["wrapKey", "unwrapKey"]`.

    ## Source
    domain/anthropic-cmek.md §6 (allowed operations limited to `wrapKey` and `unwrapKey`).
  EOT
}

rule "CMEK-AZ-005" {
  summary      = "Key Vault does not use RBAC authorization"
  severity     = "error"
  applies_to   = "azure_key"
  suppressible = false
  section      = "§6"
  assert       = key.vault_rbac_authorization != false
  message      = "vault `${key.vault}` uses access policies, not RBAC: the `Key Vault Crypto User` role assignment for Anthropic has no effect"
  remedy       = "Turn on RBAC authorization on the vault (`enable_rbac_authorization = true`, or `rbac_authorization_enabled = true` in azurerm 4.x)."
  docs         = <<-EOT
    ## What it does
    Checks the vault holding the key has RBAC authorization on.

    ## Why it matters
    Anthropic's access is a `Key Vault Crypto User` role assignment on the key. A vault in
    access-policy mode ignores role assignments, so Anthropic's wrap/unwrap calls are denied and
    validation fails.

    ## Example
    ```hcl
    resource "azurerm_key_vault" "cmek" {
      enable_rbac_authorization = false
    }
    ```

    ## Fix
    `enable_rbac_authorization = true` (azurerm 3.x) or `rbac_authorization_enabled = true`
    (azurerm 4.x).

    ## Source
    domain/anthropic-cmek.md §6 (vault: RBAC authorization on).
  EOT
}

rule "CMEK-AZ-006" {
  summary      = "Key Vault purge protection is off"
  severity     = "error"
  applies_to   = "azure_key"
  suppressible = false
  section      = "§1, §6"
  assert       = key.vault_purge_protection != false
  message      = "vault `${key.vault}` has purge protection off: a deleted key can be purged and the data it protects lost for good"
  remedy       = "Set `purge_protection_enabled = true` on the vault (it cannot be turned off again)."
  docs         = <<-EOT
    ## What it does
    Checks the vault holding the key has purge protection on.

    ## Why it matters
    Anthropic keeps no copy of the key: if it is deleted and purged, CMEK-protected data is lost
    for good. Purge protection keeps a deleted key recoverable for the retention period, and the
    docs require it.

    ## Example
    ```hcl
    resource "azurerm_key_vault" "cmek" {
      purge_protection_enabled = false
    }
    ```

    ## Fix
    `purge_protection_enabled = true`.

    ## Source
    domain/anthropic-cmek.md §1 (irreversible), §6 (vault: purge protection on).
  EOT
}

rule "CMEK-AZ-007" {
  summary      = "Key Vault is private only (public network access off)"
  severity     = "error"
  applies_to   = "azure_key"
  suppressible = false
  section      = "§6"
  assert       = key.vault_public_network_access != false
  message      = "vault `${key.vault}` has public network access off: Anthropic cannot reach it through private endpoints"
  remedy       = "Set `public_network_access_enabled = true`; restrict access with a firewall that allows Anthropic's egress ranges instead."
  docs         = <<-EOT
    ## What it does
    Flags vaults with public network access disabled (private endpoints only).

    ## Why it matters
    Private endpoints are not supported: Anthropic reaches the vault over its public endpoint.
    A private-only vault returns `cmek_key_network_blocked` and validation fails.

    ## Example
    ```hcl
    resource "azurerm_key_vault" "cmek" {
      public_network_access_enabled = false
    }
    ```

    ## Fix
    `public_network_access_enabled = true`, with `network_acls { default_action = "Deny" }`
    and Anthropic's egress ranges in `ip_rules` if the vault must be firewalled.

    ## Source
    domain/anthropic-cmek.md §6 (vault: public network access enabled; private endpoints not
    supported), §7 (`cmek_key_network_blocked`).
  EOT
}

rule "CMEK-AZ-008" {
  summary      = "Key Vault firewall denies by default"
  severity     = "warning"
  applies_to   = "azure_key"
  suppressible = true
  section      = "§6"
  assert       = key.vault_network_default_action != "Deny"
  message      = "vault `${key.vault}` firewall denies by default: it must allow Anthropic's egress ranges"
  remedy       = "Add Anthropic's published egress ranges to the vault's `network_acls.ip_rules`, then suppress this finding with the reason."
  docs         = <<-EOT
    ## What it does
    Flags vaults whose firewall (`network_acls.default_action`) is `Deny`.

    ## Why it matters
    A firewalled vault works only if it allows Anthropic's egress ranges; otherwise every
    request fails with `cmek_key_network_blocked`. cmek cannot see whether the allowed ranges are
    Anthropic's, so it asks for a reviewed suppression.

    ## Example
    ```hcl
    resource "azurerm_key_vault" "cmek" {
      network_acls {
        default_action = "Deny"
        bypass         = "AzureServices"
      }
    }
    ```

    ## Fix
    Allow Anthropic's egress ranges in `ip_rules` and suppress with
    `# cmek:ignore CMEK-AZ-008 Anthropic egress ranges allowed`.

    ## Source
    domain/anthropic-cmek.md §6 (firewall with `defaultAction: Deny` must allow Anthropic's
    egress ranges), §7.
  EOT
}
