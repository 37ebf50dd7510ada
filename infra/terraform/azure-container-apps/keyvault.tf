# Every secret the apps read lives here; the apps' managed identity reads them, the
# deploy principal writes them. Access is Azure RBAC, not access policies.
resource "azurerm_key_vault" "main" {
  name                       = "${local.compact}kv"
  location                   = azurerm_resource_group.main.location
  resource_group_name        = azurerm_resource_group.main.name
  tenant_id                  = data.azurerm_client_config.current.tenant_id
  sku_name                   = "standard"
  rbac_authorization_enabled = true
  purge_protection_enabled   = var.key_vault_purge_protection
  soft_delete_retention_days = 90
  tags                       = local.tags
}

resource "azurerm_role_assignment" "deployer_secrets_officer" {
  scope                = azurerm_key_vault.main.id
  role_definition_name = "Key Vault Secrets Officer"
  principal_id         = var.deployer_object_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_role_assignment" "apps_secrets_user" {
  scope                = azurerm_key_vault.main.id
  role_definition_name = "Key Vault Secrets User"
  principal_id         = azurerm_user_assigned_identity.apps.principal_id
  principal_type       = "ServicePrincipal"
}

resource "random_password" "session_secret" {
  length  = 64
  special = false
}

resource "random_password" "webhook_secret" {
  length  = 64
  special = false
}

# JWT_SIGNING_KEY is the base64 of a 32-byte Ed25519 seed.
resource "random_bytes" "jwt_seed" {
  length = 32
}

# WEBHOOK_ENCRYPTION_KEY is the base64 of a 32-byte AES-256 key.
resource "random_bytes" "webhook_encryption_key" {
  length = 32
}

locals {
  database_urls = {
    for db in local.databases : db => format(
      "postgres://%s:%s@%s:5432/%s?sslmode=require",
      azurerm_postgresql_flexible_server.main.administrator_login,
      random_password.postgres_admin.result,
      azurerm_postgresql_flexible_server.main.fqdn,
      db,
    )
  }

  # Terraform writes these on the first apply only; operators rotate them in Key Vault
  # afterwards and Terraform leaves the new values alone.
  seeded_secrets = {
    "session-secret"  = random_password.session_secret.result
    "webhook-secret"  = random_password.webhook_secret.result
    "jwt-signing-key" = random_bytes.jwt_seed.base64
    # Encrypts organizations' webhook endpoint secrets; changing it makes them unreadable.
    "webhook-encryption-key" = random_bytes.webhook_encryption_key.base64
    # The mail provider's credentials are not Terraform's to know: this placeholder (it
    # sends nothing) holds the place until an operator writes the real smtps:// URL.
    "smtp-url" = "smtps://replace-me.invalid:465"
    # Stripe's keys are the Stripe account's (Dashboard → Developers): these placeholders
    # hold the place until an operator writes the real ones; the app treats this key as
    # unset, so billing stays off and says so (docs/operations.md, Rotating secrets and keys).
    "stripe-secret-key"     = "sk_replace_me"
    "stripe-webhook-secret" = "whsec_replace_me"
  }

  # These follow the infrastructure: Terraform keeps them in step with the server and cache.
  derived_secrets = {
    "web-database-url" = local.database_urls["assay_web"]
    "api-database-url" = local.database_urls["assay_api"]
    "redis-url"        = "rediss://:${urlencode(local.redis_key)}@${local.redis_addr}/0"
    "redis-password"   = local.redis_key
  }
}

resource "azurerm_key_vault_secret" "seeded" {
  for_each     = local.seeded_secrets
  name         = each.key
  value        = each.value
  key_vault_id = azurerm_key_vault.main.id
  content_type = "text/plain"
  depends_on   = [azurerm_role_assignment.deployer_secrets_officer]

  lifecycle {
    ignore_changes = [value]
  }
}

resource "azurerm_key_vault_secret" "derived" {
  for_each     = local.derived_secrets
  name         = each.key
  value        = each.value
  key_vault_id = azurerm_key_vault.main.id
  content_type = "text/plain"
  depends_on   = [azurerm_role_assignment.deployer_secrets_officer]
}

locals {
  # Version-less ids: a new revision or restart picks up the current value.
  secret_ids = merge(
    { for k, s in azurerm_key_vault_secret.seeded : k => s.versionless_id },
    { for k, s in azurerm_key_vault_secret.derived : k => s.versionless_id },
  )
}
