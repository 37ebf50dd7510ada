-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_organizations" table
CREATE TABLE `new_organizations` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `plan` text NOT NULL DEFAULT ('free'), `require_mfa` bool NOT NULL DEFAULT (false), `stripe_customer_id` text NULL, `suspended_at` datetime NULL, `delete_after` datetime NULL, `deletion_requested_by` text NOT NULL DEFAULT (''), PRIMARY KEY (`id`));
-- Copy rows from old table "organizations" to new temporary table "new_organizations"
INSERT INTO `new_organizations` (`id`, `created_at`, `updated_at`, `name`, `plan`, `require_mfa`, `suspended_at`, `delete_after`, `deletion_requested_by`) SELECT `id`, `created_at`, `updated_at`, `name`, `plan`, `require_mfa`, `suspended_at`, `delete_after`, `deletion_requested_by` FROM `organizations`;
-- Drop "organizations" table after copying rows
DROP TABLE `organizations`;
-- Rename temporary table "new_organizations" to "organizations"
ALTER TABLE `new_organizations` RENAME TO `organizations`;
-- Create index "organizations_stripe_customer_id_key" to table: "organizations"
CREATE UNIQUE INDEX `organizations_stripe_customer_id_key` ON `organizations` (`stripe_customer_id`);
-- Create "subscriptions" table
CREATE TABLE `subscriptions` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `org_id` text NOT NULL, `stripe_customer_id` text NOT NULL, `stripe_subscription_id` text NOT NULL, `price_id` text NOT NULL DEFAULT (''), `plan` text NOT NULL DEFAULT ('free'), `interval` text NOT NULL DEFAULT (''), `status` text NOT NULL, `current_period_end` datetime NULL, `cancel_at_period_end` bool NOT NULL DEFAULT (false), `cancel_at` datetime NULL, `trial_end` datetime NULL, `past_due_since` datetime NULL, `next_plan` text NOT NULL DEFAULT (''), `next_change_at` datetime NULL, `updated_from_event_created` integer NOT NULL DEFAULT (0), PRIMARY KEY (`id`));
-- Create index "subscription_org_id" to table: "subscriptions"
CREATE INDEX `subscription_org_id` ON `subscriptions` (`org_id`);
-- Create index "subscriptions_org_id_key" to table: "subscriptions"
CREATE UNIQUE INDEX `subscriptions_org_id_key` ON `subscriptions` (`org_id`);
-- Create index "subscription_stripe_subscription_id" to table: "subscriptions"
CREATE INDEX `subscription_stripe_subscription_id` ON `subscriptions` (`stripe_subscription_id`);
-- Create index "subscription_stripe_customer_id" to table: "subscriptions"
CREATE INDEX `subscription_stripe_customer_id` ON `subscriptions` (`stripe_customer_id`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
