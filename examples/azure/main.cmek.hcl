# Azure Key Vault: an RSA-HSM 3072-bit key in a vault in eastus2.
#
# The vault must use RBAC authorization, have purge protection on and public network access
# enabled. Before the first apply, create the service principal of Anthropic's app:
#   az ad sp create --id 8635ae1a-3e5d-44e8-a4ed-e0f614466f87

anthropic {
  organization_uuid = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
  platform          = "claude_platform"
}

provider "azure" {
  tenant_id       = "063624e3-d285-48ca-a9e8-6d687767a0b1"
  subscription_id = "7a2f66f2-d7c7-4375-8601-1b7c9d4f3aba"
}

# cmek assigns "Key Vault Crypto User" on this key only, restricts its operations to
# wrapKey/unwrapKey, and adds the anthropic-org-<uuid> tag (keeping the tags below).
key "azure" "prod" {
  vault_uri = "https://acme-cmek-eastus2.vault.azure.net/"
  tenant_id = "063624e3-d285-48ca-a9e8-6d687767a0b1"
  name      = "claude"
  key_type  = "RSA-HSM" # needs a Premium vault; "RSA" works in a Standard vault
  key_size  = 3072      # 3072 bits or more

  tags = {
    team = "security"
  }
}

external_key "prod" {
  key          = key.azure.prod
  display_name = "Production CMEK (Key Vault)"
  geo          = "us"
}

workspace "prod" {
  id           = "wrkspc_01JwfKtHF4vUCsMehGAkWvj7FA"
  external_key = external_key.prod
}
