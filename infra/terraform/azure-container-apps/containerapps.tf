# The Container Apps environment lives in the apps subnet (workload profiles, Consumption).
resource "azurerm_container_app_environment" "main" {
  name                               = "${local.name}-env"
  location                           = azurerm_resource_group.main.location
  resource_group_name                = azurerm_resource_group.main.name
  log_analytics_workspace_id         = azurerm_log_analytics_workspace.main.id
  infrastructure_subnet_id           = azurerm_subnet.apps.id
  infrastructure_resource_group_name = "${local.name}-env-rg"
  internal_load_balancer_enabled     = false
  zone_redundancy_enabled            = local.is_prod
  tags                               = local.tags

  workload_profile {
    name                  = "Consumption"
    workload_profile_type = "Consumption"
  }

  depends_on = [azurerm_subnet_network_security_group_association.apps]
}

locals {
  blob_mount_options = "uid=65532,gid=65532,dir_mode=0750,file_mode=0640"
}

resource "azurerm_container_app" "web" {
  name                         = local.app_names.web
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
    for_each = toset(values(local.role_secrets.web))
    content {
      name                = secret.value
      key_vault_secret_id = local.secret_ids[secret.value]
      identity            = azurerm_user_assigned_identity.apps.id
    }
  }

  ingress {
    external_enabled           = true
    target_port                = 8080
    allow_insecure_connections = false

    traffic_weight {
      latest_revision = true
      percentage      = 100
    }
  }

  template {
    min_replicas = var.web_scale.min
    max_replicas = var.web_scale.max

    http_scale_rule {
      name                = "http-concurrency"
      concurrent_requests = tostring(var.http_concurrency)
    }

    # Organization exports are built and served by the web app: their zips live on the
    # same share, so any replica serves a link and a restart loses none.
    volume {
      name          = "blobs"
      storage_type  = "AzureFile"
      storage_name  = azurerm_container_app_environment_storage.blobs.name
      mount_options = local.blob_mount_options
    }

    container {
      name   = "web"
      image  = local.image
      args   = ["web"]
      cpu    = var.app_resources.cpu
      memory = var.app_resources.memory

      dynamic "env" {
        for_each = merge(local.common_env, local.billing_env)
        content {
          name  = env.key
          value = env.value
        }
      }

      dynamic "env" {
        for_each = local.role_secrets.web
        content {
          name        = env.key
          secret_name = env.value
        }
      }

      volume_mounts {
        name = "blobs"
        path = "/data/blobs"
      }

      # Liveness checks nothing but the process (a database outage must take replicas out
      # of rotation, not restart them all); readiness pings the web DB and Redis.
      liveness_probe {
        transport               = "HTTP"
        port                    = 8080
        path                    = "/livez"
        initial_delay           = 5
        interval_seconds        = 10
        failure_count_threshold = 3
      }

      readiness_probe {
        transport               = "HTTP"
        port                    = 8080
        path                    = "/readyz"
        interval_seconds        = 5
        timeout                 = 3
        failure_count_threshold = 3
        success_count_threshold = 1
      }
    }
  }

  lifecycle {
    # Deploys set the image (az containerapp update); Terraform owns everything else.
    ignore_changes = [template[0].container[0].image]
  }

  depends_on = [azurerm_role_assignment.apps_acr_pull, azurerm_role_assignment.apps_secrets_user]
}

resource "azurerm_container_app" "api" {
  name                         = local.app_names.api
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
    for_each = toset(values(local.role_secrets.api))
    content {
      name                = secret.value
      key_vault_secret_id = local.secret_ids[secret.value]
      identity            = azurerm_user_assigned_identity.apps.id
    }
  }

  ingress {
    external_enabled           = true
    target_port                = 8787
    allow_insecure_connections = false

    traffic_weight {
      latest_revision = true
      percentage      = 100
    }
  }

  template {
    min_replicas = var.api_scale.min
    max_replicas = var.api_scale.max

    http_scale_rule {
      name                = "http-concurrency"
      concurrent_requests = tostring(var.http_concurrency)
    }

    volume {
      name          = "blobs"
      storage_type  = "AzureFile"
      storage_name  = azurerm_container_app_environment_storage.blobs.name
      mount_options = local.blob_mount_options
    }

    container {
      name   = "api"
      image  = local.image
      args   = ["api"]
      cpu    = var.app_resources.cpu
      memory = var.app_resources.memory

      dynamic "env" {
        # Pipeline work runs in the worker app, which scales on queue depth.
        for_each = merge(local.common_env, { WORKERS = "0" })
        content {
          name  = env.key
          value = env.value
        }
      }

      dynamic "env" {
        for_each = local.role_secrets.api
        content {
          name        = env.key
          secret_name = env.value
        }
      }

      volume_mounts {
        name = "blobs"
        path = "/data/blobs"
      }

      # As for web: liveness checks only the process, readiness the API DB and Redis.
      liveness_probe {
        transport               = "HTTP"
        port                    = 8787
        path                    = "/livez"
        initial_delay           = 5
        interval_seconds        = 10
        failure_count_threshold = 3
      }

      readiness_probe {
        transport               = "HTTP"
        port                    = 8787
        path                    = "/readyz"
        interval_seconds        = 5
        timeout                 = 3
        failure_count_threshold = 3
        success_count_threshold = 1
      }
    }
  }

  lifecycle {
    ignore_changes = [template[0].container[0].image]
  }

  depends_on = [azurerm_role_assignment.apps_acr_pull, azurerm_role_assignment.apps_secrets_user]
}
