-- Create "exports" table
CREATE TABLE "exports" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "org_id" character varying NOT NULL, "requested_by" character varying NOT NULL, "status" character varying NOT NULL DEFAULT 'pending', "active_org" character varying NULL, "attempts" bigint NOT NULL DEFAULT 0, "lease_until" timestamptz NULL, "error" character varying NOT NULL DEFAULT '', "blob_key" character varying NOT NULL DEFAULT '', "size_bytes" bigint NOT NULL DEFAULT 0, "token_hash" character varying NULL, "expires_at" timestamptz NULL, "completed_at" timestamptz NULL, "downloaded_at" timestamptz NULL, PRIMARY KEY ("id"));
-- Create index "export_expires_at" to table: "exports"
CREATE INDEX "export_expires_at" ON "exports" ("expires_at");
-- Create index "export_org_id_created_at" to table: "exports"
CREATE INDEX "export_org_id_created_at" ON "exports" ("org_id", "created_at");
-- Create index "export_status" to table: "exports"
CREATE INDEX "export_status" ON "exports" ("status");
-- Create index "exports_active_org_key" to table: "exports"
CREATE UNIQUE INDEX "exports_active_org_key" ON "exports" ("active_org");
-- Create index "exports_token_hash_key" to table: "exports"
CREATE UNIQUE INDEX "exports_token_hash_key" ON "exports" ("token_hash");
