-- Create "webhook_attempts" table
CREATE TABLE `webhook_attempts` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `org_id` text NOT NULL, `delivery_id` text NOT NULL, `endpoint_id` text NOT NULL, `attempt` integer NOT NULL, `status_code` integer NOT NULL DEFAULT (0), `error` text NOT NULL DEFAULT (''), `response_excerpt` text NOT NULL DEFAULT (''), `duration_ms` integer NOT NULL DEFAULT (0), PRIMARY KEY (`id`));
-- Create index "webhookattempt_org_id" to table: "webhook_attempts"
CREATE INDEX `webhookattempt_org_id` ON `webhook_attempts` (`org_id`);
-- Create index "webhookattempt_delivery_id_created_at" to table: "webhook_attempts"
CREATE INDEX `webhookattempt_delivery_id_created_at` ON `webhook_attempts` (`delivery_id`, `created_at`);
-- Create "webhook_deliveries" table
CREATE TABLE `webhook_deliveries` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `org_id` text NOT NULL, `endpoint_id` text NOT NULL, `event_id` text NOT NULL, `event_type` text NOT NULL, `task_id` text NOT NULL DEFAULT (''), `payload` json NOT NULL, `status` text NOT NULL DEFAULT ('pending'), `attempts` integer NOT NULL DEFAULT (0), `next_attempt_at` datetime NULL, `last_attempt_at` datetime NULL, `last_status_code` integer NOT NULL DEFAULT (0), `last_error` text NOT NULL DEFAULT (''), `response_excerpt` text NOT NULL DEFAULT (''), PRIMARY KEY (`id`));
-- Create index "webhookdelivery_org_id" to table: "webhook_deliveries"
CREATE INDEX `webhookdelivery_org_id` ON `webhook_deliveries` (`org_id`);
-- Create index "webhookdelivery_endpoint_id_created_at" to table: "webhook_deliveries"
CREATE INDEX `webhookdelivery_endpoint_id_created_at` ON `webhook_deliveries` (`endpoint_id`, `created_at`);
-- Create index "webhookdelivery_status_next_attempt_at" to table: "webhook_deliveries"
CREATE INDEX `webhookdelivery_status_next_attempt_at` ON `webhook_deliveries` (`status`, `next_attempt_at`);
-- Create index "webhookdelivery_event_id_endpoint_id" to table: "webhook_deliveries"
CREATE UNIQUE INDEX `webhookdelivery_event_id_endpoint_id` ON `webhook_deliveries` (`event_id`, `endpoint_id`);
-- Create "webhook_endpoints" table
CREATE TABLE `webhook_endpoints` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `org_id` text NOT NULL, `url` text NOT NULL, `description` text NOT NULL DEFAULT (''), `event_types` json NOT NULL, `enabled` bool NOT NULL DEFAULT (true), `disabled_at` datetime NULL, `disabled_reason` text NOT NULL DEFAULT (''), `secret_sealed` text NOT NULL, `previous_secret_sealed` text NOT NULL DEFAULT (''), `previous_secret_expires_at` datetime NULL, `failing_since` datetime NULL, `last_success_at` datetime NULL, `deleted_at` datetime NULL, PRIMARY KEY (`id`));
-- Create index "webhookendpoint_org_id" to table: "webhook_endpoints"
CREATE INDEX `webhookendpoint_org_id` ON `webhook_endpoints` (`org_id`);
-- Create index "webhookendpoint_org_id_created_at" to table: "webhook_endpoints"
CREATE INDEX `webhookendpoint_org_id_created_at` ON `webhook_endpoints` (`org_id`, `created_at`);
