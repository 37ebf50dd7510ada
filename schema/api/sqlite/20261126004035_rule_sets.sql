-- Add column "rule_set_version" to table: "tasks"
ALTER TABLE `tasks` ADD COLUMN `rule_set_version` integer NULL;
-- Add column "min_rows" to table: "tasks"
ALTER TABLE `tasks` ADD COLUMN `min_rows` integer NULL;
-- Add column "max_rows" to table: "tasks"
ALTER TABLE `tasks` ADD COLUMN `max_rows` integer NULL;
-- Create "rule_sets" table
CREATE TABLE `rule_sets` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `org_id` text NOT NULL, `dataset_id` text NOT NULL, `rules` json NULL, `min_rows` integer NULL, `max_rows` integer NULL, `version` integer NOT NULL DEFAULT (1), PRIMARY KEY (`id`));
-- Create index "ruleset_org_id" to table: "rule_sets"
CREATE INDEX `ruleset_org_id` ON `rule_sets` (`org_id`);
-- Create index "ruleset_dataset_id" to table: "rule_sets"
CREATE UNIQUE INDEX `ruleset_dataset_id` ON `rule_sets` (`dataset_id`);
