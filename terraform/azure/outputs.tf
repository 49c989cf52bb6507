# What geobot's later stages read (`terraform output -json`). No output holds a secret: keys
# stay in Azure and the certificate in Key Vault.

locals {
  verification_ids = distinct([for regional in module.region : regional.custom_domain_verification_id])

  dns_records = var.domain == null ? [] : (local.traffic_manager ? concat(
    [{
      type    = "CNAME"
      name    = var.domain
      value   = module.global.traffic_manager_fqdn
      purpose = "route the domain through Traffic Manager"
    }],
    [for id in local.verification_ids : {
      type    = "TXT"
      name    = "asuid.${var.domain}"
      value   = id
      purpose = "App Service domain verification (one value per subscription)"
    }],
    ) : [
    {
      type    = "CNAME"
      name    = var.domain
      value   = module.global.front_door_endpoint_host_name
      purpose = "route the domain through Front Door"
    },
    {
      type    = "TXT"
      name    = "_dnsauth.${var.domain}"
      value   = one(azurerm_cdn_frontdoor_custom_domain.this[*].validation_token)
      purpose = "Front Door domain validation (managed certificate)"
    },
  ])
}

output "deployment" {
  description = "The bot name."
  value       = var.deployment
}

output "edge" {
  description = "trafficmanager or frontdoor."
  value       = var.edge
}

output "host_name" {
  description = "The public host name: the custom domain, else <name>.trafficmanager.net or the Front Door endpoint's host name."
  value       = local.host_name
}

output "messaging_endpoint" {
  description = "What geobot's endpoint stage sets as the bot's messaging endpoint once every region is Online."
  value       = "https://${local.host_name}/api/messages"
}

output "tls" {
  description = "How the public host name gets its certificate, for the certificate and binding stages: mode is \"app-service-binding\" (custom domain on Traffic Manager: Let's Encrypt or PFX into Key Vault, then bind_certificate), \"front-door-managed\" (nothing to issue) or \"unsupported\" (Traffic Manager without a domain: App Service binds no certificate to *.trafficmanager.net; preflight must refuse it)."
  value = {
    mode = local.front_door ? "front-door-managed" : (var.domain != null ? "app-service-binding" : "unsupported")
    reason = local.front_door ? "Front Door serves ${local.host_name} with its own certificate" : (
      var.domain != null ? "the certificate for ${var.domain} is imported from Key Vault into every region" : "App Service cannot bind a certificate to ${local.host_name}: set domain (CNAME to the profile plus TXT asuid.<domain>) or edge = \"frontdoor\""
    )
    certificate_name      = var.certificate_name
    certificate_secret_id = local.certificate_secret_id
    hostname_bound        = var.bind_hostname
    certificate_bound     = var.bind_certificate
    app_service_app_id    = "abfa0a7c-a6b6-4736-8310-5855508787cd"
  }
}

output "dns_records" {
  description = "DNS records the owner of var.domain must create (geobot prints them): type, name, value, purpose. Empty without a domain."
  value       = local.dns_records
}

output "resource_groups" {
  description = "Every resource group: global and one per region."
  value = {
    global  = module.global.resource_group_name
    regions = { for name, regional in module.region : name => regional.resource_group_name }
  }
}

output "key_vault" {
  description = "The deployment's Key Vault: id, name, uri (GEOBOT_BOT_VAULT_URL)."
  value = {
    id   = module.global.key_vault_id
    name = module.global.key_vault_name
    uri  = module.global.key_vault_uri
  }
}

output "certificate_vault" {
  description = "The certificate's own Key Vault (the bots have no role on it): id, name, uri."
  value = {
    id   = module.global.certificate_vault_id
    name = module.global.certificate_vault_name
    uri  = module.global.certificate_vault_uri
  }
}

output "cosmos" {
  description = "The conversation-state store: account, endpoint, database, container (keys disabled; data-plane RBAC)."
  value = {
    id        = module.global.cosmos_account_id
    account   = module.global.cosmos_account_name
    endpoint  = module.global.cosmos_endpoint
    database  = module.global.cosmos_database_name
    container = module.global.cosmos_container_name
  }
}

output "traffic_manager" {
  description = "The Traffic Manager profile: id, name, fqdn, resource_group and endpoint names per region (null with Front Door). Read endpoint monitor status with azure-mgmt-trafficmanager profiles.get(resource_group, name)."
  value = local.traffic_manager ? {
    id             = module.global.traffic_manager_id
    name           = module.global.traffic_manager_name
    fqdn           = module.global.traffic_manager_fqdn
    resource_group = module.global.resource_group_name
    endpoints      = { for name, endpoint in azurerm_traffic_manager_azure_endpoint.region : name => endpoint.name }
  } : null
}

output "front_door" {
  description = "The Front Door profile: id, endpoint host name, origin group and origin names per region (null with Traffic Manager)."
  value = local.front_door ? {
    profile_id         = module.global.front_door_profile_id
    endpoint_host_name = module.global.front_door_endpoint_host_name
    origin_group       = azurerm_cdn_frontdoor_origin_group.bots[0].name
    origins            = { for name, origin in azurerm_cdn_frontdoor_origin.region : name => origin.name }
  } : null
}

output "bot" {
  description = "The Azure Bot resource: name, id, resource_group, app_id (the managed identity's client id or the single-tenant app's)."
  value = {
    name           = module.global.bot_name
    id             = module.global.bot_id
    resource_group = module.global.resource_group_name
    app_id         = module.global.bot_app_id
    app_type       = var.bot_app_type
  }
}

output "monitoring" {
  description = "Application Insights and its Log Analytics workspace."
  value = {
    app_insights_id            = module.global.app_insights_id
    log_analytics_workspace_id = module.global.log_analytics_workspace_id
  }
}

output "regions" {
  description = "Per region: resource group, web app (name, id, creation id, default host name), the web app identity's client id, the Language resource (name, id, endpoint), the router endpoint's name and the custom-domain verification id."
  value = {
    for name, regional in module.region : name => {
      resource_group                = regional.resource_group_name
      web_app_name                  = regional.web_app_name
      web_app_id                    = regional.web_app_id
      web_app_instance              = regional.web_app_instance
      default_hostname              = regional.default_hostname
      identity_client_id            = regional.identity_client_id
      language_name                 = regional.language_name
      language_id                   = regional.language_id
      language_endpoint             = regional.language_endpoint
      language_endpoint_secret      = regional.language_endpoint_secret
      endpoint_name                 = var.regions[name].names.endpoint
      custom_domain_verification_id = regional.custom_domain_verification_id
    }
  }
}
