-- Create "one_time_tokens" table
CREATE TABLE `one_time_tokens` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `purpose` text NOT NULL, `token_hash` text NOT NULL, `email` text NOT NULL DEFAULT (''), `expires_at` datetime NOT NULL, `used_at` datetime NULL, `user_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `one_time_tokens_users_tokens` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`) ON DELETE CASCADE);
-- Create index "one_time_tokens_token_hash_key" to table: "one_time_tokens"
CREATE UNIQUE INDEX `one_time_tokens_token_hash_key` ON `one_time_tokens` (`token_hash`);
-- Create index "onetimetoken_user_id_purpose" to table: "one_time_tokens"
CREATE INDEX `onetimetoken_user_id_purpose` ON `one_time_tokens` (`user_id`, `purpose`);
-- Create index "onetimetoken_expires_at" to table: "one_time_tokens"
CREATE INDEX `onetimetoken_expires_at` ON `one_time_tokens` (`expires_at`);
-- Create "outgoing_mails" table
CREATE TABLE `outgoing_mails` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `to` text NOT NULL, `template` text NOT NULL, `subject` text NOT NULL, `text` text NOT NULL, `html` text NOT NULL, `status` text NOT NULL DEFAULT ('pending'), `attempts` integer NOT NULL DEFAULT (0), `next_attempt_at` datetime NOT NULL, `last_error` text NOT NULL DEFAULT (''), `sent_at` datetime NULL, PRIMARY KEY (`id`));
-- Create index "outgoingmail_status_next_attempt_at" to table: "outgoing_mails"
CREATE INDEX `outgoingmail_status_next_attempt_at` ON `outgoing_mails` (`status`, `next_attempt_at`);
