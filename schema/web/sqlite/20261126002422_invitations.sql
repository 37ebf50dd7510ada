-- Create "invitations" table
CREATE TABLE `invitations` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `org_id` text NOT NULL, `email` text NOT NULL DEFAULT (''), `role` text NOT NULL, `token_hash` text NOT NULL, `invited_by` text NOT NULL, `max_uses` integer NOT NULL DEFAULT (1), `uses` integer NOT NULL DEFAULT (0), `expires_at` datetime NOT NULL, `accepted_at` datetime NULL, `revoked_at` datetime NULL, PRIMARY KEY (`id`));
-- Create index "invitations_token_hash_key" to table: "invitations"
CREATE UNIQUE INDEX `invitations_token_hash_key` ON `invitations` (`token_hash`);
-- Create index "invitation_org_id" to table: "invitations"
CREATE INDEX `invitation_org_id` ON `invitations` (`org_id`);
-- Create index "invitation_org_id_created_at" to table: "invitations"
CREATE INDEX `invitation_org_id_created_at` ON `invitations` (`org_id`, `created_at`);
-- Create index "invitation_expires_at" to table: "invitations"
CREATE INDEX `invitation_expires_at` ON `invitations` (`expires_at`);
