
# The registration of the key at Anthropic (an ekey_... id). cmek validates it with an
# encryption round trip before anything uses it.
external_key "main" {
  key          = key.{{CLOUD}}.main
  display_name = "Anthropic CMEK"
  geo          = "us"
}
