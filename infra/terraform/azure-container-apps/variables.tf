variable "environment" {
  description = "Environment name: dev or prod. Production-only features (zone-redundant HA) key off prod."
  type        = string

  validation {
    condition     = contains(["dev", "prod"], var.environment)
    error_message = "environment must be dev or prod."
  }
}

variable "location" {
  description = "Azure region of every resource, e.g. westeurope."
  type        = string
}

variable "name_prefix" {
  description = "Prefix of every resource name (lowercase letters and digits)."
  type        = string
  default     = "assay"

  validation {
    condition     = can(regex("^[a-z][a-z0-9]{1,9}$", var.name_prefix))
    error_message = "name_prefix must be 2-10 lowercase letters or digits, starting with a letter."
  }
}

variable "deployer_object_id" {
  description = "Object id of the service principal GitHub Actions signs in as (OIDC); it writes Key Vault secrets and pushes images."
  type        = string

  validation {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.deployer_object_id)) && var.deployer_object_id != "00000000-0000-0000-0000-000000000000"
    error_message = "deployer_object_id must be the object id of the deploy service principal (docs/operations.md, Deploy from zero, step 2)."
  }
}

variable "alert_email" {
  description = "Email address the alert action group notifies."
  type        = string
}

variable "mail_from" {
  description = "From address of the web app's emails (MAIL_FROM), e.g. \"Assay <no-reply@example.com>\"."
  type        = string
}

variable "stripe_price_pro_monthly" {
  description = "Stripe price id (STRIPE_PRICE_PRO_MONTHLY) of Pro, monthly: price_… from the Stripe account's product catalogue (test-mode ids for dev, live-mode ids for prod)."
  type        = string

  validation {
    condition     = can(regex("^price_[A-Za-z0-9_]+$", var.stripe_price_pro_monthly))
    error_message = "A Stripe price id starts with price_."
  }
}

variable "stripe_price_pro_yearly" {
  description = "Stripe price id (STRIPE_PRICE_PRO_YEARLY) of Pro, yearly: price_… from the Stripe account's product catalogue (test-mode ids for dev, live-mode ids for prod)."
  type        = string

  validation {
    condition     = can(regex("^price_[A-Za-z0-9_]+$", var.stripe_price_pro_yearly))
    error_message = "A Stripe price id starts with price_."
  }
}

variable "stripe_price_business_monthly" {
  description = "Stripe price id (STRIPE_PRICE_BUSINESS_MONTHLY) of Business, monthly: price_… from the Stripe account's product catalogue (test-mode ids for dev, live-mode ids for prod)."
  type        = string

  validation {
    condition     = can(regex("^price_[A-Za-z0-9_]+$", var.stripe_price_business_monthly))
    error_message = "A Stripe price id starts with price_."
  }
}

variable "stripe_price_business_yearly" {
  description = "Stripe price id (STRIPE_PRICE_BUSINESS_YEARLY) of Business, yearly: price_… from the Stripe account's product catalogue (test-mode ids for dev, live-mode ids for prod)."
  type        = string

  validation {
    condition     = can(regex("^price_[A-Za-z0-9_]+$", var.stripe_price_business_yearly))
    error_message = "A Stripe price id starts with price_."
  }
}

variable "web_public_url" {
  description = "Public URL of the web app when a custom domain fronts it; empty uses the Container App's own FQDN."
  type        = string
  default     = ""
}

variable "vnet_address_space" {
  description = "Address space of the virtual network; subnets are carved from its first range."
  type        = list(string)
  default     = ["10.40.0.0/16"]
}

variable "initial_image_tag" {
  description = "Tag of the image the apps are created with; deploys replace the image afterwards and Terraform ignores it."
  type        = string
  default     = "initial"
}

variable "registry_sku" {
  description = "Container registry SKU: Basic, Standard or Premium."
  type        = string
}

variable "log_retention_days" {
  description = "Days Log Analytics keeps container and platform logs."
  type        = number
  default     = 30
}

variable "postgres_sku" {
  description = "PostgreSQL Flexible Server SKU, e.g. B_Standard_B1ms (dev) or GP_Standard_D2ds_v5 (prod; HA needs General Purpose or better)."
  type        = string
}

variable "postgres_storage_mb" {
  description = "PostgreSQL storage in MB (auto-grow is on)."
  type        = number
  default     = 32768
}

variable "postgres_backup_retention_days" {
  description = "Point-in-time restore window in days (7-35)."
  type        = number

  validation {
    condition     = var.postgres_backup_retention_days >= 7 && var.postgres_backup_retention_days <= 35
    error_message = "postgres_backup_retention_days must be between 7 and 35."
  }
}

variable "postgres_geo_redundant_backup" {
  description = "Keep backups in the paired region as well (geo-restore)."
  type        = bool
}

variable "redis_sku" {
  description = "Azure Cache for Redis SKU: Basic, Standard or Premium."
  type        = string

  validation {
    condition     = contains(["Basic", "Standard", "Premium"], var.redis_sku)
    error_message = "redis_sku must be Basic, Standard or Premium."
  }
}

variable "redis_capacity" {
  description = "Azure Cache for Redis size within its family (C0-C6, P1-P5)."
  type        = number
}

variable "redis_access_key" {
  description = "Which Redis access key the apps use: primary or secondary. Flip it to rotate keys without downtime."
  type        = string
  default     = "primary"

  validation {
    condition     = contains(["primary", "secondary"], var.redis_access_key)
    error_message = "redis_access_key must be primary or secondary."
  }
}

variable "key_vault_purge_protection" {
  description = "Purge protection on the Key Vault (cannot be turned off again)."
  type        = bool
}

variable "blob_share_quota_gb" {
  description = "Size of the Azure Files share that holds uploads and pipeline partials (BLOB_DIR)."
  type        = number
  default     = 100
}

variable "web_scale" {
  description = "Replica bounds of the web app."
  type = object({
    min = number
    max = number
  })
}

variable "api_scale" {
  description = "Replica bounds of the API app."
  type = object({
    min = number
    max = number
  })
}

variable "worker_scale" {
  description = "Replica bounds of the worker app; it scales on queue depth between them."
  type = object({
    min = number
    max = number
  })

  validation {
    # The reconciler runs in worker processes (the API runs with WORKERS=0): keep one.
    condition     = var.worker_scale.min >= 1 && var.worker_scale.max >= var.worker_scale.min
    error_message = "worker_scale.min must be at least 1 and max at least min."
  }
}

variable "app_resources" {
  description = "CPU and memory of one replica of web, api and worker (Consumption profile pairs, e.g. 0.5 / 1Gi)."
  type = object({
    cpu    = number
    memory = string
  })
  default = {
    cpu    = 0.5
    memory = "1Gi"
  }
}

variable "http_concurrency" {
  description = "Concurrent requests per replica before web and api add replicas."
  type        = number
  default     = 50
}

variable "worker_concurrency" {
  description = "Pipeline jobs one worker replica runs at once (WORKERS)."
  type        = number
  default     = 4
}

variable "worker_queue_length" {
  description = "Queued jobs per worker replica the queue-depth scale rule aims for."
  type        = number
  default     = 20
}

variable "tags" {
  description = "Extra tags on every resource."
  type        = map(string)
  default     = {}
}

variable "otlp_endpoint" {
  description = "OTLP/HTTP endpoint the apps export traces to (e.g. http://otel-collector:4318); empty exports none."
  type        = string
  default     = ""
}
