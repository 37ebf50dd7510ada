# Letters and digits only, so the password needs no escaping inside the database URLs.
# Rotate with `terraform apply -replace=random_password.postgres_admin` (docs/operations.md).
resource "random_password" "postgres_admin" {
  length  = 40
  special = false
}

# PostgreSQL 16, reachable only through the delegated subnet (private access). Production
# runs a zone-redundant standby; dev runs a single server.
resource "azurerm_postgresql_flexible_server" "main" {
  name                          = "${local.name}-pg-${local.suffix}"
  location                      = azurerm_resource_group.main.location
  resource_group_name           = azurerm_resource_group.main.name
  version                       = "16"
  sku_name                      = var.postgres_sku
  storage_mb                    = var.postgres_storage_mb
  auto_grow_enabled             = true
  backup_retention_days         = var.postgres_backup_retention_days
  geo_redundant_backup_enabled  = var.postgres_geo_redundant_backup
  delegated_subnet_id           = azurerm_subnet.postgres.id
  private_dns_zone_id           = azurerm_private_dns_zone.postgres.id
  public_network_access_enabled = false
  administrator_login           = "assay_admin"
  administrator_password        = random_password.postgres_admin.result
  zone                          = "1"
  tags                          = local.tags

  dynamic "high_availability" {
    for_each = local.is_prod ? ["ZoneRedundant"] : []
    content {
      mode                      = high_availability.value
      standby_availability_zone = "2"
    }
  }

  depends_on = [azurerm_private_dns_zone_virtual_network_link.postgres]

  lifecycle {
    # After a failover Azure swaps primary and standby zones; that is not drift.
    ignore_changes = [zone, high_availability[0].standby_availability_zone]
  }
}

# One database per app: the web app never opens the API's and the reverse.
resource "azurerm_postgresql_flexible_server_database" "app" {
  for_each  = toset(local.databases)
  name      = each.key
  server_id = azurerm_postgresql_flexible_server.main.id
  charset   = "UTF8"
  collation = "en_US.utf8"
}
