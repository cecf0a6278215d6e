# Outputs of the aws-workspace-key module.

output "workspace_id" {
  description = "The protected workspace"
  value       = workspace.main.id
}

output "key_alias" {
  description = "KMS alias of the key"
  value       = key.aws.main.alias
}

output "key_region" {
  description = "AWS region of the key"
  value       = key.aws.main.region
}

output "display_name" {
  description = "Display name of the registration at Anthropic"
  value       = external_key.main.display_name
}
