# Production: zone-redundant PostgreSQL HA, longer backups, more room to scale.
# Pushes to main deploy here.
environment = "prod"
location    = "westeurope"

# Object id of the GitHub deploy service principal of this environment
# (docs/operations.md, "Deploy from zero", step 2).
deployer_object_id = "00000000-0000-0000-0000-000000000000"
alert_email        = "ops@example.com"
mail_from          = "Assay <no-reply@example.com>"

registry_sku = "Standard"

postgres_sku                   = "GP_Standard_D2ds_v5"
postgres_storage_mb            = 65536
postgres_backup_retention_days = 35
postgres_geo_redundant_backup  = true

redis_sku      = "Standard"
redis_capacity = 1

key_vault_purge_protection = true

web_scale    = { min = 2, max = 10 }
api_scale    = { min = 2, max = 10 }
worker_scale = { min = 2, max = 20 }

app_resources = {
  cpu    = 1
  memory = "2Gi"
}

# Stripe prices (live mode) that Checkout sells, one per plan and interval; replace
# these with the ids of the Stripe account's products (docs/operations.md, Rotating secrets and keys).
stripe_price_pro_monthly      = "price_replace_me_pro_monthly"
stripe_price_pro_yearly       = "price_replace_me_pro_yearly"
stripe_price_business_monthly = "price_replace_me_business_monthly"
stripe_price_business_yearly  = "price_replace_me_business_yearly"
