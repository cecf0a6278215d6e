# Inputs of the gcp-workspace-key module.

variable "workspace_id" {
  description = "The wrkspc_... id of the workspace the key protects (attaching is permanent)"
}

variable "project" {
  description = "Google Cloud project that holds the key ring"
}

variable "key_name" {
  description = "Name of the crypto key"
}

variable "location" {
  description = "Single-region US location of the key ring (not us or global)"
  default     = "us-east5"
}

variable "key_ring" {
  description = "Key ring name"
  default     = "anthropic-cmek"
}

variable "protection_level" {
  description = "HSM (recommended) or SOFTWARE"
  default     = "HSM"
}

variable "rotation_period" {
  description = "Rotation schedule, e.g. 90d"
  default     = "90d"
}

variable "labels" {
  description = "Labels for the key"
  default     = {}
}

variable "display_name" {
  description = "Display name of the registration at Anthropic"
  default     = "Anthropic CMEK"
}
