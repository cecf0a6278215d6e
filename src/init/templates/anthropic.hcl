
# Your Anthropic organization.
anthropic {
  # TODO: the bare lowercase UUID of your Anthropic organization (not the org_... id).
  # The placeholder below is not a real organization.
  organization_uuid = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee"

  # claude_platform | claude_platform_aws | claude_enterprise
  platform = "{{PLATFORM}}"

  # The admin API key is read from this environment variable; never write a key in a spec.
  api_key_env = "ANTHROPIC_ADMIN_API_KEY"
}

# Where cmek keeps its state: which keys, registrations and workspaces it manages, and which
# keys have ever protected data. Keep it safe (and out of git, see .gitignore).
backend "local" {
  path = "cmek.state.json"
}
