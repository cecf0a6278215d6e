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
