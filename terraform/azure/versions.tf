# Remote state (geobot init --backend azure): this configuration has no backend block, so a
# plain `terraform init` keeps local state in the deployment's folder. For Azure Blob state,
# apply ./bootstrap once, then geobot writes `backend_override.tf` next to these files before
# `terraform init` (an override file may add a backend; it holds names only, no secret):
#
#   terraform {
#     backend "azurerm" {
#       resource_group_name  = "<bootstrap output resource_group_name>"
#       storage_account_name = "<bootstrap output storage_account_name>"
#       container_name       = "<bootstrap output container_name>"
#       key                  = "<deployment>.tfstate"
#       use_azuread_auth     = true # the account has shared keys off; Entra ID only
#     }
#   }
#
# (the same settings can instead be passed as `terraform init -backend-config=KEY=VALUE`).
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 5.10"
    }
    azuread = {
      source  = "hashicorp/azuread"
      version = "~> 3.10"
    }
    time = {
      source  = "hashicorp/time"
      version = "~> 0.13"
    }
  }
}
