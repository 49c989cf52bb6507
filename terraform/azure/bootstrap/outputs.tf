output "resource_group_name" {
  description = "Resource group of the state account."
  value       = azurerm_resource_group.state.name
}

output "storage_account_name" {
  description = "The state account."
  value       = azurerm_storage_account.state.name
}

output "container_name" {
  description = "The state container."
  value       = azurerm_storage_container.state.name
}

output "backend_config" {
  description = "The main configuration's backend \"azurerm\" settings: geobot writes them into backend_override.tf (names only, no secret)."
  value = {
    resource_group_name  = azurerm_resource_group.state.name
    storage_account_name = azurerm_storage_account.state.name
    container_name       = azurerm_storage_container.state.name
    key                  = "${var.deployment}.tfstate"
    use_azuread_auth     = true
  }

  depends_on = [time_sleep.rbac]
}
