
# On Claude Platform on AWS the key is not registered separately: Anthropic refers to it by
# its key ARN and validates it when it is attached. The key must be in the same AWS account
# and region as the workspace.
external_key "main" {
  key          = key.aws.main
  display_name = "Anthropic CMEK"
  geo          = "us"
}
