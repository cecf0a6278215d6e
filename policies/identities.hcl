# Anthropic's published CMEK identities (production, US) and the AWS key-policy shapes the docs
# published over time. Pinned data: every value traces to domain/anthropic-cmek.md, which
# summarizes platform.claude.com/docs/en/manage-claude/cmek* as published June-November 2026.
# `docs` says which docs version a value comes from.

docs_version = "2026-11"

aws {
  # Claude Platform and Claude Enterprise: Anthropic's IAM role (domain §2).
  role_arn   = "arn:aws:iam::915198916910:role/anthropic-cmek-client-us"
  account_id = "915198916910"
  # Claude Platform on AWS: AWS service principal, no Anthropic account involved (domain §2, §4).
  service_principal = "aws-external-anthropic.amazonaws.com"
  # Encryption-context keys Anthropic sends (domain §4).
  org_context_key         = "anthropic:org_uuid"
  compartment_context_key = "anthropic:compartment_uuid"
  # Key validation runs before attachment and sends this compartment (domain §4, 22 July 2026).
  validation_compartment = "00000000-0000-0000-0000-000000000000"
  # Each validation leaves this many expected access-denied CloudTrail entries, with this
  # `associatedData` encryption-context value (base64 of "cmek-validation") (domain §4).
  validation_associated_data    = "Y21lay12YWxpZGF0aW9u"
  validation_expected_denials   = 4
  # Workspace ARN shape for the optional aws:SourceArn condition (Claude Platform on AWS).
  workspace_arn_format = "arn:aws:aws-external-anthropic:<region>:<account-id>:workspace/<workspace-id>"
  docs = "2026-11"
}

gcp {
  service_account = "anthropic-cmek-client-us@gcp-anthropic-cmek-clients.iam.gserviceaccount.com"
  member          = "serviceAccount:anthropic-cmek-client-us@gcp-anthropic-cmek-clients.iam.gserviceaccount.com"
  roles           = ["roles/cloudkms.cryptoKeyEncrypterDecrypter", "roles/cloudkms.viewer"]
  label_prefix    = "anthropic-org-"
  max_labels      = 64
  docs            = "2026-11"
}

azure {
  client_id          = "8635ae1a-3e5d-44e8-a4ed-e0f614466f87"
  display_name       = "anthropic-cmek-client-us"
  role_name          = "Key Vault Crypto User"
  # Built-in role definition id of "Key Vault Crypto User" (same in every tenant).
  role_definition_id = "12338af0-0e69-4776-bea7-57ae8d297424"
  key_ops            = ["wrapKey", "unwrapKey"]
  tag_prefix         = "anthropic-org-"
  max_tags           = 15
  docs               = "2026-11"
}

# How AllowAnthropicCMEKCrypto's condition changed (domain §4). Eras are in order.
era "june_2026" {
  from  = "2026-06-01"
  until = "2026-07-21"
  # none | required
  org_condition = "none"
  # none | optional
  compartment_condition = "optional"
  compartment_operator  = "StringEquals"
  # The compartment key validation sends: the workspace's own, or the all-zeros UUID.
  validation_compartment = "workspace"
  compartment_list_must_include_all_zeros = false
  validation_sends_org = false
  docs = "June 2026"
}

era "july_2026" {
  from  = "2026-07-22"
  # The docs changed again "around August 2026"; the exact day is not published.
  until = "2026-08-31"
  org_condition = "none"
  compartment_condition = "optional"
  compartment_operator  = "StringEquals"
  validation_compartment = "all_zeros"
  compartment_list_must_include_all_zeros = true
  validation_sends_org = false
  docs = "22 July 2026"
}

era "current" {
  from  = "2026-09-01"
  until = ""
  org_condition = "required"
  compartment_condition = "optional"
  compartment_operator  = "StringEqualsIfExists"
  validation_compartment = "all_zeros"
  compartment_list_must_include_all_zeros = true
  validation_sends_org = true
  docs = "current (November 2026)"
}
