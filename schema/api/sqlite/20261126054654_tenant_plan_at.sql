-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_tenants" table
CREATE TABLE `new_tenants` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL DEFAULT (''), `plan` text NOT NULL DEFAULT ('free'), `max_upload_bytes` integer NOT NULL DEFAULT (0), `max_rows` integer NOT NULL DEFAULT (0), `tasks_per_month` integer NOT NULL DEFAULT (0), `members` integer NOT NULL DEFAULT (0), `api_rate_per_minute` integer NOT NULL DEFAULT (0), `retention_days` integer NOT NULL DEFAULT (0), `plan_at` integer NOT NULL DEFAULT (0), `suspended_at` datetime NULL, PRIMARY KEY (`id`));
-- Copy rows from old table "tenants" to new temporary table "new_tenants"
INSERT INTO `new_tenants` (`id`, `created_at`, `updated_at`, `name`, `plan`, `max_upload_bytes`, `max_rows`, `tasks_per_month`, `members`, `api_rate_per_minute`, `retention_days`, `suspended_at`) SELECT `id`, `created_at`, `updated_at`, `name`, `plan`, `max_upload_bytes`, `max_rows`, `tasks_per_month`, `members`, `api_rate_per_minute`, `retention_days`, `suspended_at` FROM `tenants`;
-- Drop "tenants" table after copying rows
DROP TABLE `tenants`;
-- Rename temporary table "new_tenants" to "tenants"
ALTER TABLE `new_tenants` RENAME TO `tenants`;
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
