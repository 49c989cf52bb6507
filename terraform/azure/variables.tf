# The contract geobot renders (geobot/targets/azure: render_variables). The shape follows
# terraform/local: deployment, global_region, routing_method, probe and one `regions` entry per
# bot region with the resource names geobot/naming.py derives; the rest is Azure's own.
# No variable holds a secret: keys stay in Azure (managed identities and data-plane roles), the
# certificate is read by App Service straight from Key Vault.

variable "deployment" {
  description = "The bot name (geobot.toml `name`); every resource name derives from it."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{0,18}$", var.deployment))
    error_message = "deployment must be 1-19 lowercase letters and digits, starting with a letter."
  }
}

variable "global_region" {
  description = "Azure region of the global services: Key Vault, monitoring, the bot's identity and the global resource group (Traffic Manager, Front Door and the Azure Bot are global)."
  type        = string

  validation {
    condition     = can(regex("^[a-z][a-z0-9]*$", var.global_region))
    error_message = "global_region must be an Azure region name such as \"japaneast\" (lowercase, no spaces)."
  }
}

variable "names" {
  description = "Names of the global resources, from geobot/naming.py global_names(\"azure\", name): resource_group, key_vault, certificate_vault, cosmos_account, traffic_manager, traffic_manager_dns, bot (storage_account is the state bootstrap's). Optional keys log_analytics, app_insights, bot_identity, front_door, front_door_endpoint override the names derived here."
  type        = map(string)

  validation {
    condition     = alltrue([for key in ["resource_group", "key_vault", "certificate_vault", "cosmos_account", "traffic_manager", "traffic_manager_dns", "bot"] : contains(keys(var.names), key)])
    error_message = "names must hold resource_group, key_vault, certificate_vault, cosmos_account, traffic_manager, traffic_manager_dns and bot."
  }

  validation {
    condition     = alltrue([for key in ["key_vault", "certificate_vault"] : can(regex("^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$", lookup(var.names, key, ""))) && !strcontains(lookup(var.names, key, ""), "--")])
    error_message = "names.key_vault and names.certificate_vault must be 3-24 letters, digits and single hyphens, starting with a letter."
  }

  validation {
    condition     = can(regex("^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$", lookup(var.names, "traffic_manager_dns", "")))
    error_message = "names.traffic_manager_dns must be one DNS label: 1-63 lowercase letters, digits and hyphens."
  }
}

variable "routing_method" {
  description = "performance, priority or weighted: Traffic Manager's routing method, or how Front Door picks an origin (latency, origin priority, origin weight)."
  type        = string
  default     = "performance"

  validation {
    condition     = contains(["performance", "priority", "weighted"], var.routing_method)
    error_message = "routing_method must be performance, priority or weighted."
  }
}

variable "probe" {
  description = "Endpoint monitoring, as Traffic Manager's monitor_config (always HTTPS on port 443): path, interval (10 or 30 s), timeout (5-9 s at interval 10, 5-10 s at 30), tolerated_failures (0-9), dns_ttl (s) and the HTTP status ranges counted as healthy. geobot's defaults 10/5/1/TTL 10 give a worst-case failover near 35 s."
  type = object({
    path                        = string
    interval                    = number
    timeout                     = number
    tolerated_failures          = number
    dns_ttl                     = number
    expected_status_code_ranges = optional(list(string), ["200-299"])
  })
  default = {
    path               = "/api/health"
    interval           = 10
    timeout            = 5
    tolerated_failures = 1
    dns_ttl            = 10
  }

  validation {
    condition     = startswith(var.probe.path, "/") && !strcontains(var.probe.path, " ")
    error_message = "probe.path must start with \"/\" and contain no spaces, e.g. \"/api/health\"."
  }

  validation {
    condition     = contains([10, 30], var.probe.interval)
    error_message = "probe.interval must be 10 (fast probing) or 30 seconds."
  }

  validation {
    condition     = var.probe.timeout >= 5 && var.probe.timeout <= (var.probe.interval == 10 ? 9 : 10)
    error_message = "probe.timeout must be 5-9 seconds with probe.interval 10, 5-10 seconds with probe.interval 30."
  }

  validation {
    condition     = var.probe.tolerated_failures >= 0 && var.probe.tolerated_failures <= 9 && floor(var.probe.tolerated_failures) == var.probe.tolerated_failures
    error_message = "probe.tolerated_failures must be a whole number from 0 to 9."
  }

  validation {
    condition     = var.probe.dns_ttl >= 0 && var.probe.dns_ttl <= 2147483647
    error_message = "probe.dns_ttl must be 0 to 2147483647 seconds."
  }

  validation {
    condition     = length(var.probe.expected_status_code_ranges) > 0 && alltrue([for r in var.probe.expected_status_code_ranges : can(regex("^[1-5][0-9][0-9](-[1-5][0-9][0-9])?$", r))])
    error_message = "probe.expected_status_code_ranges must list ranges such as \"200-299\" or single codes such as \"200\"."
  }
}

