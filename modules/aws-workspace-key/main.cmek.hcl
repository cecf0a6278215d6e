# One AWS KMS key, its registration at Anthropic, and the workspace it protects.
# A module holds no anthropic, backend or provider block: those come from the calling config.

key "aws" "main" {
  region               = var.region
  alias                = var.alias
  description          = var.description
  rotation             = true
  rotation_period_days = var.rotation_period_days
  compartment_scoping  = true
  tags                 = var.tags
}

external_key "main" {
  key          = key.aws.main
  display_name = var.display_name
  geo          = "us"
}

workspace "main" {
  id           = var.workspace_id
  external_key = external_key.main
}
