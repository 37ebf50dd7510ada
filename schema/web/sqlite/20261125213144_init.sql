-- Create "memberships" table
CREATE TABLE `memberships` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `user_id` text NOT NULL, `org_id` text NOT NULL, `role` text NOT NULL DEFAULT ('member'), PRIMARY KEY (`id`));
-- Create index "membership_user_id_org_id" to table: "memberships"
CREATE UNIQUE INDEX `membership_user_id_org_id` ON `memberships` (`user_id`, `org_id`);
-- Create index "membership_org_id" to table: "memberships"
CREATE INDEX `membership_org_id` ON `memberships` (`org_id`);
-- Create "organizations" table
CREATE TABLE `organizations` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `plan` text NOT NULL DEFAULT ('free'), PRIMARY KEY (`id`));
-- Create "received_webhooks" table
CREATE TABLE `received_webhooks` (`id` text NOT NULL, `source` text NOT NULL, `event` text NOT NULL DEFAULT (''), `received_at` datetime NOT NULL, PRIMARY KEY (`id`));
-- Create "sessions" table
CREATE TABLE `sessions` (`id` text NOT NULL, `user_id` text NULL, `data` blob NOT NULL, `created_at` datetime NOT NULL, `last_seen_at` datetime NOT NULL, `expires_at` datetime NOT NULL, PRIMARY KEY (`id`));
-- Create index "session_user_id" to table: "sessions"
CREATE INDEX `session_user_id` ON `sessions` (`user_id`);
-- Create index "session_expires_at" to table: "sessions"
CREATE INDEX `session_expires_at` ON `sessions` (`expires_at`);
-- Create "tasks" table
CREATE TABLE `tasks` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `org_id` text NOT NULL, `user_id` text NOT NULL DEFAULT (''), `dataset_id` text NOT NULL, `dataset_name` text NOT NULL DEFAULT (''), `status` text NOT NULL DEFAULT ('pending'), `stage` text NOT NULL DEFAULT (''), `score` real NULL, `error` text NOT NULL DEFAULT (''), `finished_at` datetime NULL, PRIMARY KEY (`id`));
-- Create index "task_org_id" to table: "tasks"
CREATE INDEX `task_org_id` ON `tasks` (`org_id`);
-- Create index "task_org_id_created_at" to table: "tasks"
CREATE INDEX `task_org_id_created_at` ON `tasks` (`org_id`, `created_at`);
-- Create "users" table
CREATE TABLE `users` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `email` text NOT NULL, `password_hash` text NOT NULL DEFAULT (''), `email_verified_at` datetime NULL, `disabled_at` datetime NULL, PRIMARY KEY (`id`));
-- Create index "users_email_key" to table: "users"
CREATE UNIQUE INDEX `users_email_key` ON `users` (`email`);
