# The deployment's global part: one of each, shared by every bot region.

locals {
  log_analytics_name = lookup(var.names, "log_analytics", "log-${var.deployment}")
  app_insights_name  = lookup(var.names, "app_insights", "appi-${var.deployment}")
  bot_identity_name  = lookup(var.names, "bot_identity", "id-${var.names.bot}")
  front_door_name    = lookup(var.names, "front_door", "afd-${var.deployment}")
  front_door_ep_name = lookup(var.names, "front_door_endpoint", "fde-${var.deployment}")

  traffic_manager = var.edge == "trafficmanager"
  front_door      = var.edge == "frontdoor"
  managed_bot     = var.bot_app_type == "UserAssignedMSI"

  # Conversation state: the sample bot keeps documents {"id": key, "doc": ...} in this
  # container, partitioned by id (geobot/bot/stores.py); the bot never creates it.
  cosmos_database  = "geobot"
  cosmos_container = "conversations"

  routing = {
    performance = "Performance"
    priority    = "Priority"
    weighted    = "Weighted"
  }
}

resource "azurerm_resource_group" "global" {
  name     = var.names.resource_group
  location = var.location
  tags     = var.tags
}

# ---- monitoring -------------------------------------------------------------------------

resource "azurerm_log_analytics_workspace" "this" {
  name                = local.log_analytics_name
  location            = azurerm_resource_group.global.location
  resource_group_name = azurerm_resource_group.global.name
  sku                 = "PerGB2018"
  retention_in_days   = var.log_retention_days
  daily_quota_gb      = var.log_daily_quota_gb
  tags                = var.tags
}

resource "azurerm_application_insights" "this" {
  name                = local.app_insights_name
  location            = azurerm_resource_group.global.location
  resource_group_name = azurerm_resource_group.global.name
  workspace_id        = azurerm_log_analytics_workspace.this.id
  application_type    = "web"
  # Telemetry is sent with Entra tokens (Monitoring Metrics Publisher on the web apps'
  # identities), so the connection string's instrumentation key is not a credential.
  local_authentication_enabled = false
  tags                         = var.tags
}

# ---- Key Vault: configuration and the certificate ---------------------------------------

resource "azurerm_key_vault" "this" {
  #checkov:skip=CKV_AZURE_109:The bots on App Service (no VNet integration), the deployer's laptop or CI runner and App Service's certificate import all reach the vault over the internet; access is decided by Entra ID and RBAC, not by network.
  #checkov:skip=CKV_AZURE_189:Same reason: public network access is needed by the bots, the deployer and App Service's certificate import.
  #checkov:skip=CKV2_AZURE_32:A private endpoint needs a VNet and VNet-integrated App Service plans, which this sample deliberately does not deploy.
  #checkov:skip=CKV_AZURE_110:Purge protection is the purge_protection variable (off by default so that geobot destroy can purge the vault and the bot name can be reused at once).
  #checkov:skip=CKV_AZURE_42:Soft delete is always on (retention soft_delete_retention_days); purge protection is the purge_protection variable, see CKV_AZURE_110.
  name                          = var.names.key_vault
  location                      = azurerm_resource_group.global.location
  resource_group_name           = azurerm_resource_group.global.name
  tenant_id                     = var.tenant_id
  sku_name                      = "standard"
  rbac_authorization_enabled    = true
  purge_protection_enabled      = var.purge_protection
  soft_delete_retention_days    = var.soft_delete_retention_days
  public_network_access_enabled = true
  tags                          = var.tags

  network_acls {
    default_action = "Allow"
    bypass         = "AzureServices"
  }
}

# The certificate lives in a vault of its own: the bots read every secret of the configuration
# vault (the ACME tokens have names made at issue time), and must not read the private key.
# Only the deployer and, for the TLS binding, App Service's own principal may.
resource "azurerm_key_vault" "certificates" {
  #checkov:skip=CKV_AZURE_109:The deployer's laptop or CI runner and App Service's certificate import reach the vault over the internet; access is decided by Entra ID and RBAC, not by network.
  #checkov:skip=CKV_AZURE_189:Same reason: public network access is needed by the deployer and App Service's certificate import.
  #checkov:skip=CKV2_AZURE_32:A private endpoint needs a VNet and VNet-integrated App Service plans, which this sample deliberately does not deploy.
  #checkov:skip=CKV_AZURE_110:Purge protection is the purge_protection variable (off by default so that geobot destroy can purge the vault and the bot name can be reused at once).
  #checkov:skip=CKV_AZURE_42:Soft delete is always on (retention soft_delete_retention_days); purge protection is the purge_protection variable, see CKV_AZURE_110.
  name                          = var.names.certificate_vault
  location                      = azurerm_resource_group.global.location
  resource_group_name           = azurerm_resource_group.global.name
  tenant_id                     = var.tenant_id
  sku_name                      = "standard"
  rbac_authorization_enabled    = true
  purge_protection_enabled      = var.purge_protection
  soft_delete_retention_days    = var.soft_delete_retention_days
  public_network_access_enabled = true
  tags                          = var.tags

  network_acls {
    default_action = "Allow"
    bypass         = "AzureServices"
  }
}

