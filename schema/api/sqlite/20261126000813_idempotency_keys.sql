-- Create "idempotency_keys" table
CREATE TABLE `idempotency_keys` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `org_id` text NOT NULL, `key` text NOT NULL, `method` text NOT NULL, `path` text NOT NULL, `fingerprint` text NOT NULL DEFAULT (''), `request_bytes` integer NOT NULL DEFAULT (0), `status` text NOT NULL DEFAULT ('in_progress'), `lock_token` text NOT NULL, `locked_until` datetime NOT NULL, `response_status` integer NOT NULL DEFAULT (0), `response_content_type` text NOT NULL DEFAULT (''), `response_body` blob NULL, `expires_at` datetime NOT NULL, PRIMARY KEY (`id`));
-- Create index "idempotencykey_org_id" to table: "idempotency_keys"
CREATE INDEX `idempotencykey_org_id` ON `idempotency_keys` (`org_id`);
-- Create index "idempotencykey_org_id_key" to table: "idempotency_keys"
CREATE UNIQUE INDEX `idempotencykey_org_id_key` ON `idempotency_keys` (`org_id`, `key`);
-- Create index "idempotencykey_expires_at" to table: "idempotency_keys"
CREATE INDEX `idempotencykey_expires_at` ON `idempotency_keys` (`expires_at`);
