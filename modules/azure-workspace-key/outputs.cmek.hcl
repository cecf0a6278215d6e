# Outputs of the azure-workspace-key module.

output "workspace_id" {
  description = "The protected workspace"
  value       = workspace.main.id
}

output "vault_uri" {
  description = "Vault that holds the key"
  value       = key.azure.main.vault_uri
}

output "key_name" {
  description = "Name of the key in the vault"
  value       = key.azure.main.name
}

output "display_name" {
  description = "Display name of the registration at Anthropic"
  value       = external_key.main.display_name
}
