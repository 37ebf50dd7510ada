-- Modify "audit_entries" table
ALTER TABLE "audit_entries" ADD COLUMN "version" bigint NOT NULL DEFAULT 1, ADD COLUMN "personal_salt" character varying NOT NULL DEFAULT '', ADD COLUMN "personal_digest" character varying NOT NULL DEFAULT '', ADD COLUMN "anonymized_at" timestamptz NULL;
-- Modify "organizations" table
ALTER TABLE "organizations" ADD COLUMN "delete_after" timestamptz NULL, ADD COLUMN "deletion_requested_by" character varying NOT NULL DEFAULT '';
-- Modify "users" table
ALTER TABLE "users" ADD COLUMN "delete_after" timestamptz NULL;
-- Create "deletion_receipts" table
CREATE TABLE "deletion_receipts" ("id" character varying NOT NULL, "kind" character varying NOT NULL, "subject_hash" character varying NOT NULL, "requested_at" timestamptz NOT NULL, "completed_at" timestamptz NOT NULL, "summary" text NOT NULL DEFAULT '{}', PRIMARY KEY ("id"));
