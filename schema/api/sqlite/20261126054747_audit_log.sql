-- Create "audit_entries" table
CREATE TABLE `audit_entries` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `at` datetime NOT NULL, `action` text NOT NULL, `actor_id` text NULL, `actor_email` text NOT NULL DEFAULT (''), `org_id` text NULL, `ip` text NOT NULL DEFAULT (''), `user_agent` text NOT NULL DEFAULT (''), `target_type` text NOT NULL DEFAULT (''), `target_id` text NOT NULL DEFAULT (''), `details` text NOT NULL DEFAULT ('{}'), `prev_hash` text NOT NULL DEFAULT (''), `hash` text NOT NULL, `version` integer NOT NULL DEFAULT (1), `personal_salt` text NOT NULL DEFAULT (''), `personal_digest` text NOT NULL DEFAULT (''), `anonymized_at` datetime NULL);
-- Create index "auditentry_org_id_id" to table: "audit_entries"
CREATE INDEX `auditentry_org_id_id` ON `audit_entries` (`org_id`, `id`);
-- Create index "auditentry_actor_id" to table: "audit_entries"
CREATE INDEX `auditentry_actor_id` ON `audit_entries` (`actor_id`);
-- Create "audit_heads" table
CREATE TABLE `audit_heads` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `seq` integer NOT NULL DEFAULT (0), `hash` text NOT NULL DEFAULT (''));
