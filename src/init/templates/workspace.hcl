
# The workspace the key protects. Attaching a key to a workspace is PERMANENT: it can never
# be detached or swapped, and only data written afterwards is encrypted with it. Attach keys
# to new workspaces, before their first request. cmek attaches only after the key passed its
# own verification in the same run.
workspace "main" {
  id           = "wrkspc_REPLACEMEWITHYOURWORKSPACE" # TODO: your workspace id
  external_key = external_key.main
}
