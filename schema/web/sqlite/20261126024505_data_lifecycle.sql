-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_organizations" table
CREATE TABLE `new_organizations` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `plan` text NOT NULL DEFAULT ('free'), `require_mfa` bool NOT NULL DEFAULT (false), `suspended_at` datetime NULL, `delete_after` datetime NULL, `deletion_requested_by` text NOT NULL DEFAULT (''), PRIMARY KEY (`id`));
-- Copy rows from old table "organizations" to new temporary table "new_organizations"
INSERT INTO `new_organizations` (`id`, `created_at`, `updated_at`, `name`, `plan`, `require_mfa`, `suspended_at`) SELECT `id`, `created_at`, `updated_at`, `name`, `plan`, `require_mfa`, `suspended_at` FROM `organizations`;
-- Drop "organizations" table after copying rows
DROP TABLE `organizations`;
-- Rename temporary table "new_organizations" to "organizations"
ALTER TABLE `new_organizations` RENAME TO `organizations`;
-- Create "new_audit_entries" table
CREATE TABLE `new_audit_entries` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `at` datetime NOT NULL, `action` text NOT NULL, `actor_id` text NULL, `actor_email` text NOT NULL DEFAULT (''), `org_id` text NULL, `ip` text NOT NULL DEFAULT (''), `user_agent` text NOT NULL DEFAULT (''), `target_type` text NOT NULL DEFAULT (''), `target_id` text NOT NULL DEFAULT (''), `details` text NOT NULL DEFAULT ('{}'), `prev_hash` text NOT NULL DEFAULT (''), `hash` text NOT NULL, `version` integer NOT NULL DEFAULT (1), `personal_salt` text NOT NULL DEFAULT (''), `personal_digest` text NOT NULL DEFAULT (''), `anonymized_at` datetime NULL);
-- Copy rows from old table "audit_entries" to new temporary table "new_audit_entries"
INSERT INTO `new_audit_entries` (`id`, `at`, `action`, `actor_id`, `actor_email`, `org_id`, `ip`, `user_agent`, `target_type`, `target_id`, `details`, `prev_hash`, `hash`) SELECT `id`, `at`, `action`, `actor_id`, `actor_email`, `org_id`, `ip`, `user_agent`, `target_type`, `target_id`, `details`, `prev_hash`, `hash` FROM `audit_entries`;
-- Drop "audit_entries" table after copying rows
DROP TABLE `audit_entries`;
-- Rename temporary table "new_audit_entries" to "audit_entries"
ALTER TABLE `new_audit_entries` RENAME TO `audit_entries`;
-- Create index "auditentry_org_id_id" to table: "audit_entries"
CREATE INDEX `auditentry_org_id_id` ON `audit_entries` (`org_id`, `id`);
-- Create index "auditentry_actor_id" to table: "audit_entries"
CREATE INDEX `auditentry_actor_id` ON `audit_entries` (`actor_id`);
-- Add column "delete_after" to table: "users"
ALTER TABLE `users` ADD COLUMN `delete_after` datetime NULL;
-- Create "deletion_receipts" table
CREATE TABLE `deletion_receipts` (`id` text NOT NULL, `kind` text NOT NULL, `subject_hash` text NOT NULL, `requested_at` datetime NOT NULL, `completed_at` datetime NOT NULL, `summary` text NOT NULL DEFAULT ('{}'), PRIMARY KEY (`id`));
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
