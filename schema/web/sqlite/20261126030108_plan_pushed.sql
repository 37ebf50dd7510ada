-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_organizations" table
CREATE TABLE `new_organizations` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `plan` text NOT NULL DEFAULT ('free'), `plan_pushed` text NOT NULL DEFAULT (''), `require_mfa` bool NOT NULL DEFAULT (false), `stripe_customer_id` text NULL, `suspended_at` datetime NULL, `delete_after` datetime NULL, `deletion_requested_by` text NOT NULL DEFAULT (''), PRIMARY KEY (`id`));
-- Copy rows from old table "organizations" to new temporary table "new_organizations"
INSERT INTO `new_organizations` (`id`, `created_at`, `updated_at`, `name`, `plan`, `require_mfa`, `stripe_customer_id`, `suspended_at`, `delete_after`, `deletion_requested_by`) SELECT `id`, `created_at`, `updated_at`, `name`, `plan`, `require_mfa`, `stripe_customer_id`, `suspended_at`, `delete_after`, `deletion_requested_by` FROM `organizations`;
-- Drop "organizations" table after copying rows
DROP TABLE `organizations`;
-- Rename temporary table "new_organizations" to "organizations"
ALTER TABLE `new_organizations` RENAME TO `organizations`;
-- Create index "organizations_stripe_customer_id_key" to table: "organizations"
CREATE UNIQUE INDEX `organizations_stripe_customer_id_key` ON `organizations` (`stripe_customer_id`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
