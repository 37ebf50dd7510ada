output "resource_group_name" {
  description = "Resource group of the environment (GitHub variable AZURE_RESOURCE_GROUP)."
  value       = azurerm_resource_group.main.name
}

output "registry_name" {
  description = "Container registry name (GitHub variable ACR_NAME)."
  value       = azurerm_container_registry.main.name
}

output "registry_login_server" {
  description = "Container registry host images are pushed to (GitHub variable ACR_LOGIN_SERVER)."
  value       = azurerm_container_registry.main.login_server
}

output "app_names" {
  description = "Container App and job names: web, api, worker, migrate (GitHub variables WEB_APP_NAME, API_APP_NAME, WORKER_APP_NAME, MIGRATE_JOB_NAME)."
  value       = local.app_names
}

output "web_url" {
  description = "Public URL of the web app."
  value       = local.web_url
}

output "api_url" {
  description = "Public URL of the API."
  value       = local.api_url
}

output "key_vault_name" {
  description = "Key Vault holding every application secret."
  value       = azurerm_key_vault.main.name
}

output "postgres_server_name" {
  description = "PostgreSQL Flexible Server name (restores, failovers)."
  value       = azurerm_postgresql_flexible_server.main.name
}

output "postgres_fqdn" {
  description = "Private host name of the PostgreSQL server."
  value       = azurerm_postgresql_flexible_server.main.fqdn
}

output "redis_name" {
  description = "Azure Cache for Redis name (key rotation)."
  value       = azurerm_redis_cache.main.name
}

output "redis_hostname" {
  description = "Host name of the Redis cache (TLS port 6380, private endpoint)."
  value       = azurerm_redis_cache.main.hostname
}

output "apps_identity_client_id" {
  description = "Client id of the managed identity the apps run as."
  value       = azurerm_user_assigned_identity.apps.client_id
}
