-- Modify "tasks" table
ALTER TABLE "tasks" ADD COLUMN "rule_set_version" bigint NULL, ADD COLUMN "min_rows" bigint NULL, ADD COLUMN "max_rows" bigint NULL;
-- Create "rule_sets" table
CREATE TABLE "rule_sets" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "org_id" character varying NOT NULL, "dataset_id" character varying NOT NULL, "rules" jsonb NULL, "min_rows" bigint NULL, "max_rows" bigint NULL, "version" bigint NOT NULL DEFAULT 1, PRIMARY KEY ("id"));
-- Create index "ruleset_dataset_id" to table: "rule_sets"
CREATE UNIQUE INDEX "ruleset_dataset_id" ON "rule_sets" ("dataset_id");
-- Create index "ruleset_org_id" to table: "rule_sets"
CREATE INDEX "ruleset_org_id" ON "rule_sets" ("org_id");
