# Credentials and subscription come from the environment, never from variables: az login,
# ARM_CLIENT_ID + ARM_USE_OIDC in CI, or a managed identity; ARM_SUBSCRIPTION_ID and
# ARM_TENANT_ID as geobot's preflight resolved them (azurerm 4+ requires the subscription id).
provider "azurerm" {
  storage_use_azuread = true

  # azurerm 5 registers no resource provider by default; these are the ones geobot uses.
  resource_provider_registrations = "none"
  resource_providers_to_register = [
    "Microsoft.BotService",
    "Microsoft.Cdn",
    "Microsoft.CognitiveServices",
    "Microsoft.DocumentDB",
    "microsoft.insights", # lowercase, as azurerm spells it
    "Microsoft.KeyVault",
    "Microsoft.ManagedIdentity",
    "Microsoft.Network",
    "Microsoft.OperationalInsights",
    "Microsoft.Web",
  ]

  features {
    key_vault {
      # Destroy leaves the vault (and the certificate in it) soft-deleted: geobot destroy
      # exports the certificate first and then offers to purge, so the name can be reused.
      purge_soft_delete_on_destroy          = false
      purge_soft_deleted_secrets_on_destroy = false
      recover_soft_deleted_key_vaults       = true
      recover_soft_deleted_secrets          = true
    }

    cognitive_account {
      # A soft-deleted Language resource keeps its custom subdomain for 48 hours.
      purge_soft_delete_on_destroy = true
    }

    log_analytics_workspace {
      permanently_delete_on_destroy = true
    }

    application_insights {
      # No "Failure Anomalies" rule outside Terraform's knowledge, which would keep the
      # resource group from being deleted.
      disable_generated_rule = true
    }
  }
}

# Reads the "Microsoft Azure App Service" service principal of the tenant (tls.tf), with the
# same sign-in as azurerm; any member of the tenant may read it.
provider "azuread" {}
