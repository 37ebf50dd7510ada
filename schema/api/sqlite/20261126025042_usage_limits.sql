-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_tenants" table
CREATE TABLE `new_tenants` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL DEFAULT (''), `plan` text NOT NULL DEFAULT ('free'), `max_upload_bytes` integer NOT NULL DEFAULT (0), `max_rows` integer NOT NULL DEFAULT (0), `tasks_per_month` integer NOT NULL DEFAULT (0), `members` integer NOT NULL DEFAULT (0), `api_rate_per_minute` integer NOT NULL DEFAULT (0), `retention_days` integer NOT NULL DEFAULT (0), PRIMARY KEY (`id`));
-- Copy rows from old table "tenants" to new temporary table "new_tenants"
INSERT INTO `new_tenants` (`id`, `created_at`, `updated_at`, `name`, `plan`, `max_upload_bytes`) SELECT `id`, `created_at`, `updated_at`, `name`, `plan`, `max_upload_bytes` FROM `tenants`;
-- Drop "tenants" table after copying rows
DROP TABLE `tenants`;
-- Rename temporary table "new_tenants" to "tenants"
ALTER TABLE `new_tenants` RENAME TO `tenants`;
-- Create "usage_counters" table
CREATE TABLE `usage_counters` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `org_id` text NOT NULL, `period_start` datetime NOT NULL, `tasks` integer NOT NULL DEFAULT (0), `rows` integer NOT NULL DEFAULT (0), `storage_bytes` integer NOT NULL DEFAULT (0), `tasks_warned` integer NOT NULL DEFAULT (0), `rows_warned` integer NOT NULL DEFAULT (0), PRIMARY KEY (`id`));
-- Create index "usagecounter_org_id" to table: "usage_counters"
CREATE INDEX `usagecounter_org_id` ON `usage_counters` (`org_id`);
-- Create index "usagecounter_org_id_period_start" to table: "usage_counters"
CREATE UNIQUE INDEX `usagecounter_org_id_period_start` ON `usage_counters` (`org_id`, `period_start`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
