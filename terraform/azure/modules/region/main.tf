# One bot region: the bot's web app and its Language resource. The web app runs as its own
# user-assigned identity, created and granted its roles before the app starts, so the Key
# Vault references in its settings resolve on the first start. That identity can:
#   - read secrets of the deployment's vault            Key Vault Secrets User (vault scope)
#   - read and write items of the state database       Cosmos DB Built-in Data Contributor
#   - query its own region's Language resource          Cognitive Services Language Reader
#   - send telemetry                                    Monitoring Metrics Publisher
# and nothing else. The bot's own identity (module global) is attached too, for the Bot
# Framework's tokens only; it holds no role.

locals {
  identity_name = lookup(var.names, "identity", "id-${var.names.web_app}")

  # Cosmos DB's built-in "Cosmos DB Built-in Data Contributor" role definition.
  cosmos_data_contributor = "${var.cosmos_account_id}/sqlRoleDefinitions/00000000-0000-0000-0000-000000000002"
}

resource "azurerm_resource_group" "region" {
  name     = var.names.resource_group
  location = var.region
  tags     = var.tags
}

resource "azurerm_user_assigned_identity" "app" {
  name                = local.identity_name
  location            = azurerm_resource_group.region.location
  resource_group_name = azurerm_resource_group.region.name
  tags                = var.tags
}

resource "azurerm_role_assignment" "vault_secrets" {
  scope                = var.key_vault_id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = azurerm_user_assigned_identity.app.principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_cosmosdb_sql_role_assignment" "state" {
  resource_group_name = var.cosmos_resource_group
  account_name        = var.cosmos_account_name
  role_definition_id  = local.cosmos_data_contributor
  principal_id        = azurerm_user_assigned_identity.app.principal_id
  scope               = "${var.cosmos_account_id}/dbs/${var.cosmos_database_name}"
}

resource "azurerm_role_assignment" "telemetry" {
  scope                = var.app_insights_id
  role_definition_name = "Monitoring Metrics Publisher"
  principal_id         = azurerm_user_assigned_identity.app.principal_id
  principal_type       = "ServicePrincipal"
}

# ---- Language (Conversational Language Understanding) -------------------------------------

resource "azurerm_cognitive_account" "language" {
  #checkov:skip=CKV_AZURE_134:The regional web app calls it over the internet (no VNet in this sample); with local authentication off only Entra tokens with a Language role are accepted.
  #checkov:skip=CKV2_AZURE_22:Encrypted at rest with Microsoft-managed keys; a customer-managed key adds a Key Vault key and an identity for no gain in this sample.
  name                          = var.names.language_account
  location                      = azurerm_resource_group.region.location
  resource_group_name           = azurerm_resource_group.region.name
  kind                          = "TextAnalytics"
  sku_name                      = var.language_sku
  custom_subdomain_name         = var.names.language_account
  local_auth_enabled            = var.language_local_auth
  public_network_access_enabled = true
  tags                          = var.tags

  identity {
    type = "SystemAssigned"
  }
}

resource "azurerm_role_assignment" "language_reader" {
  scope                = azurerm_cognitive_account.language.id
  role_definition_name = "Cognitive Services Language Reader"
  principal_id         = azurerm_user_assigned_identity.app.principal_id
  principal_type       = "ServicePrincipal"
}

# geobot's language stage imports, trains and deploys the CLU project with the deployer's
# token, not with a key.
resource "azurerm_role_assignment" "language_owner" {
  scope                = azurerm_cognitive_account.language.id
  role_definition_name = "Cognitive Services Language Owner"
  principal_id         = var.deployer_id
}

resource "azurerm_key_vault_secret" "language_endpoint" {
  #checkov:skip=CKV_AZURE_41:A configuration value (an endpoint URL), not a credential: an expiry date would only stop the bot.
  name         = "geobot-language-endpoint-${var.region}"
  value        = azurerm_cognitive_account.language.endpoint
  content_type = "text/uri-list"
  key_vault_id = var.secrets_vault_id
  tags         = var.tags
}

# ---- the bot's web app ----------------------------------------------------------------------