# The deployer writes the configuration secrets below and the ACME HTTP-01 tokens, imports the
# certificate, and exports it again before destroy.
resource "azurerm_role_assignment" "deployer_secrets" {
  scope                = azurerm_key_vault.this.id
  role_definition_name = "Key Vault Secrets Officer"
  principal_id         = var.deployer_id
}

resource "azurerm_role_assignment" "deployer_certificates" {
  scope                = azurerm_key_vault.certificates.id
  role_definition_name = "Key Vault Certificates Officer"
  principal_id         = var.deployer_id
}

# Secrets Officer, not User: next to the certificate geobot keeps the marker of the settings it
# was issued for (geobot-tls-settings), so a re-run reuses it instead of asking Let's Encrypt
# again; destroy reads the certificate's backing secret to export it.
resource "azurerm_role_assignment" "deployer_certificate_secrets" {
  scope                = azurerm_key_vault.certificates.id
  role_definition_name = "Key Vault Secrets Officer"
  principal_id         = var.deployer_id
}

resource "time_sleep" "rbac" {
  create_duration = var.rbac_propagation_wait

  triggers = {
    secrets      = azurerm_role_assignment.deployer_secrets.id
    certificates = azurerm_role_assignment.deployer_certificates.id
    secrets_cert = azurerm_role_assignment.deployer_certificate_secrets.id
  }
}

# What the bot reads at start (geobot/bot/settings.py). Values that are not secrets in
# themselves; there is no key among them: Cosmos DB, Language and Application Insights are
# reached with the web apps' managed identities.
resource "azurerm_key_vault_secret" "store_url" {
  #checkov:skip=CKV_AZURE_41:A configuration value (an endpoint URL), not a credential: an expiry date would only stop the bot.
  name         = "geobot-store-url"
  value        = "${azurerm_cosmosdb_account.this.endpoint}?database=${local.cosmos_database}&container=${local.cosmos_container}&regions=${join(",", var.bot_regions)}"
  content_type = "text/uri-list"
  key_vault_id = azurerm_key_vault.this.id
  tags         = var.tags

  depends_on = [time_sleep.rbac]
}

resource "azurerm_key_vault_secret" "app_id" {
  #checkov:skip=CKV_AZURE_41:A configuration value (the bot's client id), not a credential: an expiry date would only stop the bot.
  name         = "geobot-app-id"
  value        = local.managed_bot ? azurerm_user_assigned_identity.bot[0].client_id : var.bot_app_id
  content_type = "text/plain"
  key_vault_id = azurerm_key_vault.this.id
  tags         = var.tags

  depends_on = [time_sleep.rbac]
}

resource "azurerm_key_vault_secret" "app_tenant_id" {
  #checkov:skip=CKV_AZURE_41:A configuration value (the tenant id), not a credential: an expiry date would only stop the bot.
  name         = "geobot-app-tenant-id"
  value        = var.tenant_id
  content_type = "text/plain"
  key_vault_id = azurerm_key_vault.this.id
  tags         = var.tags

  depends_on = [time_sleep.rbac]
}

resource "azurerm_key_vault_secret" "app_insights" {
  #checkov:skip=CKV_AZURE_41:Application Insights' connection string with local authentication off (ingestion needs an Entra token); an expiry date would only stop telemetry.
  name         = "geobot-appinsights-connection-string"
  value        = azurerm_application_insights.this.connection_string
  content_type = "text/plain"
  key_vault_id = azurerm_key_vault.this.id
  tags         = var.tags

  depends_on = [time_sleep.rbac]
}

# ---- Cosmos DB: conversation state, one write region, a replica in every bot region ---------

# One write region, so a turn's If-Match is checked against the one authoritative copy (with
# several write regions it only guards the local replica, and a conflicting turn written in
# another region would be dropped by last-writer-wins). Every bot region holds a readable
# replica, in failover order: the service moves the write region to the next one when its
# region fails (docs/azure.md, "Cosmos DB: one write region").

resource "azurerm_cosmosdb_account" "this" {
  #checkov:skip=CKV_AZURE_99:No IP filter: the web apps' outbound addresses are not fixed without VNet integration; keys are disabled (local_authentication_enabled = false), access is Entra ID + data-plane RBAC.
  #checkov:skip=CKV_AZURE_101:Public network access is needed by the regional web apps (no VNet/private endpoints in this sample).
  #checkov:skip=CKV_AZURE_100:Encrypted at rest with Microsoft-managed keys; a customer-managed key would add a Key Vault key and an identity for no gain in this sample.
  #checkov:skip=CKV_AZURE_140:Keys ARE disabled: local_authentication_enabled = false below. checkov 3.3 still inspects local_authentication_disabled, which azurerm 5.0 removed (the tfschema checker rejects it).
  name                               = var.names.cosmos_account
  location                           = var.bot_regions[0]
  resource_group_name                = azurerm_resource_group.global.name
  offer_type                         = "Standard"
  kind                               = "GlobalDocumentDB"
  multiple_write_locations_enabled   = false
  automatic_failover_enabled         = true
  local_authentication_enabled       = false
  access_key_metadata_writes_enabled = false
  minimal_tls_version                = "Tls12"
  public_network_access_enabled      = true
  tags                               = var.tags

  consistency_policy {
    consistency_level = "Session"
  }

  # Every bot region, in failover order: priority 0 (the first bot region) is the write region.
  dynamic "geo_location" {
    for_each = var.bot_regions
    content {
      location          = geo_location.value
      failover_priority = geo_location.key
    }
  }
}

