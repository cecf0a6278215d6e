# Outputs of the gcp-workspace-key module.

output "workspace_id" {
  description = "The protected workspace"
  value       = workspace.main.id
}

output "key_location" {
  description = "Location of the key ring"
  value       = key.gcp.main.location
}

output "key_ring" {
  description = "Key ring of the key"
  value       = key.gcp.main.key_ring
}

output "display_name" {
  description = "Display name of the registration at Anthropic"
  value       = external_key.main.display_name
}
