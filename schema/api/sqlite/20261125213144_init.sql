-- Create "api_keys" table
CREATE TABLE `api_keys` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `org_id` text NOT NULL, `name` text NOT NULL, `prefix` text NOT NULL, `secret_hash` text NOT NULL, `scopes` json NULL, `last_used_at` datetime NULL, `expires_at` datetime NULL, `revoked_at` datetime NULL, PRIMARY KEY (`id`));
-- Create index "api_keys_prefix_key" to table: "api_keys"
CREATE UNIQUE INDEX `api_keys_prefix_key` ON `api_keys` (`prefix`);
-- Create index "apikey_org_id" to table: "api_keys"
CREATE INDEX `apikey_org_id` ON `api_keys` (`org_id`);
-- Create index "apikey_org_id_created_at" to table: "api_keys"
CREATE INDEX `apikey_org_id_created_at` ON `api_keys` (`org_id`, `created_at`);
-- Create "datasets" table
CREATE TABLE `datasets` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `org_id` text NOT NULL, `name` text NOT NULL, `source` text NOT NULL DEFAULT ('api'), `url` text NULL, `format` text NOT NULL DEFAULT ('csv'), `blob_key` text NOT NULL, `size_bytes` integer NOT NULL DEFAULT (0), `rows` integer NOT NULL DEFAULT (0), `columns` json NULL, `layout` json NULL, `deleted_at` datetime NULL, PRIMARY KEY (`id`));
-- Create index "dataset_org_id" to table: "datasets"
CREATE INDEX `dataset_org_id` ON `datasets` (`org_id`);
-- Create index "dataset_org_id_created_at" to table: "datasets"
CREATE INDEX `dataset_org_id_created_at` ON `datasets` (`org_id`, `created_at`);
-- Create "outboxes" table
CREATE TABLE `outboxes` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `org_id` text NOT NULL, `task_id` text NULL, `topic` text NOT NULL, `payload` json NOT NULL, `attempts` integer NOT NULL DEFAULT (0), `sent_at` datetime NULL, `last_error` text NOT NULL DEFAULT (''), PRIMARY KEY (`id`));
-- Create index "outbox_org_id" to table: "outboxes"
CREATE INDEX `outbox_org_id` ON `outboxes` (`org_id`);
-- Create index "outbox_task_id" to table: "outboxes"
CREATE INDEX `outbox_task_id` ON `outboxes` (`task_id`);
-- Create index "outbox_sent_at" to table: "outboxes"
CREATE INDEX `outbox_sent_at` ON `outboxes` (`sent_at`);
-- Create "reports" table
CREATE TABLE `reports` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `org_id` text NOT NULL, `task_id` text NOT NULL, `dataset_id` text NOT NULL, `score` real NOT NULL, `rows` integer NOT NULL, `body` json NOT NULL, PRIMARY KEY (`id`));
-- Create index "reports_task_id_key" to table: "reports"
CREATE UNIQUE INDEX `reports_task_id_key` ON `reports` (`task_id`);
-- Create index "report_org_id" to table: "reports"
CREATE INDEX `report_org_id` ON `reports` (`org_id`);
-- Create "steps" table
CREATE TABLE `steps` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `org_id` text NOT NULL, `task_id` text NOT NULL, `parent_id` text NULL, `kind` text NOT NULL, `chunk` integer NOT NULL DEFAULT (0), `status` text NOT NULL DEFAULT ('queued'), `attempt` integer NOT NULL DEFAULT (0), `max_attempts` integer NOT NULL DEFAULT (5), `lease_owner` text NOT NULL DEFAULT (''), `lease_until` datetime NULL, `available_at` datetime NOT NULL, `pending_children` integer NOT NULL DEFAULT (0), `result` json NULL, `error` text NOT NULL DEFAULT (''), `error_class` text NOT NULL DEFAULT (''), PRIMARY KEY (`id`));
-- Create index "step_org_id" to table: "steps"
CREATE INDEX `step_org_id` ON `steps` (`org_id`);
-- Create index "step_task_id_kind_chunk" to table: "steps"
CREATE UNIQUE INDEX `step_task_id_kind_chunk` ON `steps` (`task_id`, `kind`, `chunk`);
-- Create index "step_status_available_at" to table: "steps"
CREATE INDEX `step_status_available_at` ON `steps` (`status`, `available_at`);
-- Create index "step_parent_id" to table: "steps"
CREATE INDEX `step_parent_id` ON `steps` (`parent_id`);
-- Create "tasks" table
CREATE TABLE `tasks` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `org_id` text NOT NULL, `dataset_id` text NOT NULL, `status` text NOT NULL DEFAULT ('pending'), `stage` text NOT NULL DEFAULT (''), `progress` real NOT NULL DEFAULT (0), `rules` json NULL, `score` real NULL, `error` text NOT NULL DEFAULT (''), `deadline` datetime NOT NULL, `started_at` datetime NULL, `finished_at` datetime NULL, PRIMARY KEY (`id`));
-- Create index "task_org_id" to table: "tasks"
CREATE INDEX `task_org_id` ON `tasks` (`org_id`);
-- Create index "task_org_id_created_at" to table: "tasks"
CREATE INDEX `task_org_id_created_at` ON `tasks` (`org_id`, `created_at`);
-- Create index "task_status" to table: "tasks"
CREATE INDEX `task_status` ON `tasks` (`status`);
-- Create "tenants" table
CREATE TABLE `tenants` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL DEFAULT (''), `plan` text NOT NULL DEFAULT ('free'), `max_upload_bytes` integer NOT NULL DEFAULT (0), PRIMARY KEY (`id`));