variable "regions" {
  description = "One entry per bot region (key: the Azure region name), rendered by geobot from geobot.toml: priority (1 = first; Cosmos DB failover order and Traffic Manager priority), weight (weighted routing) and names from geobot/naming.py regional_names(\"azure\", name, region): resource_group, web_app, app_service_plan, language_account, endpoint (optional: identity)."
  type = map(object({
    priority = number
    weight   = number
    names    = map(string)
  }))

  validation {
    condition     = length(var.regions) >= 1 && alltrue([for key in keys(var.regions) : can(regex("^[a-z][a-z0-9]*$", key))])
    error_message = "regions must hold at least one region, each keyed by its Azure name such as \"koreacentral\"."
  }

  validation {
    condition     = alltrue([for r in values(var.regions) : r.priority >= 1 && r.priority <= 1000 && r.weight >= 1 && r.weight <= 1000])
    error_message = "each region's priority and weight must be 1-1000."
  }

  validation {
    condition     = length(distinct([for r in values(var.regions) : r.priority])) == length(var.regions)
    error_message = "each region needs its own priority (Traffic Manager and Cosmos DB failover order)."
  }

  validation {
    condition = alltrue([
      for r in values(var.regions) : alltrue([
        for key in ["resource_group", "web_app", "app_service_plan", "language_account", "endpoint"] : contains(keys(r.names), key)
      ])
    ])
    error_message = "each region's names must hold resource_group, web_app, app_service_plan, language_account and endpoint."
  }
}

variable "tags" {
  description = "Tags added to every resource (geobot adds geobot-deployment itself)."
  type        = map(string)
  default     = {}
}

variable "edge" {
  description = "What answers on the public host name: \"trafficmanager\" (DNS failover between the regional web apps, the original architecture) or \"frontdoor\" (Azure Front Door Standard: one anycast address, failover at the edge, a managed certificate)."
  type        = string
  default     = "trafficmanager"

  validation {
    condition     = contains(["trafficmanager", "frontdoor"], var.edge)
    error_message = "edge must be \"trafficmanager\" or \"frontdoor\"."
  }
}

variable "domain" {
  description = "Custom host name for the bot, e.g. bot.example.com (not a zone apex: it is a CNAME). With Traffic Manager it is the only host name App Service can serve with a certificate (see outputs tls and dns_records); with Front Door it gets a Front Door managed certificate. null: the Traffic Manager or Front Door name."
  type        = string
  default     = null

  validation {
    condition     = var.domain == null || can(regex("^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\\.)+[a-z][a-z0-9-]{0,61}[a-z0-9]$", var.domain))
    error_message = "domain must be a lowercase DNS name with at least two labels, such as \"bot.example.com\"."
  }

  validation {
    condition     = var.domain == null || !endswith(coalesce(var.domain, "-"), ".trafficmanager.net") && !endswith(coalesce(var.domain, "-"), ".azurefd.net") && !endswith(coalesce(var.domain, "-"), ".azurewebsites.net")
    error_message = "domain must be a name you control: *.trafficmanager.net, *.azurefd.net and *.azurewebsites.net cannot carry the asuid/_dnsauth TXT records a custom domain needs."
  }
}

