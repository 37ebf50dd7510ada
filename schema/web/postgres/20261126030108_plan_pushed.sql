-- Modify "organizations" table
ALTER TABLE "organizations" ADD COLUMN "plan_pushed" character varying NOT NULL DEFAULT '';