resource "azurerm_service_plan" "this" {
  #checkov:skip=CKV_AZURE_212:Availability comes from the other bot regions behind the router; a second instance per region doubles the cost of the sample.
  #checkov:skip=CKV_AZURE_225:Zone redundancy needs three instances per region; the regions are the redundancy here.
  name                = var.names.app_service_plan
  location            = azurerm_resource_group.region.location
  resource_group_name = azurerm_resource_group.region.name
  os_type             = "Linux"
  sku_name            = var.app_service_sku
  worker_count        = 1
  tags                = var.tags
}

resource "azurerm_linux_web_app" "this" {
  #checkov:skip=CKV_AZURE_13:App Service Authentication would block the Bot Framework channel service; the bot validates every activity's Bot Framework JWT itself and the health/ACME routes are public by design.
  #checkov:skip=CKV_AZURE_17:Client certificates cannot be presented by the Bot Framework channel service, Traffic Manager's probes or Let's Encrypt.
  #checkov:skip=CKV_AZURE_88:The bot keeps no files: state is in Cosmos DB, configuration in Key Vault.
  #checkov:skip=CKV_AZURE_222:The bot must be reachable by the Bot Framework channel service and the router's probes (with Front Door, inbound is restricted to that profile instead).
  name                                           = var.names.web_app
  location                                       = azurerm_resource_group.region.location
  resource_group_name                            = azurerm_resource_group.region.name
  service_plan_id                                = azurerm_service_plan.this.id
  https_only                                     = true
  client_affinity_enabled                        = false
  public_network_access_enabled                  = true
  ftp_publish_basic_authentication_enabled       = false
  webdeploy_publish_basic_authentication_enabled = false
  key_vault_reference_identity_id                = azurerm_user_assigned_identity.app.id
  tags                                           = var.tags

  identity {
    type         = "UserAssigned"
    identity_ids = compact([azurerm_user_assigned_identity.app.id, var.bot_identity_id])
  }

  site_config {
    always_on                         = true
    minimum_tls_version               = "1.2"
    scm_minimum_tls_version           = "1.2"
    ftps_state                        = "Disabled"
    http2_enabled                     = true
    health_check_path                 = var.health_path
    health_check_eviction_time_in_min = 10
    app_command_line                  = var.startup_command
    ip_restriction_default_action     = var.behind_front_door ? "Deny" : "Allow"

    application_stack {
      python_version = var.python_version
    }

    dynamic "ip_restriction" {
      for_each = var.behind_front_door ? [var.front_door_guid] : []
      content {
        name        = "front-door"
        action      = "Allow"
        priority    = 100
        service_tag = "AzureFrontDoor.Backend"

        headers {
          x_azure_fdid = [ip_restriction.value]
        }
      }
    }
  }

  # The bot reads its configuration from the vault itself (GEOBOT_BOT_VAULT_URL); the platform
  # resolves the Key Vault reference below with key_vault_reference_identity_id.
  app_settings = {
    GEOBOT_BOT_VAULT_URL                      = var.key_vault_uri
    GEOBOT_BOT_REGION                         = var.region
    REGION_NAME                               = var.region
    GEOBOT_BOT_HOST                           = "0.0.0.0"
    WEBSITES_PORT                             = "8000"
    AZURE_CLIENT_ID                           = azurerm_user_assigned_identity.app.client_id
    APPLICATIONINSIGHTS_CONNECTION_STRING     = "@Microsoft.KeyVault(SecretUri=${var.app_insights_secret})"
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING = "Authorization=AAD;ClientId=${azurerm_user_assigned_identity.app.client_id}"
    SCM_DO_BUILD_DURING_DEPLOYMENT            = "true"
    WEBSITE_HEALTHCHECK_MAXPINGFAILURES       = "2"
    WEBSITES_CONTAINER_START_TIME_LIMIT       = "600"
  }

  logs {
    detailed_error_messages = true
    failed_request_tracing  = true

    http_logs {
      file_system {
        retention_in_days = 7
        retention_in_mb   = 35
      }
    }
  }

  # The identity's roles exist before the app first starts and resolves its references.
  depends_on = [
    azurerm_role_assignment.vault_secrets,
    azurerm_role_assignment.telemetry,
    azurerm_role_assignment.language_reader,
    azurerm_cosmosdb_sql_role_assignment.state,
  ]
}

# A new id each time the web app is created. A replaced app keeps its name and resource id but
# starts with an empty site, so geobot's code stage fingerprints this to deploy the code again.
resource "terraform_data" "web_app_instance" {
  lifecycle {
    replace_triggered_by = [azurerm_linux_web_app.this.id]
  }
}
