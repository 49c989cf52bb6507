# The edge and the checks across variables. Kept apart from the azurerm resources on purpose:
# this file and variables.tf need no provider, so tests plan them with the real Terraform.

locals {
  traffic_manager = var.edge == "trafficmanager"
  front_door      = var.edge == "frontdoor"
}

# Combinations the variables' own validations cannot see (they may only look at themselves
# before Terraform 1.9). They stop the plan with the reason and the fix; preflight refuses the
# same ones earlier from output-free knowledge (see output "tls").
resource "terraform_data" "contract" {
  lifecycle {
    precondition {
      condition     = !var.bind_hostname || var.domain != null
      error_message = "bind_hostname needs a custom domain: App Service binds no certificate to <name>.trafficmanager.net (no asuid TXT record can be created in that zone and App Service managed certificates exclude it). Set domain = \"bot.example.com\" with a CNAME to the Traffic Manager profile, or use edge = \"frontdoor\"."
    }

    precondition {
      condition     = !var.bind_hostname || local.traffic_manager
      error_message = "bind_hostname is for edge = \"trafficmanager\": with Front Door the custom domain lives on Front Door (managed certificate), not on the web apps."
    }

    precondition {
      condition     = !var.bind_certificate || var.bind_hostname
      error_message = "bind_certificate needs bind_hostname (the certificate is bound to the custom domain's host name binding)."
    }

    precondition {
      condition     = var.bot_app_type != "SingleTenant" || var.bot_app_id != null
      error_message = "bot_app_type SingleTenant needs bot_app_id (the app registration's client id)."
    }

    precondition {
      condition     = !local.traffic_manager || !can(regex("^B[1-3]$", var.app_service_sku))
      error_message = "Traffic Manager monitors App Service endpoints only on Standard or higher plans (a Basic app shows as Stopped): use app_service_sku P0v3 or S1, or edge = \"frontdoor\"."
    }
  }
}
