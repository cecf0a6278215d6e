# Google Cloud KMS: an HSM key in us-east5 with a 90-day rotation schedule.

anthropic {
  organization_uuid = "4f1c2d3e-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
  platform          = "claude_platform"
}

provider "gcp" {
  project = "acme-prod"
}

# cmek grants Anthropic's service account roles/cloudkms.cryptoKeyEncrypterDecrypter and
# roles/cloudkms.viewer on this key only, and adds the anthropic-org-<uuid> label.
key "gcp" "prod" {
  project          = "acme-prod"
  location         = "us-east5" # single-region US locations only; not "us" or "global"
  key_ring         = "anthropic-cmek"
  name             = "claude"
  protection_level = "HSM"
  rotation_period  = "90d" # new versions are primary; old ones stay enabled

  labels = {
    team = "security"
  }
}

external_key "prod" {
  key          = key.gcp.prod
  display_name = "Production CMEK (Cloud KMS)"
  geo          = "us"
}

workspace "prod" {
  id           = "wrkspc_01JwKdNnFRIBXuDL7DxtpYlSXp"
  external_key = external_key.prod
}
