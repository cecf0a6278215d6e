# AWS rules written in HCL (see src/lint/hcl_rules.rs and policies/rules/README.md). `assert`
# must be true for a compliant key; facts the input does not give are null, and a rule about a
# null fact passes.

rule "CMEK-AWS-019" {
  summary      = "AWS key spec is not SYMMETRIC_DEFAULT"
  severity     = "error"
  applies_to   = "aws_key"
  suppressible = false
  section      = "§4"
  assert       = key.key_spec == null || key.key_spec == "SYMMETRIC_DEFAULT"
  message      = "key spec `${coalesce(key.key_spec, "")}`: Anthropic needs a symmetric `SYMMETRIC_DEFAULT` key"
  remedy       = "Create a new key with `customer_master_key_spec = \"SYMMETRIC_DEFAULT\"` (the default); the spec of a key cannot change."
  docs         = <<-EOT
    ## What it does
    Checks the key spec of AWS keys (Terraform `customer_master_key_spec`, a live key's
    `KeySpec`) is `SYMMETRIC_DEFAULT`.

    ## Why it matters
    Anthropic calls `kms:Encrypt` and `kms:Decrypt` with an encryption context: only symmetric
    keys support that. An RSA, ECC or HMAC key fails validation.

    ## Example
    ```hcl
    resource "aws_kms_key" "cmek" {
      customer_master_key_spec = "RSA_3072"
    }
    ```

    ## Fix
    Create a new key with `customer_master_key_spec = "SYMMETRIC_DEFAULT"` (the default). A key's
    spec cannot be changed.

    ## Source
    domain/anthropic-cmek.md §4 (key: symmetric `SYMMETRIC_DEFAULT`).
  EOT
}

rule "CMEK-AWS-020" {
  summary      = "AWS key usage is not ENCRYPT_DECRYPT"
  severity     = "error"
  applies_to   = "aws_key"
  suppressible = false
  section      = "§4"
  assert       = key.key_usage == null || key.key_usage == "ENCRYPT_DECRYPT"
  message      = "key usage `${coalesce(key.key_usage, "")}`: Anthropic needs `ENCRYPT_DECRYPT`"
  remedy       = "Create a new key with `key_usage = \"ENCRYPT_DECRYPT\"` (the default); the usage of a key cannot change."
  docs         = <<-EOT
    ## What it does
    Checks the key usage of AWS keys (Terraform `key_usage`, a live key's `KeyUsage`) is
    `ENCRYPT_DECRYPT`.

    ## Why it matters
    Anthropic wraps and unwraps its data keys with `kms:Encrypt` / `kms:Decrypt`; a
    `SIGN_VERIFY` or `GENERATE_VERIFY_MAC` key refuses those calls and validation fails.

    ## Example
    ```hcl
    resource "aws_kms_key" "cmek" {
      key_usage = "SIGN_VERIFY"
    }
    ```

    ## Fix
    Create a new key with `key_usage = "ENCRYPT_DECRYPT"` (the default).

    ## Source
    domain/anthropic-cmek.md §4 (key: usage `ENCRYPT_DECRYPT`).
  EOT
}

rule "CMEK-AWS-021" {
  summary      = "AWS key is not enabled"
  severity     = "error"
  applies_to   = "aws_key"
  suppressible = false
  section      = "§1"
  assert       = key.key_state == null || key.key_state == "Enabled" || key.key_state == "Creating"
  message      = "the key is `${coalesce(key.key_state, "")}`: Anthropic cannot use it, and CMEK-protected data is unavailable (or, once a pending deletion completes, lost for good)"
  remedy       = "Restore the key: cancel a pending deletion and enable it (`cmek plan` shows the restorative actions first)."
  docs         = <<-EOT
    ## What it does
    Checks the key is `Enabled`: a live key (`cmek lint --live`) in state `Disabled`,
    `PendingDeletion`, `PendingImport` or `Unavailable`, or a Terraform key with
    `is_enabled = false`.

    ## Why it matters
    Disabling the key makes CMEK-protected data unavailable within the hour; a key pending
    deletion loses that data for good when its waiting period ends. Anthropic keeps no copy of
    the key.

    ## Example
    ```hcl
    resource "aws_kms_key" "cmek" {
      is_enabled = false
    }
    ```

    ## Fix
    Cancel the pending deletion and enable the key. `cmek plan` lists these restorative
    actions first, and `cmek apply` carries them out.

    ## Source
    domain/anthropic-cmek.md §1 (irreversible; disabling makes data unavailable).
  EOT
}
