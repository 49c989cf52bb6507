variable "deployment" {
  description = "The bot name; every resource name derives from it."
  type        = string
}

variable "deployment_dir" {
  description = "Absolute path of the deployment's directory inside geobot's state directory."
  type        = string
}

variable "global_region" {
  description = "Region of the global services (router, vault, state store)."
  type        = string
}

variable "routing_method" {
  description = "performance, priority or weighted, as Traffic Manager."
  type        = string
}

variable "probe" {
  description = "Endpoint monitoring, as Traffic Manager's monitor_config."
  type = object({
    path               = string
    interval           = number
    timeout            = number
    tolerated_failures = number
    dns_ttl            = number
  })
}

variable "regions" {
  description = "One entry per bot region, rendered by geobot from geobot.toml."
  type = map(object({
    priority = number
    weight   = number
    names    = map(string)
  }))
}
