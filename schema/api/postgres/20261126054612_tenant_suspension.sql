-- Modify "tenants" table
ALTER TABLE "tenants" ADD COLUMN "suspended_at" timestamptz NULL;
