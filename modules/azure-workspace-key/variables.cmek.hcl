# Inputs of the azure-workspace-key module.

variable "workspace_id" {
  description = "The wrkspc_... id of the workspace the key protects (attaching is permanent)"
}

variable "vault_uri" {
  description = "https://<vault>.vault.azure.net/ of a vault in a US region"
}

variable "tenant_id" {
  description = "Tenant that governs the vault"
}

variable "key_name" {
  description = "Name of the key in the vault"
}

variable "key_type" {
  description = "RSA-HSM (Premium vault) or RSA"
  default     = "RSA-HSM"
}

variable "key_size" {
  description = "RSA key size in bits, 3072 or more"
  default     = 3072
}

variable "tags" {
  description = "Tags for the key"
  default     = {}
}

variable "display_name" {
  description = "Display name of the registration at Anthropic"
  default     = "Anthropic CMEK"
}
