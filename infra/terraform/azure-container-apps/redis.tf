# Azure Cache for Redis: TLS only (6380), no public network access, reached through a
# private endpoint in the virtual network. Redis is the job doorbell, not the record:
# SQL holds every task and step, and the reconciler re-dispatches what Redis lost.
resource "azurerm_redis_cache" "main" {
  name                          = "${local.name}-redis-${local.suffix}"
  location                      = azurerm_resource_group.main.location
  resource_group_name           = azurerm_resource_group.main.name
  sku_name                      = var.redis_sku
  family                        = var.redis_sku == "Premium" ? "P" : "C"
  capacity                      = var.redis_capacity
  non_ssl_port_enabled          = false
  minimum_tls_version           = "1.2"
  public_network_access_enabled = false
  redis_version                 = "6"
  tags                          = local.tags

  redis_configuration {
    # Queued jobs must never be evicted to make room.
    maxmemory_policy = "noeviction"
  }
}

resource "azurerm_private_endpoint" "redis" {
  name                = "${local.name}-redis-pe"
  location            = azurerm_resource_group.main.location
  resource_group_name = azurerm_resource_group.main.name
  subnet_id           = azurerm_subnet.endpoints.id
  tags                = local.tags

  private_service_connection {
    name                           = "redis"
    private_connection_resource_id = azurerm_redis_cache.main.id
    subresource_names              = ["redisCache"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "redis"
    private_dns_zone_ids = [azurerm_private_dns_zone.redis.id]
  }
}

locals {
  redis_key  = var.redis_access_key == "primary" ? azurerm_redis_cache.main.primary_access_key : azurerm_redis_cache.main.secondary_access_key
  redis_addr = "${azurerm_redis_cache.main.hostname}:${azurerm_redis_cache.main.ssl_port}"
}
