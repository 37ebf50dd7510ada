-- Create "invitations" table
CREATE TABLE "invitations" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "org_id" character varying NOT NULL, "email" character varying NOT NULL DEFAULT '', "role" character varying NOT NULL, "token_hash" character varying NOT NULL, "invited_by" character varying NOT NULL, "max_uses" bigint NOT NULL DEFAULT 1, "uses" bigint NOT NULL DEFAULT 0, "expires_at" timestamptz NOT NULL, "accepted_at" timestamptz NULL, "revoked_at" timestamptz NULL, PRIMARY KEY ("id"));
-- Create index "invitation_expires_at" to table: "invitations"
CREATE INDEX "invitation_expires_at" ON "invitations" ("expires_at");
-- Create index "invitation_org_id" to table: "invitations"
CREATE INDEX "invitation_org_id" ON "invitations" ("org_id");
-- Create index "invitation_org_id_created_at" to table: "invitations"
CREATE INDEX "invitation_org_id_created_at" ON "invitations" ("org_id", "created_at");
-- Create index "invitations_token_hash_key" to table: "invitations"
CREATE UNIQUE INDEX "invitations_token_hash_key" ON "invitations" ("token_hash");
