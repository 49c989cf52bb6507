output "resource_group_name" {
  description = "This region's resource group."
  value       = azurerm_resource_group.region.name
}

output "web_app_id" {
  description = "Resource id of the web app (the Traffic Manager endpoint's target)."
  value       = azurerm_linux_web_app.this.id
}

output "web_app_instance" {
  description = "A new id each time the web app is (re)created: the code stage deploys again when it changes."
  value       = terraform_data.web_app_instance.id
}

output "web_app_name" {
  description = "Name of the web app (zip deploy target)."
  value       = azurerm_linux_web_app.this.name
}

output "default_hostname" {
  description = "The web app's own host name, <name>.azurewebsites.net or the unique <name>-<hash>.<region>-01.azurewebsites.net."
  value       = azurerm_linux_web_app.this.default_hostname
}

output "custom_domain_verification_id" {
  description = "Value of the TXT record asuid.<domain> that App Service checks before binding a custom domain. Published in public DNS by design, so not treated as a secret (the provider marks it sensitive)."
  value       = nonsensitive(azurerm_linux_web_app.this.custom_domain_verification_id)
}

output "service_plan_id" {
  description = "Resource id of the App Service plan."
  value       = azurerm_service_plan.this.id
}

output "identity_principal_id" {
  description = "Object id of the web app's identity."
  value       = azurerm_user_assigned_identity.app.principal_id
}

output "identity_client_id" {
  description = "Client id of the web app's identity (AZURE_CLIENT_ID)."
  value       = azurerm_user_assigned_identity.app.client_id
}

output "language_endpoint" {
  description = "https://<custom subdomain>.cognitiveservices.azure.com/"
  value       = azurerm_cognitive_account.language.endpoint
}

output "language_id" {
  description = "Resource id of the Language resource."
  value       = azurerm_cognitive_account.language.id
}

output "language_name" {
  description = "Name of the Language resource."
  value       = azurerm_cognitive_account.language.name
}

output "language_endpoint_secret" {
  description = "Name of the Key Vault secret holding the Language endpoint for this region."
  value       = azurerm_key_vault_secret.language_endpoint.name
}
