# Where CMEK keys may live. Pinned data from domain/anthropic-cmek.md §1, §4, §5, §6:
# all CMEK encryption runs in US regions; EU residency and multi-region keys are not supported.

docs_version = "2026-11"

aws {
  us_regions  = ["us-east-1", "us-east-2", "us-west-1", "us-west-2"]
  recommended = ["us-east-2"]
  # US, but a separate partition Anthropic's role is not in: not supported.
  govcloud    = ["us-gov-east-1", "us-gov-west-1"]
  # Multi-region key ids start with this prefix and are rejected.
  multi_region_key_prefix = "mrk-"
}

gcp {
  us_regions = [
    "us-central1", "us-east1", "us-east4", "us-east5", "us-south1",
    "us-west1", "us-west2", "us-west3", "us-west4",
  ]
  recommended = ["us-central1", "us-east5"]
  # Multi-region and dual-region locations are not supported (`us` and `global` named by the docs).
  multi_region_locations = ["us", "global", "nam4", "europe", "asia", "eur4"]
  govcloud = []
}

azure {
  us_regions = [
    "eastus", "eastus2", "centralus", "northcentralus", "southcentralus",
    "westcentralus", "westus", "westus2", "westus3",
  ]
  recommended = ["northcentralus", "eastus2"]
  # Azure Government regions: a sovereign cloud, not supported.
  govcloud = ["usgovvirginia", "usgovarizona", "usgovtexas", "usdodeast", "usdodcentral"]
}
