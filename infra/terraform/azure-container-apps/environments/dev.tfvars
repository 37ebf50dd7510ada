# Development: small, single-zone, cheap. Pushes to the dev branch deploy here.
environment = "dev"
location    = "westeurope"

# Object id of the GitHub deploy service principal of this environment
# (docs/operations.md, "Deploy from zero", step 2).
deployer_object_id = "00000000-0000-0000-0000-000000000000"
alert_email        = "ops-dev@example.com"
mail_from          = "Assay <no-reply@dev.example.com>"

registry_sku = "Basic"

postgres_sku                   = "B_Standard_B1ms"
postgres_backup_retention_days = 7
postgres_geo_redundant_backup  = false

redis_sku      = "Basic"
redis_capacity = 0

key_vault_purge_protection = false

web_scale    = { min = 1, max = 2 }
api_scale    = { min = 1, max = 2 }
worker_scale = { min = 1, max = 3 }

# Stripe prices (test mode) that Checkout sells, one per plan and interval; replace
# these with the ids of the Stripe account's products (docs/operations.md, Rotating secrets and keys).
stripe_price_pro_monthly      = "price_replace_me_pro_monthly"
stripe_price_pro_yearly       = "price_replace_me_pro_yearly"
stripe_price_business_monthly = "price_replace_me_business_monthly"
stripe_price_business_yearly  = "price_replace_me_business_yearly"
