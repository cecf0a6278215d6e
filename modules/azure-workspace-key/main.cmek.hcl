# One Key Vault key, its registration at Anthropic, and the workspace it protects.
# A module holds no anthropic, backend or provider block: those come from the calling config.

key "azure" "main" {
  vault_uri = var.vault_uri
  tenant_id = var.tenant_id
  name      = var.key_name
  key_type  = var.key_type
  key_size  = var.key_size
  tags      = var.tags
}

external_key "main" {
  key          = key.azure.main
  display_name = var.display_name
  geo          = "us"
}

workspace "main" {
  id           = var.workspace_id
  external_key = external_key.main
}
