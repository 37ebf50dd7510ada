locals {
  name    = "${var.name_prefix}-${var.environment}"
  is_prod = var.environment == "prod"

  # Registry, storage account and Key Vault names are global and alphanumeric: a short,
  # stable hash of subscription and environment keeps them unique.
  suffix  = substr(sha1("${data.azurerm_client_config.current.subscription_id}/${local.name}"), 0, 6)
  compact = "${var.name_prefix}${var.environment}${local.suffix}"

  tags = merge(var.tags, {
    app         = "assay"
    environment = var.environment
    managed_by  = "terraform"
  })

  subnets = {
    apps      = cidrsubnet(var.vnet_address_space[0], 7, 0) # /23 for the Container Apps environment
    postgres  = cidrsubnet(var.vnet_address_space[0], 8, 2) # delegated to PostgreSQL Flexible Server
    endpoints = cidrsubnet(var.vnet_address_space[0], 8, 3) # private endpoints (Redis)
  }

  app_names = {
    web     = "${local.name}-web"
    api     = "${local.name}-api"
    worker  = "${local.name}-worker"
    migrate = "${local.name}-migrate"
  }

  web_url = var.web_public_url != "" ? var.web_public_url : "https://${local.app_names.web}.${azurerm_container_app_environment.main.default_domain}"
  api_url = "https://${local.app_names.api}.${azurerm_container_app_environment.main.default_domain}"

  image = "${azurerm_container_registry.main.login_server}/assay:${var.initial_image_tag}"

  databases = ["assay_web", "assay_api"]

  # REDIS_NAMESPACE; gocraft/work keeps each job's queue in the list <namespace>:jobs:<job>.
  redis_namespace = "assay"
  pipeline_jobs   = ["fetch", "transform", "normalize", "enrich", "validate", "aggregate", "save", "notify"]

  # Plain settings every role gets.
  common_env = {
    APP_ENV         = "production"
    LOG_FORMAT      = "json"
    REDIS_NAMESPACE = local.redis_namespace
    WEB_URL         = local.web_url
    API_URL         = local.api_url
    BLOB_DIR        = "/data/blobs"
    # The environment's ingress proxies live in its subnet and set X-Forwarded-For: trust
    # them, so rate limits see each client's address.
    TRUSTED_PROXIES = local.subnets.apps
    # The From of the web app's emails (the other roles send none).
    MAIL_FROM = var.mail_from
    # Prometheus metrics on an internal port, never the ingress port: a collector in the
    # environment scrapes it (docs/operations.md, Telemetry).
    METRICS_ADDR = ":9090"
    # Traces go to an OTLP collector when one is configured (empty exports none).
    OTEL_EXPORTER_OTLP_ENDPOINT = var.otlp_endpoint
  }

  # Plain billing settings of the web app: the Stripe prices each plan and interval sells
  # (not secrets; they differ between Stripe's test and live modes).
  billing_env = {
    STRIPE_PRICE_PRO_MONTHLY      = var.stripe_price_pro_monthly
    STRIPE_PRICE_PRO_YEARLY       = var.stripe_price_pro_yearly
    STRIPE_PRICE_BUSINESS_MONTHLY = var.stripe_price_business_monthly
    STRIPE_PRICE_BUSINESS_YEARLY  = var.stripe_price_business_yearly
  }

  # Settings that come from Key Vault, per role: environment variable => secret name.
  role_secrets = {
    web = {
      WEB_DATABASE_URL = "web-database-url"
      REDIS_URL        = "redis-url"
      SESSION_SECRET   = "session-secret"
      WEBHOOK_SECRET   = "webhook-secret"
      JWT_SIGNING_KEY  = "jwt-signing-key"
      SMTP_URL         = "smtp-url"
      # Billing: the web app alone talks to Stripe and receives its events.
      STRIPE_SECRET_KEY     = "stripe-secret-key"
      STRIPE_WEBHOOK_SECRET = "stripe-webhook-secret"
    }
    api = {
      API_DATABASE_URL       = "api-database-url"
      REDIS_URL              = "redis-url"
      WEBHOOK_SECRET         = "webhook-secret"
      WEBHOOK_ENCRYPTION_KEY = "webhook-encryption-key"
    }
    worker = {
      API_DATABASE_URL       = "api-database-url"
      REDIS_URL              = "redis-url"
      WEBHOOK_SECRET         = "webhook-secret"
      WEBHOOK_ENCRYPTION_KEY = "webhook-encryption-key"
    }
    migrate = {
      WEB_DATABASE_URL = "web-database-url"
      API_DATABASE_URL = "api-database-url"
    }
  }
}
