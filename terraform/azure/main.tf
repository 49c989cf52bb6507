# geobot's Azure target: one configuration, one state, one owner per resource.
#
#   module.global            resource group, Key Vault (RBAC), Log Analytics + Application
#                            Insights, Cosmos DB (a replica in every bot region, one write region), the
#                            Traffic Manager profile or the Front Door profile, the Azure Bot
#                            and its managed identity
#   module.region[each]      per bot region: resource group, Linux App Service plan + web app,
#                            the web app's identity and its data-plane roles, the Language
#                            resource for CLU
#   edge.tf                  Traffic Manager endpoints or Front Door origins and route: the
#                            profile and its endpoints belong to this configuration alone (the
#                            original project's second state re-declared the profile)
#   tls.tf                   custom domain binding and the Key Vault certificate, gated by
#                            bind_hostname / bind_certificate (later pipeline stages)
#
# geobot applies it in stages by changing variables, never by a second configuration.

locals {
  tags = merge(var.tags, { "geobot-deployment" = var.deployment })

  # Regions in failover order, priority 1 first: Cosmos DB's geo_location failover priorities
  # 0, 1, ... and the account's home region.
  ordered_regions = [for r in sort([for name, region in var.regions : format("%04d/%s", region.priority, name)]) : split("/", r)[1]]

  # The public host name the bot's messaging endpoint uses.
  host_name = var.domain != null ? var.domain : (
    local.traffic_manager ? "${var.names.traffic_manager_dns}.trafficmanager.net" : module.global.front_door_endpoint_host_name
  )
}

data "azurerm_client_config" "current" {}

module "global" {
  source = "./modules/global"

  deployment     = var.deployment
  location       = var.global_region
  names          = var.names
  tags           = local.tags
  tenant_id      = data.azurerm_client_config.current.tenant_id
  deployer_id    = data.azurerm_client_config.current.object_id
  bot_regions    = local.ordered_regions
  edge           = var.edge
  routing_method = var.routing_method
  probe          = var.probe

  purge_protection           = var.purge_protection
  soft_delete_retention_days = var.soft_delete_retention_days
  rbac_propagation_wait      = var.rbac_propagation_wait
  cosmos_max_throughput      = var.cosmos_max_throughput
  log_retention_days         = var.log_retention_days
  log_daily_quota_gb         = var.log_daily_quota_gb

  bot_sku                    = var.bot_sku
  bot_app_type               = var.bot_app_type
  bot_app_id                 = var.bot_app_id
  directline_enabled         = var.directline_enabled
  directline_trusted_origins = var.directline_trusted_origins
}

module "region" {
  source   = "./modules/region"
  for_each = var.regions

  region          = each.key
  names           = each.value.names
  tags            = local.tags
  deployer_id     = data.azurerm_client_config.current.object_id
  app_service_sku = var.app_service_sku
  python_version  = var.python_version
  startup_command = var.startup_command
  health_path     = var.app_health_check_path

  key_vault_id          = module.global.key_vault_id
  key_vault_uri         = module.global.key_vault_uri
  secrets_vault_id      = module.global.secrets_vault_id
  app_insights_id       = module.global.app_insights_id
  app_insights_secret   = module.global.app_insights_connection_string_secret_id
  cosmos_account_id     = module.global.cosmos_account_id
  cosmos_account_name   = module.global.cosmos_account_name
  cosmos_resource_group = module.global.resource_group_name
  cosmos_database_name  = module.global.cosmos_database_name
  bot_identity_id       = module.global.bot_identity_id

  behind_front_door   = local.front_door
  front_door_guid     = module.global.front_door_resource_guid
  language_sku        = var.language_sku
  language_local_auth = var.language_local_auth
}
