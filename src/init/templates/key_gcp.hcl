
# The key itself: a symmetric Cloud KMS key in a single-region US location (us-east5 and
# us-central1 are recommended; the multi-regions "us" and "global" are not supported).
# cmek grants Anthropic's service account the two roles it needs on this key only, and adds
# the organization label.
key "gcp" "main" {
  project          = "my-gcp-project" # TODO: same project as the provider block
  location         = "us-east5"
  key_ring         = "anthropic-cmek"
  name             = "claude"
  protection_level = "HSM"
  rotation_period  = "90d" # rotation is transparent to Anthropic

  labels = {
    managed-by = "cmek"
  }
}
