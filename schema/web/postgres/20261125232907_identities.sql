-- Modify "users" table
ALTER TABLE "users" ALTER COLUMN "email" DROP NOT NULL;
-- Create "identities" table
CREATE TABLE "identities" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "issuer" character varying NOT NULL, "subject" character varying NOT NULL, "email" character varying NOT NULL DEFAULT '', "email_verified" boolean NOT NULL DEFAULT false, "last_used_at" timestamptz NOT NULL, "user_id" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "identities_users_identities" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE CASCADE);
-- Create index "identity_issuer_subject" to table: "identities"
CREATE UNIQUE INDEX "identity_issuer_subject" ON "identities" ("issuer", "subject");
-- Create index "identity_user_id" to table: "identities"
CREATE INDEX "identity_user_id" ON "identities" ("user_id");
