locals {
  tags           = merge(var.tags, { "geobot-deployment" = var.deployment })
  resource_group = lookup(var.names, "resource_group", "rg-${var.deployment}-tfstate")
  principals     = toset(concat([data.azurerm_client_config.current.object_id], var.state_principal_ids))
}

data "azurerm_client_config" "current" {}

resource "azurerm_resource_group" "state" {
  name     = local.resource_group
  location = var.location
  tags     = local.tags
}

resource "azurerm_storage_account" "state" {
  #checkov:skip=CKV_AZURE_59:Terraform runs from laptops and CI runners without fixed addresses; access needs an Entra ID token with a blob data role (shared keys are off).
  #checkov:skip=CKV_AZURE_35:Same as CKV_AZURE_59: the default network action must allow the deployer's address.
  #checkov:skip=CKV2_AZURE_33:A private endpoint needs a VNet the deployer is inside; geobot runs from anywhere.
  #checkov:skip=CKV2_AZURE_1:Encrypted at rest with Microsoft-managed keys (plus infrastructure encryption); a customer-managed key would need a vault that outlives the deployment.
  #checkov:skip=CKV2_AZURE_41:Shared keys are disabled, so no SAS token can be signed at all.
  #checkov:skip=CKV_AZURE_33:The account has no queues.
  #checkov:skip=CKV_AZURE_43:The name is var.names.storage_account, which checkov cannot resolve; geobot derives it (st<name>) and the variable's validation enforces Azure's 3-24 lowercase letters and digits.
  name                              = var.names.storage_account
  resource_group_name               = azurerm_resource_group.state.name
  location                          = azurerm_resource_group.state.location
  account_kind                      = "StorageV2"
  account_tier                      = "Standard"
  account_replication_type          = var.replication
  https_traffic_only_enabled        = true
  min_tls_version                   = "TLS1_2"
  shared_access_key_enabled         = false
  default_to_oauth_authentication   = true
  allow_nested_items_to_be_public   = false
  cross_tenant_replication_enabled  = false
  local_user_enabled                = false
  infrastructure_encryption_enabled = true
  public_network_access_enabled     = true
  tags                              = local.tags

  blob_properties {
    versioning_enabled = true

    delete_retention_policy {
      days = 30
    }

    container_delete_retention_policy {
      days = 30
    }
  }
}

resource "azurerm_storage_container" "state" {
  #checkov:skip=CKV2_AZURE_21:Blob read logging needs a diagnostic setting and a workspace that outlive the deployment; versioning and soft delete keep every state revision instead.
  name                  = var.container_name
  storage_account_id    = azurerm_storage_account.state.id
  container_access_type = "private"
}

resource "azurerm_role_assignment" "state" {
  for_each = local.principals

  scope                = azurerm_storage_container.state.id
  role_definition_name = "Storage Blob Data Contributor"
  principal_id         = each.value
}

# Role assignments take up to a few minutes to apply: the main configuration's `terraform init`
# writes its first state right after this apply.
resource "time_sleep" "rbac" {
  create_duration = var.rbac_propagation_wait

  triggers = {
    roles = join(",", sort([for role in azurerm_role_assignment.state : role.id]))
  }
}
