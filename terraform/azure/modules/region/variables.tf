variable "region" {
  description = "The Azure region of this bot region, e.g. koreacentral."
  type        = string
}

variable "names" {
  description = "This region's resource names from geobot/naming.py: resource_group, web_app, app_service_plan, language_account (also its custom subdomain), endpoint; optional identity."
  type        = map(string)
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
}

variable "deployer_id" {
  description = "Object id of the principal running Terraform; it gets Cognitive Services Language Owner on the Language resource to import, train and deploy the CLU model."
  type        = string
}

variable "app_service_sku" {
  description = "Linux App Service plan SKU."
  type        = string
}

variable "python_version" {
  description = "Python version of the built-in Linux stack."
  type        = string
}

variable "startup_command" {
  description = "The web app's startup command."
  type        = string
}

variable "health_path" {
  description = "Path of App Service's instance health check (the bot's liveness route)."
  type        = string
}

variable "key_vault_id" {
  description = "Resource id of the deployment's Key Vault."
  type        = string
}

variable "key_vault_uri" {
  description = "https://<vault>.vault.azure.net/"
  type        = string
}

variable "secrets_vault_id" {
  description = "The Key Vault's id as module global hands it out for writing secrets: it becomes known only after the deployer's data roles have had time to apply."
  type        = string
}

variable "app_insights_id" {
  description = "Resource id of Application Insights."
  type        = string
}

variable "app_insights_secret" {
  description = "Versionless id of the Key Vault secret holding Application Insights' connection string."
  type        = string
}

variable "cosmos_account_id" {
  description = "Resource id of the Cosmos DB account."
  type        = string
}

variable "cosmos_account_name" {
  description = "Name of the Cosmos DB account."
  type        = string
}

variable "cosmos_resource_group" {
  description = "Resource group of the Cosmos DB account."
  type        = string
}

variable "cosmos_database_name" {
  description = "The conversation-state database; the web app may read and write items in it, nothing else."
  type        = string
}

variable "bot_identity_id" {
  description = "Resource id of the bot's user-assigned identity, attached to the web app (null for a SingleTenant bot)."
  type        = string
}

variable "behind_front_door" {
  description = "The web app sits behind Front Door: it then accepts only requests through the deployment's Front Door profile (service tag AzureFrontDoor.Backend and header X-Azure-FDID)."
  type        = bool
}

variable "front_door_guid" {
  description = "The Front Door profile's X-Azure-FDID (null with Traffic Manager)."
  type        = string
}

variable "language_sku" {
  description = "SKU of the Language resource (F0 or S)."
  type        = string
}

variable "language_local_auth" {
  description = "Allow key authentication on the Language resource."
  type        = bool
}
