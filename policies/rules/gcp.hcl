# GCP rules written in HCL (see src/lint/hcl_rules.rs and policies/rules/README.md). `assert`
# must be true for a compliant key; facts the input does not give are null.

rule "CMEK-GCP-007" {
  summary      = "Key ring location is supported but not a recommended one (latency)"
  severity     = "info"
  applies_to   = "gcp_key"
  suppressible = true
  section      = "§1"
  assert       = !is_us_region("gcp", key.location) || is_recommended_region("gcp", key.location)
  message      = "location `${key.location}` is supported; `us-central1` or `us-east5` are recommended for latency"
  remedy       = "For new keys prefer `us-central1` or `us-east5`."
  docs         = <<-EOT
    ## What it does
    Reports Cloud KMS keys in a supported US location other than the recommended `us-central1`
    and `us-east5`.

    ## Why it matters
    Anthropic wraps and unwraps with the key on every request; the recommended locations have
    the lowest latency.

    ## Example
    ```hcl
    key "gcp" "prod" { location = "us-west1" }
    ```

    ## Fix
    Create new keys in `us-central1` or `us-east5`. Existing keys can stay.

    ## Source
    domain/anthropic-cmek.md §1.
  EOT
}

rule "CMEK-GCP-008" {
  summary      = "No rotation schedule on the Cloud KMS key"
  severity     = "warning"
  applies_to   = "gcp_key"
  suppressible = true
  section      = "§1"
  assert       = key.rotation_period_days != null
  message      = "the key has no rotation schedule (`rotation_period`)"
  remedy       = "Set `rotation_period = \"90d\"`: rotation within the same key needs no change at Anthropic."
  docs         = <<-EOT
    ## What it does
    Flags Cloud KMS keys declared without `rotation_period`.

    ## Why it matters
    Rotation within the same key is transparent to Anthropic (earlier versions stay enabled) and
    limits how much data one key version protects.

    ## Example
    ```hcl
    key "gcp" "prod" { location = "us-east5" }
    ```

    ## Fix
    `rotation_period = "90d"`.

    ## Source
    domain/anthropic-cmek.md §1 (rotation).
  EOT
}

rule "CMEK-GCP-010" {
  summary      = "Cloud KMS key purpose is not ENCRYPT_DECRYPT"
  severity     = "error"
  applies_to   = "gcp_key"
  suppressible = false
  section      = "§5"
  assert       = key.purpose == null || key.purpose == "ENCRYPT_DECRYPT"
  message      = "key purpose `${coalesce(key.purpose, "")}`: Anthropic needs a symmetric `ENCRYPT_DECRYPT` key"
  remedy       = "Create a new key with `purpose = \"ENCRYPT_DECRYPT\"` (the default); a key's purpose cannot change."
  docs         = <<-EOT
    ## What it does
    Checks Cloud KMS keys have purpose `ENCRYPT_DECRYPT`.

    ## Why it matters
    Anthropic calls the symmetric `encrypt` / `decrypt` methods; asymmetric, MAC and raw keys
    refuse them and validation fails.

    ## Example
    ```hcl
    resource "google_kms_crypto_key" "cmek" {
      purpose = "ASYMMETRIC_DECRYPT"
    }
    ```

    ## Fix
    `purpose = "ENCRYPT_DECRYPT"`.

    ## Source
    domain/anthropic-cmek.md §5 (crypto key: purpose `ENCRYPT_DECRYPT`).
  EOT
}
