package config

import (
	"errors"
	"fmt"
)

// Role is what a process runs; it decides which variables production requires.
type Role string

// Roles of the assay binary.
const (
	RoleDev     Role = "dev"
	RoleWeb     Role = "web"
	RoleAPI     Role = "api"
	RoleWorker  Role = "worker"
	RoleMigrate Role = "migrate"
	RoleUsers   Role = "user"   // operator commands on the web database
	RoleAPIKeys Role = "apikey" // operator commands on both databases
)

// needs lists, per role, the variables that role reads. The web app never needs the API
// database nor the API the web app's private key.
var needs = map[Role][]string{
	RoleDev: {"WEB_URL", "API_URL", "WEB_DATABASE_URL", "API_DATABASE_URL", "REDIS_URL", "BLOB_DIR",
		"SESSION_SECRET", "WEBHOOK_SECRET", "WEBHOOK_ENCRYPTION_KEY", "JWT_SIGNING_KEY", "SMTP_URL", "MAIL_FROM"},
	RoleWeb: {"WEB_URL", "API_URL", "WEB_DATABASE_URL", "REDIS_URL", "SESSION_SECRET", "WEBHOOK_SECRET", "JWT_SIGNING_KEY",
		"SMTP_URL", "MAIL_FROM"},
	RoleAPI:     {"WEB_URL", "API_DATABASE_URL", "REDIS_URL", "BLOB_DIR", "WEBHOOK_SECRET", "WEBHOOK_ENCRYPTION_KEY"},
	RoleWorker:  {"WEB_URL", "API_DATABASE_URL", "REDIS_URL", "BLOB_DIR", "WEBHOOK_SECRET", "WEBHOOK_ENCRYPTION_KEY"},
	RoleMigrate: {"WEB_DATABASE_URL", "API_DATABASE_URL"},
	RoleUsers:   {"WEB_DATABASE_URL"},
	RoleAPIKeys: {"WEB_DATABASE_URL", "API_DATABASE_URL"},
}

func (c Config) value(name string) string {
	return map[string]string{
		"WEB_URL": c.WebURL, "API_URL": c.APIURL,
		"WEB_DATABASE_URL": c.WebDatabaseURL, "API_DATABASE_URL": c.APIDatabaseURL,
		"REDIS_URL": c.RedisURL, "BLOB_DIR": c.BlobDir,
		"SESSION_SECRET": c.SessionSecret, "WEBHOOK_SECRET": c.WebhookSecret,
		"JWT_SIGNING_KEY": c.JWTSigningKey, "WEBHOOK_ENCRYPTION_KEY": c.WebhookEncryptionKey,
		"SMTP_URL": c.SMTPURL, "MAIL_FROM": c.MailFrom,
	}[name]
}

// Missing lists the variables role reads that are not set, i.e. that would fall back to
// an embedded default.
func (c Config) Missing(role Role) []string {
	var out []string
	for _, name := range needs[role] {
		if c.value(name) == "" {
			out = append(out, name)
		}
	}
	return out
}

// Require fails in production when role would rely on any embedded default, naming
// every missing variable. Outside production it accepts everything.
func (c Config) Require(role Role) error {
	if !c.Production() {
		return nil
	}
	if _, ok := needs[role]; !ok {
		return fmt.Errorf("config: unknown role %q", role)
	}
	var errs []error
	for _, m := range c.Missing(role) {
		errs = append(errs, fmt.Errorf("%s must be set in production (no embedded default)", m))
	}
	return errors.Join(errs...)
}
