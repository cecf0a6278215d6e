# Quickstart: one AWS KMS key, registered at Anthropic, protecting two workspaces.

anthropic {
  organization_uuid = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
  platform          = "claude_platform"
}

backend "local" {
  path = "cmek.state.json"
}

provider "aws" {
  region = "us-east-2"
}

# A symmetric, single-region key; cmek renders its key policy (account root as admin,
# encrypt/decrypt for Anthropic bound to the organization and the attached workspaces).
key "aws" "quickstart" {
  region      = "us-east-2"
  alias       = "alias/anthropic-cmek-quickstart"
  description = "Anthropic CMEK (quickstart)"
}

# The key's registration at Anthropic.
external_key "quickstart" {
  key          = key.aws.quickstart
  display_name = "Quickstart CMEK"
  geo          = "us"
}

# Both workspaces use the same key. Attaching is permanent: cmek attaches only after the
# key has passed its round-trip verification in the same run.
workspace "research" {
  id           = "wrkspc_01JwQvzr7rXLA5AGx3HKfFUJ"
  external_key = external_key.quickstart
}

workspace "support" {
  id           = "wrkspc_01JwfJBd0Kh8oOOL8dKLzdocJ2"
  external_key = external_key.quickstart
}
