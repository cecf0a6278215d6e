# Claude Enterprise: one key for the whole organization. There are no workspaces to attach.

anthropic {
  organization_uuid = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
  platform          = "claude_enterprise"
}

provider "aws" {
  region = "us-east-2"
}

key "aws" "org" {
  region      = "us-east-2"
  alias       = "alias/anthropic-cmek-enterprise"
  description = "Anthropic CMEK (Claude Enterprise)"
}

external_key "org" {
  key          = key.aws.org
  display_name = "Organization CMEK"
  geo          = "us"
}
