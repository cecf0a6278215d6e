# One Cloud KMS key, its registration at Anthropic, and the workspace it protects.
# A module holds no anthropic, backend or provider block: those come from the calling config.

key "gcp" "main" {
  project          = var.project
  location         = var.location
  key_ring         = var.key_ring
  name             = var.key_name
  protection_level = var.protection_level
  rotation_period  = var.rotation_period
  labels           = var.labels
}

external_key "main" {
  key          = key.gcp.main
  display_name = var.display_name
  geo          = "us"
}

workspace "main" {
  id           = var.workspace_id
  external_key = external_key.main
}
