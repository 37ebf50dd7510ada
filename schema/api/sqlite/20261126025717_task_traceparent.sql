-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_tasks" table
CREATE TABLE `new_tasks` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `org_id` text NOT NULL, `dataset_id` text NOT NULL, `status` text NOT NULL DEFAULT ('pending'), `stage` text NOT NULL DEFAULT (''), `progress` real NOT NULL DEFAULT (0), `rules` json NULL, `rule_set_version` integer NULL, `min_rows` integer NULL, `max_rows` integer NULL, `score` real NULL, `error` text NOT NULL DEFAULT (''), `deadline` datetime NOT NULL, `traceparent` text NOT NULL DEFAULT (''), `started_at` datetime NULL, `finished_at` datetime NULL, PRIMARY KEY (`id`));
-- Copy rows from old table "tasks" to new temporary table "new_tasks"
INSERT INTO `new_tasks` (`id`, `created_at`, `updated_at`, `org_id`, `dataset_id`, `status`, `stage`, `progress`, `rules`, `rule_set_version`, `min_rows`, `max_rows`, `score`, `error`, `deadline`, `started_at`, `finished_at`) SELECT `id`, `created_at`, `updated_at`, `org_id`, `dataset_id`, `status`, `stage`, `progress`, `rules`, `rule_set_version`, `min_rows`, `max_rows`, `score`, `error`, `deadline`, `started_at`, `finished_at` FROM `tasks`;
-- Drop "tasks" table after copying rows
DROP TABLE `tasks`;
-- Rename temporary table "new_tasks" to "tasks"
ALTER TABLE `new_tasks` RENAME TO `tasks`;
-- Create index "task_org_id" to table: "tasks"
CREATE INDEX `task_org_id` ON `tasks` (`org_id`);
-- Create index "task_org_id_created_at" to table: "tasks"
CREATE INDEX `task_org_id_created_at` ON `tasks` (`org_id`, `created_at`);
-- Create index "task_status" to table: "tasks"
CREATE INDEX `task_status` ON `tasks` (`status`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
