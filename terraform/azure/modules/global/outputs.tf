output "resource_group_name" {
  description = "The global resource group."
  value       = azurerm_resource_group.global.name
}

output "key_vault_id" {
  description = "Resource id of the Key Vault."
  value       = azurerm_key_vault.this.id
}

output "key_vault_name" {
  description = "Name of the Key Vault."
  value       = azurerm_key_vault.this.name
}

output "key_vault_uri" {
  description = "https://<vault>.vault.azure.net/"
  value       = azurerm_key_vault.this.vault_uri
}

output "certificate_vault_id" {
  description = "Resource id of the certificate's own Key Vault."
  value       = azurerm_key_vault.certificates.id
}

output "certificate_vault_name" {
  description = "Name of the certificate's Key Vault."
  value       = azurerm_key_vault.certificates.name
}

output "certificate_vault_uri" {
  description = "https://<certificate vault>.vault.azure.net/"
  value       = azurerm_key_vault.certificates.vault_uri
}

output "secrets_vault_id" {
  description = "The Key Vault's id for resources that write secrets: known only once the deployer's data roles have had time to apply."
  value       = azurerm_key_vault.this.id
  depends_on  = [time_sleep.rbac]
}

output "secret_ids" {
  description = "Versionless ids of the configuration secrets written here."
  value = {
    store_url     = azurerm_key_vault_secret.store_url.versionless_id
    app_id        = azurerm_key_vault_secret.app_id.versionless_id
    app_tenant_id = azurerm_key_vault_secret.app_tenant_id.versionless_id
    app_insights  = azurerm_key_vault_secret.app_insights.versionless_id
  }
}

output "app_insights_id" {
  description = "Resource id of Application Insights."
  value       = azurerm_application_insights.this.id
}

output "app_insights_connection_string_secret_id" {
  description = "Versionless Key Vault secret id holding Application Insights' connection string (for a Key Vault reference)."
  value       = azurerm_key_vault_secret.app_insights.versionless_id
}

output "log_analytics_workspace_id" {
  description = "Resource id of the Log Analytics workspace."
  value       = azurerm_log_analytics_workspace.this.id
}

output "cosmos_account_id" {
  description = "Resource id of the Cosmos DB account."
  value       = azurerm_cosmosdb_account.this.id
}

output "cosmos_account_name" {
  description = "Name of the Cosmos DB account."
  value       = azurerm_cosmosdb_account.this.name
}

output "cosmos_endpoint" {
  description = "https://<account>.documents.azure.com:443/"
  value       = azurerm_cosmosdb_account.this.endpoint
}

output "cosmos_database_name" {
  description = "The conversation-state database."
  value       = azurerm_cosmosdb_sql_database.this.name
}

output "cosmos_container_name" {
  description = "The conversation-state container (partition key /id)."
  value       = azurerm_cosmosdb_sql_container.conversations.name
}

output "traffic_manager_id" {
  description = "Resource id of the Traffic Manager profile (null with Front Door)."
  value       = one(azurerm_traffic_manager_profile.this[*].id)
}

output "traffic_manager_name" {
  description = "Name of the Traffic Manager profile (null with Front Door)."
  value       = one(azurerm_traffic_manager_profile.this[*].name)
}

output "traffic_manager_fqdn" {
  description = "<relative name>.trafficmanager.net (null with Front Door)."
  value       = one(azurerm_traffic_manager_profile.this[*].fqdn)
}

output "front_door_profile_id" {
  description = "Resource id of the Front Door profile (null with Traffic Manager)."
  value       = one(azurerm_cdn_frontdoor_profile.this[*].id)
}

output "front_door_resource_guid" {
  description = "Front Door's id as sent in X-Azure-FDID; the web apps accept only it (null with Traffic Manager)."
  value       = one(azurerm_cdn_frontdoor_profile.this[*].resource_guid)
}

output "front_door_endpoint_id" {
  description = "Resource id of the Front Door endpoint (null with Traffic Manager)."
  value       = one(azurerm_cdn_frontdoor_endpoint.this[*].id)
}

output "front_door_endpoint_host_name" {
  description = "<endpoint>-<hash>.z01.azurefd.net (null with Traffic Manager)."
  value       = one(azurerm_cdn_frontdoor_endpoint.this[*].host_name)
}

output "bot_name" {
  description = "Name of the Azure Bot resource."
  value       = azurerm_bot_service_azure_bot.this.name
}

output "bot_id" {
  description = "Resource id of the Azure Bot resource."
  value       = azurerm_bot_service_azure_bot.this.id
}

output "bot_app_id" {
  description = "The bot's Microsoft app (client) id."
  value       = azurerm_bot_service_azure_bot.this.microsoft_app_id
}

output "bot_identity_id" {
  description = "Resource id of the bot's user-assigned identity (null for SingleTenant)."
  value       = one(azurerm_user_assigned_identity.bot[*].id)
}
