-- Create "exports" table
CREATE TABLE `exports` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `org_id` text NOT NULL, `requested_by` text NOT NULL, `status` text NOT NULL DEFAULT ('pending'), `active_org` text NULL, `attempts` integer NOT NULL DEFAULT (0), `lease_until` datetime NULL, `error` text NOT NULL DEFAULT (''), `blob_key` text NOT NULL DEFAULT (''), `size_bytes` integer NOT NULL DEFAULT (0), `token_hash` text NULL, `expires_at` datetime NULL, `completed_at` datetime NULL, `downloaded_at` datetime NULL, PRIMARY KEY (`id`));
-- Create index "exports_active_org_key" to table: "exports"
CREATE UNIQUE INDEX `exports_active_org_key` ON `exports` (`active_org`);
-- Create index "exports_token_hash_key" to table: "exports"
CREATE UNIQUE INDEX `exports_token_hash_key` ON `exports` (`token_hash`);
-- Create index "export_org_id_created_at" to table: "exports"
CREATE INDEX `export_org_id_created_at` ON `exports` (`org_id`, `created_at`);
-- Create index "export_status" to table: "exports"
CREATE INDEX `export_status` ON `exports` (`status`);
-- Create index "export_expires_at" to table: "exports"
CREATE INDEX `export_expires_at` ON `exports` (`expires_at`);
