# Uploaded files, pipeline partials and organization exports (BLOB_DIR) are shared by the
# web app, the API and the workers: an Azure Files share mounted at /data/blobs in each.
resource "azurerm_storage_account" "blobs" {
  name                            = "${local.compact}st"
  location                        = azurerm_resource_group.main.location
  resource_group_name             = azurerm_resource_group.main.name
  account_tier                    = "Standard"
  account_replication_type        = local.is_prod ? "ZRS" : "LRS"
  min_tls_version                 = "TLS1_2"
  allow_nested_items_to_be_public = false
  tags                            = local.tags

  network_rules {
    default_action             = "Deny"
    bypass                     = ["AzureServices"]
    virtual_network_subnet_ids = [azurerm_subnet.apps.id]
  }

  share_properties {
    retention_policy {
      days = 7
    }
  }
}

resource "azurerm_storage_share" "blobs" {
  name               = "blobs"
  storage_account_id = azurerm_storage_account.blobs.id
  quota              = var.blob_share_quota_gb
}

resource "azurerm_container_app_environment_storage" "blobs" {
  name                         = "blobs"
  container_app_environment_id = azurerm_container_app_environment.main.id
  account_name                 = azurerm_storage_account.blobs.name
  share_name                   = azurerm_storage_share.blobs.name
  access_key                   = azurerm_storage_account.blobs.primary_access_key
  access_mode                  = "ReadWrite"
}
