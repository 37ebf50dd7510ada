-- Modify "datasets" table
ALTER TABLE "datasets" ALTER COLUMN "blob_key" SET DEFAULT '', ADD COLUMN "status" character varying NOT NULL DEFAULT 'ready', ADD COLUMN "error" character varying NOT NULL DEFAULT '', ADD COLUMN "delimiter" character varying NOT NULL DEFAULT '';
