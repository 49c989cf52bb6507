# A separate configuration with its own local state: the Azure Blob container that holds the
# main configuration's state (geobot init --backend azure). Apply it once before the main
# configuration's first `terraform init`; destroy it last, after the main configuration.
terraform {
  required_version = ">= 1.5.0"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 5.10"
    }
    time = {
      source  = "hashicorp/time"
      version = "~> 0.13"
    }
  }
}

provider "azurerm" {
  # The account has shared keys off: data-plane calls use Entra ID.
  storage_use_azuread             = true
  resource_provider_registrations = "none"
  resource_providers_to_register  = ["Microsoft.Storage"]

  features {}
}
