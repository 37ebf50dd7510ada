-- Modify "tenants" table
ALTER TABLE "tenants" ADD COLUMN "plan_at" bigint NOT NULL DEFAULT 0;
