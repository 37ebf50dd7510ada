-- Modify "tasks" table
ALTER TABLE "tasks" ADD COLUMN "traceparent" character varying NOT NULL DEFAULT '';
