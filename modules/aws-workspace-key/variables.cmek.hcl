# Inputs of the aws-workspace-key module.

variable "workspace_id" {
  description = "The wrkspc_... id of the workspace the key protects (attaching is permanent)"
}

variable "alias" {
  description = "KMS alias of the key, e.g. alias/anthropic-cmek-analytics"
}

variable "region" {
  description = "AWS region of the key; US regions only"
  default     = "us-east-2"
}

variable "description" {
  description = "KMS key description"
  default     = "Anthropic CMEK"
}

variable "rotation_period_days" {
  description = "Automatic rotation period, 90 to 2560 days"
  default     = 365
}

variable "tags" {
  description = "Tags for the key"
  default     = {}
}

variable "display_name" {
  description = "Display name of the registration at Anthropic"
  default     = "Anthropic CMEK"
}
