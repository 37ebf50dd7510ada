-- Create "memberships" table
CREATE TABLE "memberships" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "user_id" character varying NOT NULL, "org_id" character varying NOT NULL, "role" character varying NOT NULL DEFAULT 'member', PRIMARY KEY ("id"));
-- Create index "membership_org_id" to table: "memberships"
CREATE INDEX "membership_org_id" ON "memberships" ("org_id");
-- Create index "membership_user_id_org_id" to table: "memberships"
CREATE UNIQUE INDEX "membership_user_id_org_id" ON "memberships" ("user_id", "org_id");
-- Create "organizations" table
CREATE TABLE "organizations" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "name" character varying NOT NULL, "plan" character varying NOT NULL DEFAULT 'free', PRIMARY KEY ("id"));
-- Create "received_webhooks" table
CREATE TABLE "received_webhooks" ("id" character varying NOT NULL, "source" character varying NOT NULL, "event" character varying NOT NULL DEFAULT '', "received_at" timestamptz NOT NULL, PRIMARY KEY ("id"));
-- Create "sessions" table
CREATE TABLE "sessions" ("id" character varying NOT NULL, "user_id" character varying NULL, "data" bytea NOT NULL, "created_at" timestamptz NOT NULL, "last_seen_at" timestamptz NOT NULL, "expires_at" timestamptz NOT NULL, PRIMARY KEY ("id"));
-- Create index "session_expires_at" to table: "sessions"
CREATE INDEX "session_expires_at" ON "sessions" ("expires_at");
-- Create index "session_user_id" to table: "sessions"
CREATE INDEX "session_user_id" ON "sessions" ("user_id");
-- Create "tasks" table
CREATE TABLE "tasks" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "org_id" character varying NOT NULL, "user_id" character varying NOT NULL DEFAULT '', "dataset_id" character varying NOT NULL, "dataset_name" character varying NOT NULL DEFAULT '', "status" character varying NOT NULL DEFAULT 'pending', "stage" character varying NOT NULL DEFAULT '', "score" double precision NULL, "error" character varying NOT NULL DEFAULT '', "finished_at" timestamptz NULL, PRIMARY KEY ("id"));
-- Create index "task_org_id" to table: "tasks"
CREATE INDEX "task_org_id" ON "tasks" ("org_id");
-- Create index "task_org_id_created_at" to table: "tasks"
CREATE INDEX "task_org_id_created_at" ON "tasks" ("org_id", "created_at");
-- Create "users" table
CREATE TABLE "users" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "email" character varying NOT NULL, "password_hash" character varying NOT NULL DEFAULT '', "email_verified_at" timestamptz NULL, "disabled_at" timestamptz NULL, PRIMARY KEY ("id"));
-- Create index "users_email_key" to table: "users"
CREATE UNIQUE INDEX "users_email_key" ON "users" ("email");