variable "bind_hostname" {
  description = "Bind var.domain to every regional web app (Traffic Manager edge). Set it once the DNS records of output dns_records exist (CNAME to the profile, TXT asuid.<domain>): App Service refuses the binding before. Needed before Let's Encrypt's HTTP-01 challenge can reach the bots through the domain."
  type        = bool
  default     = false
}

variable "bind_certificate" {
  description = "Import the Key Vault certificate var.certificate_name into every region and bind it to var.domain with SNI (the TLS binding stage, once the certificate is in the vault). Needs bind_hostname."
  type        = bool
  default     = false
}

variable "certificate_name" {
  description = "Name of the Key Vault certificate that geobot's certificate stage imports (Let's Encrypt or PFX). App Service reads its versionless secret, so a renewed certificate is picked up without a new apply."
  type        = string
  default     = "geobot-tls"

  validation {
    condition     = can(regex("^[0-9A-Za-z-]{1,127}$", var.certificate_name))
    error_message = "certificate_name must be 1-127 letters, digits and hyphens (Key Vault's rule)."
  }
}

variable "app_service_principal_object_id" {
  description = "Object id, in this tenant, of the first-party service principal \"Microsoft Azure App Service\" (app id abfa0a7c-a6b6-4736-8310-5855508787cd) that imports Key Vault certificates; it gets read access to the certificate only. Look up: az ad sp show --id abfa0a7c-a6b6-4736-8310-5855508787cd --query id -o tsv. Default: looked up with the azuread provider."
  type        = string
  default     = null

  validation {
    condition     = var.app_service_principal_object_id == null || can(regex("^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$", coalesce(var.app_service_principal_object_id, "-")))
    error_message = "app_service_principal_object_id must be a GUID."
  }
}

variable "purge_protection" {
  description = "Turn on Key Vault purge protection. Once on it cannot be turned off, and a destroyed vault's name stays taken for soft_delete_retention_days: geobot destroy can then not purge it."
  type        = bool
  default     = false
}

variable "soft_delete_retention_days" {
  description = "How long a deleted Key Vault (and its certificate) stays recoverable, 7-90 days."
  type        = number
  default     = 7

  validation {
    condition     = var.soft_delete_retention_days >= 7 && var.soft_delete_retention_days <= 90
    error_message = "soft_delete_retention_days must be 7-90."
  }
}

variable "app_service_sku" {
  description = "Linux App Service plan SKU of every region. Traffic Manager's Azure endpoints need Standard or above (S1-S3, P0v3 and up); P0v3 is the cheapest of those. With edge = \"frontdoor\" Basic (B1-B3) works too."
  type        = string
  default     = "P0v3"

  validation {
    condition     = can(regex("^(B[1-3]|S[1-3]|P[0-5]m?v[234]|I[1-6]m?v2)$", var.app_service_sku))
    error_message = "app_service_sku must be a dedicated Linux SKU: B1-B3, S1-S3, P0v3..P5mv4 or I1v2..I6mv2 (Free and Shared cannot run always-on)."
  }
}

variable "python_version" {
  description = "Python version of the web apps' built-in Linux stack."
  type        = string
  default     = "3.12"

  validation {
    condition     = contains(["3.11", "3.12", "3.13", "3.14"], var.python_version)
    error_message = "python_version must be 3.11, 3.12, 3.13 or 3.14 (geobot needs 3.11 or newer)."
  }
}

variable "app_health_check_path" {
  description = "Path of App Service's own instance health check: the bot's liveness route, so that a dependency outage (which the router's deep probe on probe.path reports) does not make App Service replace the instance."
  type        = string
  default     = "/api/health/live"

  validation {
    condition     = startswith(var.app_health_check_path, "/")
    error_message = "app_health_check_path must start with \"/\"."
  }
}

