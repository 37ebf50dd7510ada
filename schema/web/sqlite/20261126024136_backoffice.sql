-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Add column "suspended_at" to table: "organizations"
ALTER TABLE `organizations` ADD COLUMN `suspended_at` datetime NULL;
-- Create "new_users" table
CREATE TABLE `new_users` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `email` text NULL, `password_hash` text NOT NULL DEFAULT (''), `email_verified_at` datetime NULL, `disabled_at` datetime NULL, `mfa_secret` text NULL, `mfa_enabled_at` datetime NULL, `mfa_last_step` integer NOT NULL DEFAULT (0), `staff` bool NOT NULL DEFAULT (false), PRIMARY KEY (`id`));
-- Copy rows from old table "users" to new temporary table "new_users"
INSERT INTO `new_users` (`id`, `created_at`, `updated_at`, `email`, `password_hash`, `email_verified_at`, `disabled_at`, `mfa_secret`, `mfa_enabled_at`, `mfa_last_step`) SELECT `id`, `created_at`, `updated_at`, `email`, `password_hash`, `email_verified_at`, `disabled_at`, `mfa_secret`, `mfa_enabled_at`, `mfa_last_step` FROM `users`;
-- Drop "users" table after copying rows
DROP TABLE `users`;
-- Rename temporary table "new_users" to "users"
ALTER TABLE `new_users` RENAME TO `users`;
-- Create index "users_email_key" to table: "users"
CREATE UNIQUE INDEX `users_email_key` ON `users` (`email`);
-- Create "feature_flags" table
CREATE TABLE `feature_flags` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `description` text NOT NULL DEFAULT (''), `enabled` bool NOT NULL DEFAULT (false), PRIMARY KEY (`id`));
-- Create "feature_flag_overrides" table
CREATE TABLE `feature_flag_overrides` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `flag_key` text NOT NULL, `org_id` text NOT NULL, `enabled` bool NOT NULL, PRIMARY KEY (`id`));
-- Create index "featureflagoverride_flag_key_org_id" to table: "feature_flag_overrides"
CREATE UNIQUE INDEX `featureflagoverride_flag_key_org_id` ON `feature_flag_overrides` (`flag_key`, `org_id`);
-- Create "support_grants" table
CREATE TABLE `support_grants` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `org_id` text NOT NULL, `granted_by` text NOT NULL, `expires_at` datetime NOT NULL, `revoked_at` datetime NULL, PRIMARY KEY (`id`));
-- Create index "supportgrant_org_id_expires_at" to table: "support_grants"
CREATE INDEX `supportgrant_org_id_expires_at` ON `support_grants` (`org_id`, `expires_at`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
