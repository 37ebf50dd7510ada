-- Modify "organizations" table
ALTER TABLE "organizations" ADD COLUMN "stripe_customer_id" character varying NULL;
-- Create index "organizations_stripe_customer_id_key" to table: "organizations"
CREATE UNIQUE INDEX "organizations_stripe_customer_id_key" ON "organizations" ("stripe_customer_id");
-- Create "subscriptions" table
CREATE TABLE "subscriptions" ("id" character varying NOT NULL, "created_at" timestamptz NOT NULL, "updated_at" timestamptz NOT NULL, "org_id" character varying NOT NULL, "stripe_customer_id" character varying NOT NULL, "stripe_subscription_id" character varying NOT NULL, "price_id" character varying NOT NULL DEFAULT '', "plan" character varying NOT NULL DEFAULT 'free', "interval" character varying NOT NULL DEFAULT '', "status" character varying NOT NULL, "current_period_end" timestamptz NULL, "cancel_at_period_end" boolean NOT NULL DEFAULT false, "cancel_at" timestamptz NULL, "trial_end" timestamptz NULL, "past_due_since" timestamptz NULL, "next_plan" character varying NOT NULL DEFAULT '', "next_change_at" timestamptz NULL, "updated_from_event_created" bigint NOT NULL DEFAULT 0, PRIMARY KEY ("id"));
-- Create index "subscription_org_id" to table: "subscriptions"
CREATE INDEX "subscription_org_id" ON "subscriptions" ("org_id");
-- Create index "subscription_stripe_customer_id" to table: "subscriptions"
CREATE INDEX "subscription_stripe_customer_id" ON "subscriptions" ("stripe_customer_id");
-- Create index "subscription_stripe_subscription_id" to table: "subscriptions"
CREATE INDEX "subscription_stripe_subscription_id" ON "subscriptions" ("stripe_subscription_id");
-- Create index "subscriptions_org_id_key" to table: "subscriptions"
CREATE UNIQUE INDEX "subscriptions_org_id_key" ON "subscriptions" ("org_id");