resource "azurerm_cosmosdb_sql_database" "this" {
  name                = local.cosmos_database
  resource_group_name = azurerm_resource_group.global.name
  account_name        = azurerm_cosmosdb_account.this.name

  autoscale_settings {
    max_throughput = var.cosmos_max_throughput
  }
}

resource "azurerm_cosmosdb_sql_container" "conversations" {
  name                = local.cosmos_container
  resource_group_name = azurerm_resource_group.global.name
  account_name        = azurerm_cosmosdb_account.this.name
  database_name       = azurerm_cosmosdb_sql_database.this.name
  partition_key_paths = ["/id"]
}

# ---- the global router --------------------------------------------------------------------

# The one Traffic Manager profile. Its endpoints are declared in the root module's edge.tf,
# in this same configuration and state, and nowhere else.
resource "azurerm_traffic_manager_profile" "this" {
  count = local.traffic_manager ? 1 : 0

  name                   = var.names.traffic_manager
  resource_group_name    = azurerm_resource_group.global.name
  traffic_routing_method = local.routing[var.routing_method]
  traffic_view_enabled   = false
  tags                   = var.tags

  dns_config {
    relative_name = var.names.traffic_manager_dns
    ttl           = var.probe.dns_ttl
  }

  # HTTPS on 443 against the bot's deep health check: an endpoint is Degraded after
  # tolerated_failures + 1 failed probes. (Traffic Manager does not validate the certificate.)
  monitor_config {
    protocol                     = "HTTPS"
    port                         = 443
    path                         = var.probe.path
    interval_in_seconds          = var.probe.interval
    timeout_in_seconds           = var.probe.timeout
    tolerated_number_of_failures = var.probe.tolerated_failures
    expected_status_code_ranges  = var.probe.expected_status_code_ranges
  }
}

resource "azurerm_cdn_frontdoor_profile" "this" {
  count = local.front_door ? 1 : 0

  name                     = local.front_door_name
  resource_group_name      = azurerm_resource_group.global.name
  sku_name                 = "Standard_AzureFrontDoor"
  response_timeout_seconds = 60
  tags                     = var.tags
}

resource "azurerm_cdn_frontdoor_endpoint" "this" {
  count = local.front_door ? 1 : 0

  name                     = local.front_door_ep_name
  cdn_frontdoor_profile_id = azurerm_cdn_frontdoor_profile.this[0].id
  tags                     = var.tags
}

# ---- the Azure Bot --------------------------------------------------------------------------

# The bot's identity (UserAssignedMSI): every regional web app carries it and authenticates
# to the Bot Framework with it. It has no role on any resource.
resource "azurerm_user_assigned_identity" "bot" {
  count = local.managed_bot ? 1 : 0

  name                = local.bot_identity_name
  location            = azurerm_resource_group.global.location
  resource_group_name = azurerm_resource_group.global.name
  tags                = var.tags
}

resource "azurerm_bot_service_azure_bot" "this" {
  name                    = var.names.bot
  resource_group_name     = azurerm_resource_group.global.name
  location                = "global"
  sku                     = var.bot_sku
  microsoft_app_type      = var.bot_app_type
  microsoft_app_id        = local.managed_bot ? azurerm_user_assigned_identity.bot[0].client_id : var.bot_app_id
  microsoft_app_tenant_id = var.tenant_id
  microsoft_app_msi_id    = local.managed_bot ? azurerm_user_assigned_identity.bot[0].id : null
  tags                    = var.tags

  # The messaging endpoint has one owner: geobot's endpoint stage, which sets
  # https://<host>/api/messages only once every region is Online behind the router.
  lifecycle {
    ignore_changes = [endpoint]
  }
}

resource "azurerm_bot_channel_web_chat" "this" {
  bot_name            = azurerm_bot_service_azure_bot.this.name
  location            = azurerm_bot_service_azure_bot.this.location
  resource_group_name = azurerm_resource_group.global.name

  site {
    name = "geobot"
  }
}

resource "azurerm_bot_channel_directline" "this" {
  count = var.directline_enabled ? 1 : 0

  bot_name            = azurerm_bot_service_azure_bot.this.name
  location            = azurerm_bot_service_azure_bot.this.location
  resource_group_name = azurerm_resource_group.global.name

  site {
    name                            = "geobot"
    enabled                         = true
    v1_allowed                      = false
    v3_allowed                      = true
    enhanced_authentication_enabled = length(var.directline_trusted_origins) > 0
    trusted_origins                 = var.directline_trusted_origins
  }
}
