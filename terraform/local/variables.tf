variable "deployment" {
  description = "The bot name; every resource name derives from it."
  type        = string
}

variable "deployment_dir" {
  description = "Absolute path of the deployment's directory inside geobot's state directory."
  type        = string
}

variable "python" {
  description = "Absolute path of the Python interpreter that runs the bots and the router."
  type        = string
}

variable "global_region" {
  description = "Region of the global services (router, vault, state store)."
  type        = string
}

variable "host_name" {
  description = "The router's public host name; the certificate is issued for it."
  type        = string
}

variable "routing_method" {
  description = "performance, priority or weighted, as Traffic Manager."
  type        = string

  validation {
    condition     = contains(["performance", "priority", "weighted"], var.routing_method)
    error_message = "routing_method must be performance, priority or weighted."
  }
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

variable "router" {
  description = "The local router's loopback ports and behaviour: retry on the next region (Front Door) or not (Traffic Manager), and the hold-down of a degraded region."
  type = object({
    https_port = number
    http_port  = number
    retry      = bool
    hold_down  = number
  })
}

variable "regions" {
  description = "One entry per bot region, rendered by geobot from geobot.toml."
  type = map(object({
    priority = number
    weight   = number
    port     = number
    names    = map(string)
  }))
}
