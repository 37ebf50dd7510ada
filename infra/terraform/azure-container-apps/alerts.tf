# Every alert mails the action group; docs/operations.md has one runbook per alert name.
resource "azurerm_monitor_action_group" "ops" {
  name                = "${local.name}-ops"
  resource_group_name = azurerm_resource_group.main.name
  short_name          = substr("${var.name_prefix}${var.environment}", 0, 12)
  tags                = local.tags

  email_receiver {
    name                    = "operators"
    email_address           = var.alert_email
    use_common_alert_schema = true
  }
}

locals {
  http_apps = {
    web = azurerm_container_app.web.id
    api = azurerm_container_app.api.id
  }
  all_apps = merge(local.http_apps, { worker = azurerm_container_app.worker.id })
}

# Runbook: "http-5xx".
resource "azurerm_monitor_metric_alert" "http_5xx" {
  for_each            = local.http_apps
  name                = "${local.name}-${each.key}-http-5xx"
  resource_group_name = azurerm_resource_group.main.name
  scopes              = [each.value]
  description         = "The ${each.key} app answered more than 20 server errors in 5 minutes."
  severity            = 1
  frequency           = "PT1M"
  window_size         = "PT5M"
  tags                = local.tags

  criteria {
    metric_namespace = "Microsoft.App/containerApps"
    metric_name      = "Requests"
    aggregation      = "Total"
    operator         = "GreaterThan"
    threshold        = 20

    dimension {
      name     = "statusCodeCategory"
      operator = "Include"
      values   = ["5xx"]
    }
  }

  action {
    action_group_id = azurerm_monitor_action_group.ops.id
  }
}

# Runbook: "restarts".
resource "azurerm_monitor_metric_alert" "restarts" {
  for_each            = local.all_apps
  name                = "${local.name}-${each.key}-restarts"
  resource_group_name = azurerm_resource_group.main.name
  scopes              = [each.value]
  description         = "A replica of the ${each.key} app restarted more than 3 times within 15 minutes."
  severity            = 2
  frequency           = "PT5M"
  window_size         = "PT15M"
  tags                = local.tags

  criteria {
    metric_namespace = "Microsoft.App/containerApps"
    metric_name      = "RestartCount"
    aggregation      = "Maximum"
    operator         = "GreaterThan"
    threshold        = 3
  }

  action {
    action_group_id = azurerm_monitor_action_group.ops.id
  }
}

# Runbook: "workers-saturated". Queue depth has no Azure metric; the worker app sitting at
# its replica ceiling is the sign that the scaler asks for more than it may have.
resource "azurerm_monitor_metric_alert" "workers_saturated" {
  name                = "${local.name}-workers-saturated"
  resource_group_name = azurerm_resource_group.main.name
  scopes              = [azurerm_container_app.worker.id]
  description         = "The worker app has run at its maximum replica count for 30 minutes."
  severity            = 2
  frequency           = "PT5M"
  window_size         = "PT30M"
  tags                = local.tags

  criteria {
    metric_namespace = "Microsoft.App/containerApps"
    metric_name      = "Replicas"
    aggregation      = "Minimum"
    operator         = "GreaterThanOrEqual"
    threshold        = var.worker_scale.max
  }

  action {
    action_group_id = azurerm_monitor_action_group.ops.id
  }
}

# Runbook: "postgres-down".
resource "azurerm_monitor_metric_alert" "postgres_down" {
  name                = "${local.name}-postgres-down"
  resource_group_name = azurerm_resource_group.main.name
  scopes              = [azurerm_postgresql_flexible_server.main.id]
  description         = "The PostgreSQL server did not report itself alive for 5 minutes."
  severity            = 0
  frequency           = "PT1M"
  window_size         = "PT5M"
  tags                = local.tags

  criteria {
    metric_namespace = "Microsoft.DBforPostgreSQL/flexibleServers"
    metric_name      = "is_db_alive"
    aggregation      = "Maximum"
    operator         = "LessThan"
    threshold        = 1
  }

  action {
    action_group_id = azurerm_monitor_action_group.ops.id
  }
}

# Runbook: "postgres-cpu".
resource "azurerm_monitor_metric_alert" "postgres_cpu" {
  name                = "${local.name}-postgres-cpu"
  resource_group_name = azurerm_resource_group.main.name
  scopes              = [azurerm_postgresql_flexible_server.main.id]
  description         = "PostgreSQL CPU has averaged above 80% for 15 minutes."
  severity            = 2
  frequency           = "PT5M"
  window_size         = "PT15M"
  tags                = local.tags

  criteria {
    metric_namespace = "Microsoft.DBforPostgreSQL/flexibleServers"
    metric_name      = "cpu_percent"
    aggregation      = "Average"
    operator         = "GreaterThan"
    threshold        = 80
  }

  action {
    action_group_id = azurerm_monitor_action_group.ops.id
  }
}

# Runbook: "postgres-storage".
resource "azurerm_monitor_metric_alert" "postgres_storage" {
  name                = "${local.name}-postgres-storage"
  resource_group_name = azurerm_resource_group.main.name
  scopes              = [azurerm_postgresql_flexible_server.main.id]
  description         = "PostgreSQL storage is more than 85% used."
  severity            = 2
  frequency           = "PT15M"
  window_size         = "PT1H"
  tags                = local.tags

  criteria {
    metric_namespace = "Microsoft.DBforPostgreSQL/flexibleServers"
    metric_name      = "storage_percent"
    aggregation      = "Maximum"
    operator         = "GreaterThan"
    threshold        = 85
  }

  action {
    action_group_id = azurerm_monitor_action_group.ops.id
  }
}

# Runbook: "redis-memory".
resource "azurerm_monitor_metric_alert" "redis_memory" {
  name                = "${local.name}-redis-memory"
  resource_group_name = azurerm_resource_group.main.name
  scopes              = [azurerm_redis_cache.main.id]
  description         = "Redis memory is more than 80% used; with noeviction, writes fail when it is full."
  severity            = 1
  frequency           = "PT5M"
  window_size         = "PT15M"
  tags                = local.tags

  criteria {
    metric_namespace = "Microsoft.Cache/redis"
    metric_name      = "usedmemorypercentage"
    aggregation      = "Maximum"
    operator         = "GreaterThan"
    threshold        = 80
  }

  action {
    action_group_id = azurerm_monitor_action_group.ops.id
  }
}

# Runbook: "redis-load".
resource "azurerm_monitor_metric_alert" "redis_load" {
  name                = "${local.name}-redis-load"
  resource_group_name = azurerm_resource_group.main.name
  scopes              = [azurerm_redis_cache.main.id]
  description         = "Redis server load has averaged above 80% for 15 minutes."
  severity            = 2
  frequency           = "PT5M"
  window_size         = "PT15M"
  tags                = local.tags

  criteria {
    metric_namespace = "Microsoft.Cache/redis"
    metric_name      = "serverLoad"
    aggregation      = "Average"
    operator         = "GreaterThan"
    threshold        = 80
  }

  action {
    action_group_id = azurerm_monitor_action_group.ops.id
  }
}
