-- Modify "organizations" table
ALTER TABLE "organizations" ADD COLUMN "require_mfa" boolean NOT NULL DEFAULT false;
-- Modify "users" table
ALTER TABLE "users" ADD COLUMN "mfa_secret" character varying NULL, ADD COLUMN "mfa_enabled_at" timestamptz NULL, ADD COLUMN "mfa_last_step" bigint NOT NULL DEFAULT 0;
-- Create "recovery_codes" table
CREATE TABLE "recovery_codes" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "code_hash" character varying NOT NULL, "used_at" timestamptz NULL, "user_id" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "recovery_codes_users_recovery_codes" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE CASCADE);
-- Create index "recoverycode_user_id_code_hash" to table: "recovery_codes"
CREATE UNIQUE INDEX "recoverycode_user_id_code_hash" ON "recovery_codes" ("user_id", "code_hash");
