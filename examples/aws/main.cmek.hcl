# AWS KMS in depth: administrators from a variable, tags from locals, a custom rotation
# period, compartment scoping, and the blocks that change what cmek manages.

anthropic {
  organization_uuid = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
  platform          = "claude_platform"
  api_key_env       = "ANTHROPIC_ADMIN_API_KEY"
}

backend "local" {
  path = "cmek.state.json"
}

provider "aws" {
  region = "us-east-2"
  # profile = "security-admin"
}

# Who administers the key besides the account root (which always keeps full control, so the
# key can never become unmanageable).
variable "admins" {
  description = "IAM principals that administer the CMEK key"
  default = [
    "arn:aws:iam::111122223333:role/KeyAdmin",
    "arn:aws:iam::111122223333:role/BreakGlass",
  ]
}

locals {
  tags = {
    team        = "security"
    cost-center = "4711"
    managed-by  = "cmek"
  }
}

key "aws" "prod" {
  region               = "us-east-2"
  alias                = "alias/anthropic-cmek-prod"
  description          = "Anthropic CMEK (production)"
  rotation             = true
  rotation_period_days = 180 # 90 to 2560; AWS's default is 365
  admins               = var.admins
  multi_region         = false # multi-region keys are not supported by Anthropic

  # On (the default): Anthropic may only use the key for the compartments of the workspaces
  # it is, was, or is about to be attached to, plus the all-zeros compartment that key
  # validation uses. cmek keeps that list complete, so no workspace ever loses access.
  compartment_scoping = true

  tags = local.tags
}

external_key "prod" {
  key          = key.aws.prod
  display_name = "Production CMEK"
  geo          = "us"
}

workspace "prod" {
  id           = "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ"
  external_key = external_key.prod
}

workspace "batch" {
  id           = "wrkspc_01JwisAjIhKtJ0RlgLKOmxgJTe"
  external_key = external_key.prod
}

# A workspace that used to be declared here. Deleting its block alone would be refused
# (SAFE003: it is attached to a key); this block says "stop managing it" explicitly. Nothing
# changes remotely: the workspace stays attached, and the key keeps its compartment.
removed {
  from = workspace.legacy
}

# Adopting a key that already exists instead of creating one (uncomment, then `cmek plan`):
# import {
#   to = key.aws.prod
#   id = "arn:aws:kms:us-east-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"
# }
