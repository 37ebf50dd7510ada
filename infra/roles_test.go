package infra

import (
	"strings"
	"testing"

	"github.com/caarlos0/env/v11"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/config"
)

// requireRole fails unless vars (environment variable → value) let role start in
// production: they parse, validate, and leave nothing to an embedded default.
func requireRole(t *testing.T, where string, role config.Role, vars map[string]string) {
	t.Helper()
	var c config.Config
	require.NoError(t, env.ParseWithOptions(&c, env.Options{Environment: vars}), where)
	require.True(t, c.Production(), "%s: APP_ENV must be production, got %q", where, c.Env)
	require.NoError(t, c.Validate(), where)
	require.NoError(t, c.Require(role), "%s: %s would fall back to embedded defaults", where, role)
}

// placeholder is a value of the right shape for a variable whose real value is a secret
// or only known once deployed.
func placeholder(name string) string {
	switch {
	case name == "WORKERS":
		return "4"
	case name == "TRUSTED_PROXIES":
		return "10.40.0.0/23"
	case strings.HasSuffix(name, "_DATABASE_URL"):
		return "postgres://user:pass@db.internal:5432/app?sslmode=require"
	case name == "REDIS_URL":
		return "rediss://:pass@redis.internal:6380/0"
	case name == "SMTP_URL":
		return "smtps://user:pass@smtp.example.com:465"
	case name == "OTEL_EXPORTER_OTLP_ENDPOINT":
		return "http://otel-collector:4318"
	case name == "MAIL_FROM":
		return "Assay <no-reply@example.com>"
	case name == "STRIPE_SECRET_KEY":
		return "sk_test_" + strings.Repeat("x", 24)
	case name == "STRIPE_WEBHOOK_SECRET":
		return "whsec_" + strings.Repeat("x", 32)
	case strings.HasPrefix(name, "STRIPE_PRICE_"):
		return "price_" + strings.Repeat("x", 14)
	case name == "WEBHOOK_ENCRYPTION_KEY":
		return "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	case strings.HasSuffix(name, "_URL"):
		return "https://app.example.com"
	default:
		return strings.Repeat("x", 48)
	}
}
