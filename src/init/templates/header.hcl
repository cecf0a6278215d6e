# cmek starter configuration ({{PROVIDER_TITLE}}, {{PLATFORM}}).
#
# This file declares a customer-managed encryption key (CMEK) for Anthropic, its registration
# at Anthropic, and what it protects. Every value marked TODO must be replaced before you run
# cmek against real accounts; everything else is a sensible default you may keep.
#
#   cmek validate            check this file (no network)
#   cmek plan --sandbox      dry run against the built-in emulators (no cloud access)
#   cmek plan                what would change in your real accounts
#   cmek apply               make it so (asks before doing anything)
#
# cmek never deletes or disables a key and never detaches a workspace: a key that protects
# data can only be lost outside cmek. It refuses any plan that would lock Anthropic out.
