# Reusable modules: two workspaces, each with its own AWS KMS key, from one module.
# `source` is relative to this config directory.

anthropic {
  organization_uuid = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
  platform          = "claude_platform"
}

backend "local" {
  path = "cmek.state.json"
}

# Modules have no provider blocks; they use this one.
provider "aws" {
  region = "us-east-2"
}

module "analytics" {
  source       = "../../modules/aws-workspace-key"
  workspace_id = "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ"
  alias        = "alias/anthropic-cmek-analytics"
  display_name = "Analytics CMEK"
  tags = {
    team = "analytics"
  }
}

module "support" {
  source               = "../../modules/aws-workspace-key"
  workspace_id         = "wrkspc_01Jw8rESQedUStPKR0CsTy4Qwb"
  alias                = "alias/anthropic-cmek-support"
  display_name         = "Support CMEK"
  rotation_period_days = 180
}

output "analytics_workspace" {
  value = module.analytics.workspace_id
}

output "support_key_alias" {
  value = module.support.key_alias
}
