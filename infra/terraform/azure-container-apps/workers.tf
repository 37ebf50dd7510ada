# The pipeline workers and the migration job: the parts of the API side without ingress.

resource "azurerm_container_app" "worker" {
  name                         = local.app_names.worker
  container_app_environment_id = azurerm_container_app_environment.main.id
  resource_group_name          = azurerm_resource_group.main.name
  revision_mode                = "Single"
  workload_profile_name        = "Consumption"
  tags                         = local.tags

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.apps.id]
  }

  registry {
    server   = azurerm_container_registry.main.login_server
    identity = azurerm_user_assigned_identity.apps.id
  }

  dynamic "secret" {
    # redis-password authenticates the queue-depth scaler, not the app.
    for_each = toset(concat(values(local.role_secrets.worker), ["redis-password"]))
    content {
      name                = secret.value
      key_vault_secret_id = local.secret_ids[secret.value]
      identity            = azurerm_user_assigned_identity.apps.id
    }
  }

  template {
    min_replicas = var.worker_scale.min
    max_replicas = var.worker_scale.max

    # One KEDA redis scaler per pipeline queue (a gocraft/work list); the busiest decides.
    dynamic "custom_scale_rule" {
      for_each = toset(local.pipeline_jobs)
      content {
        name             = "queue-${custom_scale_rule.value}"
        custom_rule_type = "redis"
        metadata = {
          address       = local.redis_addr
          enableTLS     = "true"
          databaseIndex = "0"
          listName      = "${local.redis_namespace}:jobs:pipeline.${custom_scale_rule.value}"
          listLength    = tostring(var.worker_queue_length)
        }
        authentication {
          secret_name       = "redis-password"
          trigger_parameter = "password"
        }
      }
    }

    volume {
      name          = "blobs"
      storage_type  = "AzureFile"
      storage_name  = azurerm_container_app_environment_storage.blobs.name
      mount_options = local.blob_mount_options
    }

    container {
      name   = "worker"
      image  = local.image
      args   = ["worker"]
      cpu    = var.app_resources.cpu
      memory = var.app_resources.memory

      dynamic "env" {
        for_each = merge(local.common_env, { WORKERS = tostring(var.worker_concurrency) })
        content {
          name  = env.key
          value = env.value
        }
      }

      dynamic "env" {
        for_each = local.role_secrets.worker
        content {
          name        = env.key
          secret_name = env.value
        }
      }

      volume_mounts {
        name = "blobs"
        path = "/data/blobs"
      }
    }
  }

  lifecycle {
    ignore_changes = [template[0].container[0].image]
  }

  depends_on = [azurerm_role_assignment.apps_acr_pull, azurerm_role_assignment.apps_secrets_user]
}

# `assay migrate up` as a one-off job: deploys start it and wait for it before they
# update the apps.
resource "azurerm_container_app_job" "migrate" {
  name                         = local.app_names.migrate
  location                     = azurerm_resource_group.main.location
  resource_group_name          = azurerm_resource_group.main.name
  container_app_environment_id = azurerm_container_app_environment.main.id
  workload_profile_name        = "Consumption"
  replica_timeout_in_seconds   = 1800
  replica_retry_limit          = 0
  tags                         = local.tags

  manual_trigger_config {
    parallelism              = 1
    replica_completion_count = 1
  }

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.apps.id]
  }

  registry {
    server   = azurerm_container_registry.main.login_server
    identity = azurerm_user_assigned_identity.apps.id
  }

  dynamic "secret" {
    for_each = toset(values(local.role_secrets.migrate))
    content {
      name                = secret.value
      key_vault_secret_id = local.secret_ids[secret.value]
      identity            = azurerm_user_assigned_identity.apps.id
    }
  }

  template {
    container {
      name   = "migrate"
      image  = local.image
      args   = ["migrate", "up"]
      cpu    = var.app_resources.cpu
      memory = var.app_resources.memory

      dynamic "env" {
        for_each = local.common_env
        content {
          name  = env.key
          value = env.value
        }
      }

      dynamic "env" {
        for_each = local.role_secrets.migrate
        content {
          name        = env.key
          secret_name = env.value
        }
      }
    }
  }

  lifecycle {
    ignore_changes = [template[0].container[0].image]
  }

  depends_on = [azurerm_role_assignment.apps_acr_pull, azurerm_role_assignment.apps_secrets_user]
}
