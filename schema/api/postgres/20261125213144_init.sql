-- Create "api_keys" table
CREATE TABLE "api_keys" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "org_id" character varying NOT NULL, "name" character varying NOT NULL, "prefix" character varying NOT NULL, "secret_hash" character varying NOT NULL, "scopes" jsonb NULL, "last_used_at" timestamptz NULL, "expires_at" timestamptz NULL, "revoked_at" timestamptz NULL, PRIMARY KEY ("id"));
-- Create index "api_keys_prefix_key" to table: "api_keys"
CREATE UNIQUE INDEX "api_keys_prefix_key" ON "api_keys" ("prefix");
-- Create index "apikey_org_id" to table: "api_keys"
CREATE INDEX "apikey_org_id" ON "api_keys" ("org_id");
-- Create index "apikey_org_id_created_at" to table: "api_keys"
CREATE INDEX "apikey_org_id_created_at" ON "api_keys" ("org_id", "created_at");
-- Create "datasets" table
CREATE TABLE "datasets" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "org_id" character varying NOT NULL, "name" character varying NOT NULL, "source" character varying NOT NULL DEFAULT 'api', "url" character varying NULL, "format" character varying NOT NULL DEFAULT 'csv', "blob_key" character varying NOT NULL, "size_bytes" bigint NOT NULL DEFAULT 0, "rows" bigint NOT NULL DEFAULT 0, "columns" jsonb NULL, "layout" jsonb NULL, "deleted_at" timestamptz NULL, PRIMARY KEY ("id"));
-- Create index "dataset_org_id" to table: "datasets"
CREATE INDEX "dataset_org_id" ON "datasets" ("org_id");
-- Create index "dataset_org_id_created_at" to table: "datasets"
CREATE INDEX "dataset_org_id_created_at" ON "datasets" ("org_id", "created_at");
-- Create "outboxes" table
CREATE TABLE "outboxes" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "org_id" character varying NOT NULL, "task_id" character varying NULL, "topic" character varying NOT NULL, "payload" jsonb NOT NULL, "attempts" bigint NOT NULL DEFAULT 0, "sent_at" timestamptz NULL, "last_error" character varying NOT NULL DEFAULT '', PRIMARY KEY ("id"));
-- Create index "outbox_org_id" to table: "outboxes"
CREATE INDEX "outbox_org_id" ON "outboxes" ("org_id");
-- Create index "outbox_sent_at" to table: "outboxes"
CREATE INDEX "outbox_sent_at" ON "outboxes" ("sent_at");
-- Create index "outbox_task_id" to table: "outboxes"
CREATE INDEX "outbox_task_id" ON "outboxes" ("task_id");
-- Create "reports" table
CREATE TABLE "reports" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "org_id" character varying NOT NULL, "task_id" character varying NOT NULL, "dataset_id" character varying NOT NULL, "score" double precision NOT NULL, "rows" bigint NOT NULL, "body" jsonb NOT NULL, PRIMARY KEY ("id"));
-- Create index "report_org_id" to table: "reports"
CREATE INDEX "report_org_id" ON "reports" ("org_id");
-- Create index "reports_task_id_key" to table: "reports"
CREATE UNIQUE INDEX "reports_task_id_key" ON "reports" ("task_id");
-- Create "steps" table
CREATE TABLE "steps" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "org_id" character varying NOT NULL, "task_id" character varying NOT NULL, "parent_id" character varying NULL, "kind" character varying NOT NULL, "chunk" bigint NOT NULL DEFAULT 0, "status" character varying NOT NULL DEFAULT 'queued', "attempt" bigint NOT NULL DEFAULT 0, "max_attempts" bigint NOT NULL DEFAULT 5, "lease_owner" character varying NOT NULL DEFAULT '', "lease_until" timestamptz NULL, "available_at" timestamptz NOT NULL, "pending_children" bigint NOT NULL DEFAULT 0, "result" jsonb NULL, "error" character varying NOT NULL DEFAULT '', "error_class" character varying NOT NULL DEFAULT '', PRIMARY KEY ("id"));
-- Create index "step_org_id" to table: "steps"
CREATE INDEX "step_org_id" ON "steps" ("org_id");
-- Create index "step_parent_id" to table: "steps"
CREATE INDEX "step_parent_id" ON "steps" ("parent_id");
-- Create index "step_status_available_at" to table: "steps"
CREATE INDEX "step_status_available_at" ON "steps" ("status", "available_at");
-- Create index "step_task_id_kind_chunk" to table: "steps"
CREATE UNIQUE INDEX "step_task_id_kind_chunk" ON "steps" ("task_id", "kind", "chunk");
-- Create "tasks" table
CREATE TABLE "tasks" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "org_id" character varying NOT NULL, "dataset_id" character varying NOT NULL, "status" character varying NOT NULL DEFAULT 'pending', "stage" character varying NOT NULL DEFAULT '', "progress" double precision NOT NULL DEFAULT 0, "rules" jsonb NULL, "score" double precision NULL, "error" character varying NOT NULL DEFAULT '', "deadline" timestamptz NOT NULL, "started_at" timestamptz NULL, "finished_at" timestamptz NULL, PRIMARY KEY ("id"));
-- Create index "task_org_id" to table: "tasks"
CREATE INDEX "task_org_id" ON "tasks" ("org_id");
-- Create index "task_org_id_created_at" to table: "tasks"
CREATE INDEX "task_org_id_created_at" ON "tasks" ("org_id", "created_at");
-- Create index "task_status" to table: "tasks"
CREATE INDEX "task_status" ON "tasks" ("status");
-- Create "tenants" table
CREATE TABLE "tenants" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "name" character varying NOT NULL DEFAULT '', "plan" character varying NOT NULL DEFAULT 'free', "max_upload_bytes" bigint NOT NULL DEFAULT 0, PRIMARY KEY ("id"));
