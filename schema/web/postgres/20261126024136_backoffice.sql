-- Modify "organizations" table
ALTER TABLE "organizations" ADD COLUMN "suspended_at" timestamptz NULL;
-- Modify "users" table
ALTER TABLE "users" ADD COLUMN "staff" boolean NOT NULL DEFAULT false;
-- Create "feature_flags" table
CREATE TABLE "feature_flags" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "description" character varying NOT NULL DEFAULT '', "enabled" boolean NOT NULL DEFAULT false, PRIMARY KEY ("id"));
-- Create "feature_flag_overrides" table
CREATE TABLE "feature_flag_overrides" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "flag_key" character varying NOT NULL, "org_id" character varying NOT NULL, "enabled" boolean NOT NULL, PRIMARY KEY ("id"));
-- Create index "featureflagoverride_flag_key_org_id" to table: "feature_flag_overrides"
CREATE UNIQUE INDEX "featureflagoverride_flag_key_org_id" ON "feature_flag_overrides" ("flag_key", "org_id");
-- Create "support_grants" table
CREATE TABLE "support_grants" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "org_id" character varying NOT NULL, "granted_by" character varying NOT NULL, "expires_at" timestamptz NOT NULL, "revoked_at" timestamptz NULL, PRIMARY KEY ("id"));
-- Create index "supportgrant_org_id_expires_at" to table: "support_grants"
CREATE INDEX "supportgrant_org_id_expires_at" ON "support_grants" ("org_id", "expires_at");
