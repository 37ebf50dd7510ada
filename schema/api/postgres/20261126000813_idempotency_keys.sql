-- Create "idempotency_keys" table
CREATE TABLE "idempotency_keys" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "org_id" character varying NOT NULL, "key" character varying NOT NULL, "method" character varying NOT NULL, "path" character varying NOT NULL, "fingerprint" character varying NOT NULL DEFAULT '', "request_bytes" bigint NOT NULL DEFAULT 0, "status" character varying NOT NULL DEFAULT 'in_progress', "lock_token" character varying NOT NULL, "locked_until" timestamptz NOT NULL, "response_status" bigint NOT NULL DEFAULT 0, "response_content_type" character varying NOT NULL DEFAULT '', "response_body" bytea NULL, "expires_at" timestamptz NOT NULL, PRIMARY KEY ("id"));
-- Create index "idempotencykey_expires_at" to table: "idempotency_keys"
CREATE INDEX "idempotencykey_expires_at" ON "idempotency_keys" ("expires_at");
-- Create index "idempotencykey_org_id" to table: "idempotency_keys"
CREATE INDEX "idempotencykey_org_id" ON "idempotency_keys" ("org_id");
-- Create index "idempotencykey_org_id_key" to table: "idempotency_keys"
CREATE UNIQUE INDEX "idempotencykey_org_id_key" ON "idempotency_keys" ("org_id", "key");
