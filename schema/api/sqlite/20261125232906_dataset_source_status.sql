-- Disable the enforcement of foreign-keys constraints
PRAGMA foreign_keys = off;
-- Create "new_datasets" table
CREATE TABLE `new_datasets` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `org_id` text NOT NULL, `name` text NOT NULL, `source` text NOT NULL DEFAULT ('api'), `url` text NULL, `status` text NOT NULL DEFAULT ('ready'), `error` text NOT NULL DEFAULT (''), `format` text NOT NULL DEFAULT ('csv'), `delimiter` text NOT NULL DEFAULT (''), `blob_key` text NOT NULL DEFAULT (''), `size_bytes` integer NOT NULL DEFAULT (0), `rows` integer NOT NULL DEFAULT (0), `columns` json NULL, `layout` json NULL, `deleted_at` datetime NULL, PRIMARY KEY (`id`));
-- Copy rows from old table "datasets" to new temporary table "new_datasets"
INSERT INTO `new_datasets` (`id`, `created_at`, `updated_at`, `org_id`, `name`, `source`, `url`, `format`, `blob_key`, `size_bytes`, `rows`, `columns`, `layout`, `deleted_at`) SELECT `id`, `created_at`, `updated_at`, `org_id`, `name`, `source`, `url`, `format`, IFNULL(`blob_key`, ('')) AS `blob_key`, `size_bytes`, `rows`, `columns`, `layout`, `deleted_at` FROM `datasets`;
-- Drop "datasets" table after copying rows
DROP TABLE `datasets`;
-- Rename temporary table "new_datasets" to "datasets"
ALTER TABLE `new_datasets` RENAME TO `datasets`;
-- Create index "dataset_org_id" to table: "datasets"
CREATE INDEX `dataset_org_id` ON `datasets` (`org_id`);
-- Create index "dataset_org_id_created_at" to table: "datasets"
CREATE INDEX `dataset_org_id_created_at` ON `datasets` (`org_id`, `created_at`);
-- Enable back the enforcement of foreign-keys constraints
PRAGMA foreign_keys = on;
