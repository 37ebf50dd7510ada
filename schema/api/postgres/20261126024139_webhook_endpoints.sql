-- Create "webhook_attempts" table
CREATE TABLE "webhook_attempts" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "org_id" character varying NOT NULL, "delivery_id" character varying NOT NULL, "endpoint_id" character varying NOT NULL, "attempt" bigint NOT NULL, "status_code" bigint NOT NULL DEFAULT 0, "error" character varying NOT NULL DEFAULT '', "response_excerpt" character varying NOT NULL DEFAULT '', "duration_ms" bigint NOT NULL DEFAULT 0, PRIMARY KEY ("id"));
-- Create index "webhookattempt_delivery_id_created_at" to table: "webhook_attempts"
CREATE INDEX "webhookattempt_delivery_id_created_at" ON "webhook_attempts" ("delivery_id", "created_at");
-- Create index "webhookattempt_org_id" to table: "webhook_attempts"
CREATE INDEX "webhookattempt_org_id" ON "webhook_attempts" ("org_id");
-- Create "webhook_deliveries" table
CREATE TABLE "webhook_deliveries" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "org_id" character varying NOT NULL, "endpoint_id" character varying NOT NULL, "event_id" character varying NOT NULL, "event_type" character varying NOT NULL, "task_id" character varying NOT NULL DEFAULT '', "payload" jsonb NOT NULL, "status" character varying NOT NULL DEFAULT 'pending', "attempts" bigint NOT NULL DEFAULT 0, "next_attempt_at" timestamptz NULL, "last_attempt_at" timestamptz NULL, "last_status_code" bigint NOT NULL DEFAULT 0, "last_error" character varying NOT NULL DEFAULT '', "response_excerpt" character varying NOT NULL DEFAULT '', PRIMARY KEY ("id"));
-- Create index "webhookdelivery_endpoint_id_created_at" to table: "webhook_deliveries"
CREATE INDEX "webhookdelivery_endpoint_id_created_at" ON "webhook_deliveries" ("endpoint_id", "created_at");
-- Create index "webhookdelivery_event_id_endpoint_id" to table: "webhook_deliveries"
CREATE UNIQUE INDEX "webhookdelivery_event_id_endpoint_id" ON "webhook_deliveries" ("event_id", "endpoint_id");
-- Create index "webhookdelivery_org_id" to table: "webhook_deliveries"
CREATE INDEX "webhookdelivery_org_id" ON "webhook_deliveries" ("org_id");
-- Create index "webhookdelivery_status_next_attempt_at" to table: "webhook_deliveries"
CREATE INDEX "webhookdelivery_status_next_attempt_at" ON "webhook_deliveries" ("status", "next_attempt_at");
-- Create "webhook_endpoints" table
CREATE TABLE "webhook_endpoints" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "org_id" character varying NOT NULL, "url" character varying NOT NULL, "description" character varying NOT NULL DEFAULT '', "event_types" jsonb NOT NULL, "enabled" boolean NOT NULL DEFAULT true, "disabled_at" timestamptz NULL, "disabled_reason" character varying NOT NULL DEFAULT '', "secret_sealed" character varying NOT NULL, "previous_secret_sealed" character varying NOT NULL DEFAULT '', "previous_secret_expires_at" timestamptz NULL, "failing_since" timestamptz NULL, "last_success_at" timestamptz NULL, "deleted_at" timestamptz NULL, PRIMARY KEY ("id"));
-- Create index "webhookendpoint_org_id" to table: "webhook_endpoints"
CREATE INDEX "webhookendpoint_org_id" ON "webhook_endpoints" ("org_id");
-- Create index "webhookendpoint_org_id_created_at" to table: "webhook_endpoints"
CREATE INDEX "webhookendpoint_org_id_created_at" ON "webhook_endpoints" ("org_id", "created_at");
