# TLS for the Traffic Manager edge: the custom domain on every regional web app, then the
# certificate from Key Vault bound to it with SNI. Two later pipeline stages turn these on:
#
#   bind_hostname    once the CNAME <domain> -> <profile>.trafficmanager.net and the TXT
#                    asuid.<domain> (output dns_records) resolve; Let's Encrypt's HTTP-01
#                    challenge reaches the bots through the domain from then on
#   bind_certificate once geobot's certificate stage has put the certificate into Key Vault
#
# Only for a custom domain. <profile>.trafficmanager.net is managed on each web app by App
# Service itself while the app is an endpoint of the profile (ARM refuses to delete it: "The
# traffic manager domain ... can be removed only through the Traffic Manager"), so a
# Terraform-owned binding of it would collide on create and fail on destroy; it cannot be
# verified with an asuid TXT record (the trafficmanager.net zone is Microsoft's) and App Service
# managed certificates exclude *.trafficmanager.net. This configuration never binds it: the
# root module's "contract" refuses bind_hostname without a domain.

locals {
  hostname_regions    = var.bind_hostname ? var.regions : {}
  certificate_regions = var.bind_certificate && var.bind_hostname ? var.regions : {}

  # Versionless: App Service follows the certificate's newest version (renewals) by itself.
  certificate_secret_id = "${module.global.certificate_vault_uri}secrets/${var.certificate_name}"

  app_service_principal_id = var.app_service_principal_object_id != null ? var.app_service_principal_object_id : one(data.azuread_service_principal.app_service[*].object_id)
}

# Looked up in the deployer's tenant unless given: every tenant has this first-party principal.
data "azuread_service_principal" "app_service" {
  count = var.bind_certificate && var.app_service_principal_object_id == null ? 1 : 0

  client_id = "abfa0a7c-a6b6-4736-8310-5855508787cd"
}

# The first-party "Microsoft Azure App Service" principal imports the certificate: it may read
# this one certificate and its secret, not the rest of the vault.
resource "azurerm_role_assignment" "app_service_certificate_secret" {
  count = var.bind_certificate ? 1 : 0

  scope                = "${module.global.certificate_vault_id}/secrets/${var.certificate_name}"
  role_definition_name = "Key Vault Secrets User"
  principal_id         = local.app_service_principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "app_service_certificate" {
  count = var.bind_certificate ? 1 : 0

  scope                = "${module.global.certificate_vault_id}/certificates/${var.certificate_name}"
  role_definition_name = "Key Vault Certificate User"
  principal_id         = local.app_service_principal_id
  principal_type       = "ServicePrincipal"
}

resource "time_sleep" "certificate_rbac" {
  count = var.bind_certificate ? 1 : 0

  create_duration = var.rbac_propagation_wait

  triggers = {
    secret      = azurerm_role_assignment.app_service_certificate_secret[0].id
    certificate = azurerm_role_assignment.app_service_certificate[0].id
  }
}

resource "azurerm_app_service_custom_hostname_binding" "domain" {
  for_each = local.hostname_regions

  hostname            = var.domain
  app_service_name    = module.region[each.key].web_app_name
  resource_group_name = module.region[each.key].resource_group_name

  # The certificate binding below owns the SSL state.
  lifecycle {
    ignore_changes = [ssl_state, thumbprint]
  }

  # The CNAME points at the profile: App Service validates it while the app is an endpoint.
  depends_on = [azurerm_traffic_manager_azure_endpoint.region]
}

resource "azurerm_app_service_certificate" "domain" {
  for_each = local.certificate_regions

  name                = "${var.certificate_name}-${each.key}"
  resource_group_name = module.region[each.key].resource_group_name
  location            = each.key
  app_service_plan_id = module.region[each.key].service_plan_id
  key_vault_secret_id = local.certificate_secret_id
  tags                = local.tags

  depends_on = [time_sleep.certificate_rbac]
}

resource "azurerm_app_service_certificate_binding" "domain" {
  for_each = local.certificate_regions

  hostname_binding_id = azurerm_app_service_custom_hostname_binding.domain[each.key].id
  certificate_id      = azurerm_app_service_certificate.domain[each.key].id
  ssl_state           = "SniEnabled"
}