variable "startup_command" {
  description = "Command App Service runs in the deployed code's directory; the bot takes its vault and region from the app settings."
  type        = string
  default     = "python -m geobot.bot"
}

variable "language_sku" {
  description = "SKU of each region's Azure AI Language resource (Conversational Language Understanding): S (pay per call) or F0 (free, one per subscription)."
  type        = string
  default     = "S"

  validation {
    condition     = contains(["F0", "S"], var.language_sku)
    error_message = "language_sku must be F0 or S."
  }
}

variable "language_local_auth" {
  description = "Allow key authentication on the Language resources. Off: callers use Microsoft Entra tokens (the web apps' identities hold Cognitive Services Language Reader, the deployer Cognitive Services Language Owner), and no key is worth stealing."
  type        = bool
  default     = false
}

variable "bot_sku" {
  description = "Azure Bot SKU: F0 (free; standard channels unlimited) or S1."
  type        = string
  default     = "F0"

  validation {
    condition     = contains(["F0", "S1"], var.bot_sku)
    error_message = "bot_sku must be F0 or S1."
  }
}

variable "bot_app_type" {
  description = "The bot's identity: UserAssignedMSI (a managed identity this configuration creates and gives every web app; no secret anywhere) or SingleTenant (an Entra app registration of this tenant, bot_app_id; geobot puts its secret in Key Vault). Multi-tenant bots can no longer be created."
  type        = string
  default     = "UserAssignedMSI"

  validation {
    condition     = contains(["UserAssignedMSI", "SingleTenant"], var.bot_app_type)
    error_message = "bot_app_type must be UserAssignedMSI or SingleTenant."
  }
}

variable "bot_app_id" {
  description = "Client id of the single-tenant Entra app registration (bot_app_type = SingleTenant only)."
  type        = string
  default     = null

  validation {
    condition     = var.bot_app_id == null || can(regex("^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$", coalesce(var.bot_app_id, "-")))
    error_message = "bot_app_id must be a GUID."
  }
}

variable "directline_enabled" {
  description = "Create the bot's Direct Line channel (site \"geobot\"; v3 only). Its site keys are readable in the Azure portal and land in the Terraform state, never in outputs; no anonymous token endpoint exists."
  type        = bool
  default     = true
}

variable "directline_trusted_origins" {
  description = "Origins allowed to use Direct Line with enhanced authentication (e.g. https://www.example.com); empty: enhanced authentication off."
  type        = list(string)
  default     = []

  validation {
    condition     = alltrue([for o in var.directline_trusted_origins : startswith(o, "https://")])
    error_message = "directline_trusted_origins must be https:// origins."
  }
}

variable "cosmos_max_throughput" {
  description = "Autoscale maximum RU/s of the shared Cosmos DB database, per region. Autoscale bills at least 10% of it per hour, so 1000 idles at 100 RU/s in each region."
  type        = number
  default     = 1000

  validation {
    condition     = var.cosmos_max_throughput >= 1000 && var.cosmos_max_throughput % 1000 == 0
    error_message = "cosmos_max_throughput must be a multiple of 1000 RU/s, at least 1000."
  }
}

variable "log_retention_days" {
  description = "Days the Log Analytics workspace (and so Application Insights) keeps data."
  type        = number
  default     = 30

  validation {
    condition     = var.log_retention_days >= 30 && var.log_retention_days <= 730
    error_message = "log_retention_days must be 30-730."
  }
}

variable "log_daily_quota_gb" {
  description = "Daily ingestion cap of the Log Analytics workspace in GB (-1: none). A cap keeps a log storm from becoming a bill."
  type        = number
  default     = 1
}

variable "rbac_propagation_wait" {
  description = "How long to wait after granting the deployer its Key Vault data roles before writing secrets (Azure RBAC takes up to a few minutes to apply). A duration such as \"60s\"."
  type        = string
  default     = "60s"

  validation {
    condition     = can(regex("^[0-9]+[sm]$", var.rbac_propagation_wait))
    error_message = "rbac_propagation_wait must be a duration such as \"60s\" or \"2m\"."
  }
}
