-- Create "outgoing_mails" table
CREATE TABLE "outgoing_mails" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "to" character varying NOT NULL, "template" character varying NOT NULL, "subject" character varying NOT NULL, "text" text NOT NULL, "html" text NOT NULL, "status" character varying NOT NULL DEFAULT 'pending', "attempts" bigint NOT NULL DEFAULT 0, "next_attempt_at" timestamptz NOT NULL, "last_error" character varying NOT NULL DEFAULT '', "sent_at" timestamptz NULL, PRIMARY KEY ("id"));
-- Create index "outgoingmail_status_next_attempt_at" to table: "outgoing_mails"
CREATE INDEX "outgoingmail_status_next_attempt_at" ON "outgoing_mails" ("status", "next_attempt_at");
-- Create "one_time_tokens" table
CREATE TABLE "one_time_tokens" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "purpose" character varying NOT NULL, "token_hash" character varying NOT NULL, "email" character varying NOT NULL DEFAULT '', "expires_at" timestamptz NOT NULL, "used_at" timestamptz NULL, "user_id" character varying NOT NULL, PRIMARY KEY ("id"), CONSTRAINT "one_time_tokens_users_tokens" FOREIGN KEY ("user_id") REFERENCES "users" ("id") ON UPDATE NO ACTION ON DELETE CASCADE);
-- Create index "one_time_tokens_token_hash_key" to table: "one_time_tokens"
CREATE UNIQUE INDEX "one_time_tokens_token_hash_key" ON "one_time_tokens" ("token_hash");
-- Create index "onetimetoken_expires_at" to table: "one_time_tokens"
CREATE INDEX "onetimetoken_expires_at" ON "one_time_tokens" ("expires_at");
-- Create index "onetimetoken_user_id_purpose" to table: "one_time_tokens"
CREATE INDEX "onetimetoken_user_id_purpose" ON "one_time_tokens" ("user_id", "purpose");
