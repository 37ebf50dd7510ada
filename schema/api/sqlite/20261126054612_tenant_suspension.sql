-- Add column "suspended_at" to table: "tenants"
ALTER TABLE `tenants` ADD COLUMN `suspended_at` datetime NULL;
