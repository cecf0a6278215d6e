
# The key itself: a symmetric, single-region AWS KMS key in a US region. cmek writes its key
# policy for you: your account keeps full control, and Anthropic gets encrypt/decrypt only for
# your organization (and, with compartment_scoping, only for the workspaces attached to it).
key "aws" "main" {
  region      = "us-east-2"
  alias       = "alias/anthropic-cmek"
  description = "Anthropic CMEK"
  rotation    = true # yearly automatic rotation; transparent to Anthropic

  # Optional: a rotation period in days (90 to 2560), and the principals that administer
  # the key (default: your account root).
  # rotation_period_days = 365
  # admins = ["arn:aws:iam::111122223333:role/KeyAdmin"]

  compartment_scoping = true

  tags = {
    managed-by = "cmek"
  }
}
