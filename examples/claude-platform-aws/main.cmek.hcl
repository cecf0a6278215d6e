# Claude Platform on AWS: Anthropic's access comes from the AWS service principal
# aws-external-anthropic.amazonaws.com instead of a role in Anthropic's account.

anthropic {
  organization_uuid = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
  platform          = "claude_platform_aws"
}

provider "aws" {
  region = "us-east-2"
}

# The key must live in the same AWS account and region as the workspaces it protects.
key "aws" "main" {
  region      = "us-east-2"
  alias       = "alias/anthropic-cmek-platform-aws"
  description = "Anthropic CMEK (Claude Platform on AWS)"
}

# On this platform the key is referred to by its key ARN (not an alias ARN) and validated when
# it is attached; there is no separate ekey_ registration or validate call.
external_key "main" {
  key          = key.aws.main
  display_name = "Platform on AWS CMEK"
  geo          = "us"
}

workspace "main" {
  id           = "wrkspc_01Jwc9QeWJKY40uvSwMFLZDe1f"
  external_key = external_key.main
}
