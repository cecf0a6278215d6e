
# Azure credentials come from the usual places (az login, environment, managed identity).
# Before the first apply, create the service principal of Anthropic's app in your tenant:
#   az ad sp create --id 8635ae1a-3e5d-44e8-a4ed-e0f614466f87
provider "azure" {
  tenant_id       = "11111111-1111-4111-8111-111111111111" # TODO: your Entra tenant id
  subscription_id = "22222222-2222-4222-8222-222222222222" # TODO: the vault's subscription
}
