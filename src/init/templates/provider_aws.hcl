
# AWS credentials come from the usual places (environment, ~/.aws, SSO, instance role).
provider "aws" {
  # Anthropic runs CMEK operations in US regions only; us-east-2 is the recommended one.
  region = "us-east-2"

  # Optional: a named profile from ~/.aws/config.
  # profile = "security-admin"
}
