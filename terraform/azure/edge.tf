# The router in front of the regional web apps. With Traffic Manager, the profile (module
# global) and its endpoints (here) are declared in this configuration only: no other state,
# script or stage creates, re-declares or edits them, so re-running deploy changes nothing and
# the HTTPS probe stays as configured.

locals {
  # Front Door's equivalents of Traffic Manager's routing methods: latency within 50 ms
  # (performance), origin priority 1-5 (priority), or every origin in the latency set so that
  # only the weights decide (weighted).
  front_door_latency_ms = { performance = 50, priority = 0, weighted = 1000 }

  # Traffic Manager marks an endpoint Degraded after tolerated_failures + 1 failed probes; Front
  # Door marks an origin unhealthy when fewer than successful_samples_required of the last
  # sample_size probes succeeded. Same count of consecutive failures.
  front_door_sample_size = max(4, var.probe.tolerated_failures + 1)
}

resource "azurerm_traffic_manager_azure_endpoint" "region" {
  for_each = local.traffic_manager ? var.regions : {}

  name                 = each.value.names.endpoint
  profile_id           = module.global.traffic_manager_id
  target_resource_id   = module.region[each.key].web_app_id
  priority             = each.value.priority
  weight               = each.value.weight
  enabled              = true
  always_serve_enabled = false
}

resource "azurerm_cdn_frontdoor_origin_group" "bots" {
  count = local.front_door ? 1 : 0

  name                     = "bots"
  cdn_frontdoor_profile_id = module.global.front_door_profile_id
  session_affinity_enabled = false

  health_probe {
    protocol            = "Https"
    path                = var.probe.path
    interval_in_seconds = var.probe.interval
    request_type        = "GET"
  }

  load_balancing {
    sample_size                        = local.front_door_sample_size
    successful_samples_required        = local.front_door_sample_size - var.probe.tolerated_failures
    additional_latency_in_milliseconds = local.front_door_latency_ms[var.routing_method]
  }
}

resource "azurerm_cdn_frontdoor_origin" "region" {
  for_each = local.front_door ? var.regions : {}

  name                           = each.value.names.endpoint
  cdn_frontdoor_origin_group_id  = azurerm_cdn_frontdoor_origin_group.bots[0].id
  enabled                        = true
  host_name                      = module.region[each.key].default_hostname
  origin_host_header             = module.region[each.key].default_hostname
  http_port                      = 80
  https_port                     = 443
  certificate_name_check_enabled = true
  priority                       = var.routing_method == "priority" ? min(each.value.priority, 5) : 1
  weight                         = var.routing_method == "weighted" ? each.value.weight : 500
}

# Optional custom domain on Front Door, with a Front Door managed certificate (no Let's Encrypt
# and no PFX on this edge). Validation: TXT _dnsauth.<domain> (output dns_records).
resource "azurerm_cdn_frontdoor_custom_domain" "this" {
  count = local.front_door && var.domain != null ? 1 : 0

  name                     = replace(coalesce(var.domain, "-"), ".", "-")
  cdn_frontdoor_profile_id = module.global.front_door_profile_id
  host_name                = var.domain

  tls {
    certificate_type = "ManagedCertificate"
    minimum_version  = "TLS12"
  }
}

resource "azurerm_cdn_frontdoor_route" "bots" {
  # No WAF policy (it costs extra per policy and rule); the bot authenticates every activity
  # itself. Attach azurerm_cdn_frontdoor_security_policy for production use.
  count = local.front_door ? 1 : 0

  name                            = "bots"
  cdn_frontdoor_endpoint_id       = module.global.front_door_endpoint_id
  cdn_frontdoor_origin_group_id   = azurerm_cdn_frontdoor_origin_group.bots[0].id
  cdn_frontdoor_origin_ids        = [for origin in azurerm_cdn_frontdoor_origin.region : origin.id]
  cdn_frontdoor_custom_domain_ids = azurerm_cdn_frontdoor_custom_domain.this[*].id
  patterns_to_match               = ["/*"]
  supported_protocols             = ["Http", "Https"]
  https_redirect_enabled          = true
  forwarding_protocol             = "HttpsOnly"
  link_to_default_domain          = true
  # No cache block: the bot's API is never cached.
}

# One route per region to that region's web app alone, for the deployer: the web apps admit only
# Front Door, so this is how `online` reads every region's health answer (and its telemetry
# verdict), not just the one the bots route sends it to. One origin per group and no health
# probe, so Front Door forwards whatever the region answers (503 included) and probes nothing more.
resource "azurerm_cdn_frontdoor_origin_group" "region" {
  for_each = local.front_door ? var.regions : {}

  name                     = "region-${each.key}"
  cdn_frontdoor_profile_id = module.global.front_door_profile_id
  session_affinity_enabled = false

  load_balancing {
    sample_size                 = local.front_door_sample_size
    successful_samples_required = local.front_door_sample_size - var.probe.tolerated_failures
  }
}

resource "azurerm_cdn_frontdoor_origin" "region_direct" {
  for_each = local.front_door ? var.regions : {}

  name                           = "${each.value.names.endpoint}-direct"
  cdn_frontdoor_origin_group_id  = azurerm_cdn_frontdoor_origin_group.region[each.key].id
  enabled                        = true
  host_name                      = module.region[each.key].default_hostname
  origin_host_header             = module.region[each.key].default_hostname
  http_port                      = 80
  https_port                     = 443
  certificate_name_check_enabled = true
}

resource "azurerm_cdn_frontdoor_route" "region" {
  for_each = local.front_door ? var.regions : {}

  name                          = "region-${each.key}"
  cdn_frontdoor_endpoint_id     = module.global.front_door_endpoint_id
  cdn_frontdoor_origin_group_id = azurerm_cdn_frontdoor_origin_group.region[each.key].id
  cdn_frontdoor_origin_ids      = [azurerm_cdn_frontdoor_origin.region_direct[each.key].id]
  patterns_to_match             = ["/api/regions/${each.key}/health"]
  supported_protocols           = ["Https"]
  https_redirect_enabled        = false
  forwarding_protocol           = "HttpsOnly"
  link_to_default_domain        = true
}

resource "azurerm_cdn_frontdoor_custom_domain_association" "this" {
  count = local.front_door && var.domain != null ? 1 : 0

  cdn_frontdoor_custom_domain_id = azurerm_cdn_frontdoor_custom_domain.this[0].id
  cdn_frontdoor_route_ids        = [azurerm_cdn_frontdoor_route.bots[0].id]
}
