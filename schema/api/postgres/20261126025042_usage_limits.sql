-- Modify "tenants" table
ALTER TABLE "tenants" ADD COLUMN "max_rows" bigint NOT NULL DEFAULT 0, ADD COLUMN "tasks_per_month" bigint NOT NULL DEFAULT 0, ADD COLUMN "members" bigint NOT NULL DEFAULT 0, ADD COLUMN "api_rate_per_minute" bigint NOT NULL DEFAULT 0, ADD COLUMN "retention_days" bigint NOT NULL DEFAULT 0;
-- Create "usage_counters" table
CREATE TABLE "usage_counters" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "org_id" character varying NOT NULL, "period_start" timestamptz NOT NULL, "tasks" bigint NOT NULL DEFAULT 0, "rows" bigint NOT NULL DEFAULT 0, "storage_bytes" bigint NOT NULL DEFAULT 0, "tasks_warned" bigint NOT NULL DEFAULT 0, "rows_warned" bigint NOT NULL DEFAULT 0, PRIMARY KEY ("id"));
-- Create index "usagecounter_org_id" to table: "usage_counters"
CREATE INDEX "usagecounter_org_id" ON "usage_counters" ("org_id");
-- Create index "usagecounter_org_id_period_start" to table: "usage_counters"
CREATE UNIQUE INDEX "usagecounter_org_id_period_start" ON "usage_counters" ("org_id", "period_start");
