package config

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestLoadDefaults(t *testing.T) {
	t.Setenv("APP_ENV", "")
	c, err := Load()
	require.NoError(t, err)
	require.Equal(t, EnvDevelopment, c.Env)
	require.Equal(t, "./data", c.DataDir)
	require.Equal(t, ":8080", c.WebAddr)
	require.Equal(t, ":8787", c.APIAddr)
	require.Equal(t, int64(256<<20), c.MaxUploadBytes)
	d := c.WithDefaults()
	require.Equal(t, "sqlite://data/web.db", d.WebDatabaseURL)
	require.Equal(t, "sqlite://data/api.db", d.APIDatabaseURL)
	require.Equal(t, "http://localhost:8080", d.WebURL)
	require.Equal(t, "http://localhost:8787", d.APIURL)
	require.Equal(t, "http://localhost:8080/.well-known/jwks.json", d.JWKSURL)
}

func TestProductionRefusesEmbeddedDefaults(t *testing.T) {
	t.Setenv("APP_ENV", "production")
	c, err := Load()
	require.NoError(t, err, "which variables are needed depends on the role")
	err = c.Require(RoleDev)
	for _, name := range []string{"WEB_URL", "API_URL", "WEB_DATABASE_URL", "API_DATABASE_URL", "REDIS_URL", "BLOB_DIR", "SESSION_SECRET", "WEBHOOK_SECRET", "JWT_SIGNING_KEY", "WEBHOOK_ENCRYPTION_KEY"} {
		require.ErrorContains(t, err, name+" must be set in production")
	}

	full := map[string]string{
		"WEB_URL": "https://app.example.com", "API_URL": "https://api.example.com",
		"WEB_DATABASE_URL": "postgres://u@db/web", "API_DATABASE_URL": "postgres://u@db/api",
		"REDIS_URL": "rediss://cache:6380", "BLOB_DIR": "/blobs",
		"SESSION_SECRET": "0123456789abcdef0123456789abcdef", "WEBHOOK_SECRET": "0123456789abcdef0123456789abcdef",
		"JWT_SIGNING_KEY":        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		"WEBHOOK_ENCRYPTION_KEY": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
		"SMTP_URL":               "smtp://mailer:secret@smtp.example.com:587",
		"MAIL_FROM":              "Assay <no-reply@example.com>",
	}
	for k, v := range full {
		t.Setenv(k, v)
	}
	c, err = Load()
	require.NoError(t, err)
	require.Equal(t, "https://app.example.com/.well-known/jwks.json", c.JWKSURL, "derived in production too")
	for _, role := range []Role{RoleDev, RoleWeb, RoleAPI, RoleWorker, RoleMigrate, RoleUsers, RoleAPIKeys} {
		require.NoError(t, c.Require(role), role)
	}
	t.Setenv("REDIS_URL", "")
	c, err = Load()
	require.NoError(t, err)
	require.ErrorContains(t, c.Require(RoleWeb), "REDIS_URL must be set in production")
	require.NoError(t, c.Require(RoleMigrate), "migrations need no Redis")
}

func TestRolesNeedOnlyTheirOwnSecrets(t *testing.T) {
	c := Config{Env: EnvProduction}
	has := func(role Role, name string) bool {
		for _, m := range c.Missing(role) {
			if m == name {
				return true
			}
		}
		return false
	}
	cases := []struct {
		role   Role
		name   string
		needed bool
	}{
		{RoleWeb, "JWT_SIGNING_KEY", true},
		{RoleWeb, "API_DATABASE_URL", false},
		{RoleWeb, "BLOB_DIR", false},
		{RoleAPI, "JWT_SIGNING_KEY", false},
		{RoleAPI, "SESSION_SECRET", false},
		{RoleAPI, "WEB_DATABASE_URL", false},
		{RoleAPI, "WEB_URL", true},
		{RoleWorker, "API_DATABASE_URL", true},
		{RoleMigrate, "WEBHOOK_SECRET", false},
		{RoleWeb, "SMTP_URL", true},
		{RoleWeb, "MAIL_FROM", true},
		{RoleAPI, "SMTP_URL", false},
		{RoleAPI, "WEBHOOK_ENCRYPTION_KEY", true},
		{RoleWorker, "WEBHOOK_ENCRYPTION_KEY", true},
		{RoleWeb, "WEBHOOK_ENCRYPTION_KEY", false},
	}
	for _, tc := range cases {
		require.Equal(t, tc.needed, has(tc.role, tc.name), "%s needs %s", tc.role, tc.name)
	}
	require.NoError(t, Config{Env: EnvDevelopment}.Require(RoleDev), "development falls back to defaults")
	require.Error(t, c.Require("nonsense"))
}

func TestValidateRejectsBadValues(t *testing.T) {
	base := Config{Env: EnvDevelopment, MaxUploadBytes: 1, ChunkRows: 1}
	cases := []struct {
		name string
		mod  func(*Config)
		want string
	}{
		{"env", func(c *Config) { c.Env = "staging" }, "APP_ENV"},
		{"upload", func(c *Config) { c.MaxUploadBytes = 0 }, "MAX_UPLOAD_BYTES"},
		{"db scheme", func(c *Config) { c.WebDatabaseURL = "mysql://x" }, "WEB_DATABASE_URL"},
		{"url", func(c *Config) { c.APIURL = "localhost" }, "API_URL"},
		{"short secret", func(c *Config) { c.SessionSecret = "short" }, "SESSION_SECRET"},
		{"chunk", func(c *Config) { c.ChunkRows = 0 }, "CHUNK_ROWS"},
		{"smtp scheme", func(c *Config) { c.SMTPURL = "http://mail.example.com"; c.MailFrom = "a@example.com" }, "SMTP_URL must start"},
		{"smtp without from", func(c *Config) { c.SMTPURL = "smtp://mail.example.com" }, "MAIL_FROM must be set"},
		{"bad from", func(c *Config) { c.MailFrom = "not an address" }, "MAIL_FROM must be an address"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := base
			tc.mod(&c)
			require.ErrorContains(t, c.Validate(), tc.want)
		})
	}
	require.NoError(t, base.Validate())
}
