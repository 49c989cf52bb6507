variable "deployment" {
  description = "The bot name."
  type        = string
}

variable "location" {
  description = "Region of the global resource group, Key Vault, monitoring and the bot's identity."
  type        = string
}

variable "names" {
  description = "Global resource names from geobot/naming.py (see the root variable)."
  type        = map(string)
}

variable "tags" {
  description = "Tags for every resource."
  type        = map(string)
}

variable "tenant_id" {
  description = "Microsoft Entra tenant of the subscription."
  type        = string
}

variable "deployer_id" {
  description = "Object id of the principal running Terraform; it gets the Key Vault data roles geobot's later stages need (write secrets, import the certificate)."
  type        = string
}

variable "bot_regions" {
  description = "The bot regions in failover order (first = Cosmos DB failover priority 0)."
  type        = list(string)
}

variable "edge" {
  description = "trafficmanager or frontdoor."
  type        = string
}

variable "routing_method" {
  description = "performance, priority or weighted."
  type        = string
}

variable "probe" {
  description = "Traffic Manager monitor settings (see the root variable)."
  type = object({
    path                        = string
    interval                    = number
    timeout                     = number
    tolerated_failures          = number
    dns_ttl                     = number
    expected_status_code_ranges = list(string)
  })
}

variable "purge_protection" {
  description = "Key Vault purge protection."
  type        = bool
}

variable "soft_delete_retention_days" {
  description = "Key Vault soft-delete retention, 7-90 days."
  type        = number
}

variable "rbac_propagation_wait" {
  description = "Wait after the deployer's Key Vault role assignments before writing secrets."
  type        = string
}

variable "cosmos_max_throughput" {
  description = "Autoscale maximum RU/s of the shared database."
  type        = number
}

variable "log_retention_days" {
  description = "Log Analytics retention in days."
  type        = number
}

variable "log_daily_quota_gb" {
  description = "Log Analytics daily cap in GB, -1 for none."
  type        = number
}

variable "bot_sku" {
  description = "Azure Bot SKU."
  type        = string
}

variable "bot_app_type" {
  description = "UserAssignedMSI or SingleTenant."
  type        = string
}

variable "bot_app_id" {
  description = "Client id of the single-tenant app registration, or null."
  type        = string
}

variable "directline_enabled" {
  description = "Create the Direct Line channel."
  type        = bool
}

variable "directline_trusted_origins" {
  description = "Origins for Direct Line enhanced authentication."
  type        = list(string)
}
