
# The key itself: an RSA key of 3072 bits or more in Azure Key Vault. The vault must use RBAC
# authorization, have purge protection on and public network access enabled; create it in a
# US region (northcentralus or eastus2 are recommended). RSA-HSM needs a Premium vault.
# cmek assigns "Key Vault Crypto User" on this key only to Anthropic's service principal,
# limits the key to wrapKey/unwrapKey, and adds the organization tag.
key "azure" "main" {
  vault_uri = "https://my-cmek-vault.vault.azure.net/" # TODO: your vault
  tenant_id = "11111111-1111-4111-8111-111111111111"   # TODO: the vault's tenant
  name      = "claude"
  key_type  = "RSA-HSM"
  key_size  = 3072

  tags = {
    managed-by = "cmek"
  }
}
