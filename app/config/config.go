// Package config loads Assay's configuration from the environment and validates it.
package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"
)

// Environments accepted in APP_ENV.
const (
	EnvDevelopment = "development"
	EnvProduction  = "production"
	EnvTest        = "test"
)

// Config is the whole typed configuration. Fields left empty fall back to an embedded
// default (see Defaults) everywhere except in production.
type Config struct {
	Env            string `env:"APP_ENV" envDefault:"development"`
	DataDir        string `env:"DATA_DIR" envDefault:"./data"`
	WebAddr        string `env:"WEB_ADDR" envDefault:":8080"`
	APIAddr        string `env:"API_ADDR" envDefault:":8787"`
	WebURL         string `env:"WEB_URL"`
	APIURL         string `env:"API_URL"`
	WebDatabaseURL string `env:"WEB_DATABASE_URL"`
	APIDatabaseURL string `env:"API_DATABASE_URL"`
	RedisURL       string `env:"REDIS_URL"`
	// RedisNamespace prefixes every Redis key and channel (queues, events, wake-ups).
	RedisNamespace string `env:"REDIS_NAMESPACE" envDefault:"assay"`
	BlobDir        string `env:"BLOB_DIR"`
	SessionSecret  string `env:"SESSION_SECRET"`
	// SessionIdleTimeout ends a browser session after this long without a request;
	// SessionMaxAge ends it this long after sign-in, however active. Both are enforced on
	// the server.
	SessionIdleTimeout time.Duration `env:"SESSION_IDLE_TIMEOUT" envDefault:"30m"`
	SessionMaxAge      time.Duration `env:"SESSION_MAX_AGE" envDefault:"12h"`
	WebhookSecret      string        `env:"WEBHOOK_SECRET"`
	// WebhookEncryptionKey encrypts the signing secrets of organizations' webhook
	// endpoints at rest (base64 of 32 random bytes, AES-256-GCM); the API and workers need it.
	WebhookEncryptionKey string `env:"WEBHOOK_ENCRYPTION_KEY"`
	// JWTSigningKey is the web app's Ed25519 private key (base64 of the 32-byte seed).
	JWTSigningKey string `env:"JWT_SIGNING_KEY"`
	// JWKSURL is where the API fetches the web app's public keys; derived from WEB_URL.
	JWKSURL        string `env:"JWKS_URL"`
	MaxUploadBytes int64  `env:"MAX_UPLOAD_BYTES" envDefault:"268435456"`
	// SourceFetchTimeout bounds one download of a URL dataset; the download is limited to
	// MaxUploadBytes too.
	SourceFetchTimeout time.Duration `env:"SOURCE_FETCH_TIMEOUT" envDefault:"60s"`
	// AllowedPrivateAddresses are CIDR ranges (or single IPs) that URL datasets may be
	// fetched from although they are not public; empty by default.
	AllowedPrivateAddresses []string `env:"ALLOWED_PRIVATE_ADDRESSES" envSeparator:","`
	// Workers is the number of pipeline workers in an API or worker process (0 disables them in `api`).
	Workers int `env:"WORKERS" envDefault:"4"`
	// ChunkRows is how many rows one pipeline chunk holds.
	ChunkRows int    `env:"CHUNK_ROWS" envDefault:"50000"`
	LogLevel  string `env:"LOG_LEVEL" envDefault:"info"`
	LogFormat string `env:"LOG_FORMAT" envDefault:"text"`
	// MetricsAddr is the internal address of the Prometheus metrics (see MetricsListen).
	MetricsAddr string `env:"METRICS_ADDR"`
	// OTLPEndpoint is the OTLP/HTTP collector traces are exported to (the standard
	// OpenTelemetry variable); unset, no traces leave the process.
	OTLPEndpoint string `env:"OTEL_EXPORTER_OTLP_ENDPOINT"`
	// MaxRunningTasksPerOrg is how many tasks of one organization run at once; the rest
	// wait, pending, oldest first (0: the pipeline's default, 4).
	MaxRunningTasksPerOrg int `env:"MAX_RUNNING_TASKS_PER_ORG" envDefault:"4"`
	// TaskDeadline is a run's deadline when the request sets none (10s to 24h; 0: 1h).
	TaskDeadline time.Duration `env:"TASK_DEADLINE" envDefault:"1h"`
	// RateLimitAPIPerMinute is how many /v1/api requests one API key (or client IP, for
	// requests that fail authentication) may make per minute; RateLimitAuthPer15m how many
	// login, signup, reset or MFA attempts one client IP, and one account, may make per 15
	// minutes. 0 turns a limit off, outside production only.
	RateLimitAPIPerMinute int `env:"RATE_LIMIT_API_PER_MINUTE" envDefault:"100"`
	RateLimitAuthPer15m   int `env:"RATE_LIMIT_AUTH_PER_15M" envDefault:"10"`
	// TrustedProxies are the reverse proxies (IPs or CIDR ranges) whose X-Forwarded-For
	// names the client; from any other peer the header is ignored.
	TrustedProxies []string `env:"TRUSTED_PROXIES" envSeparator:","`
	// SMTPURL is where the web app sends email: smtp://user:pass@host:587 (STARTTLS,
	// required except on loopback; ?starttls=mandatory|opportunistic|none) or
	// smtps://user:pass@host:465. Unset outside production, mail is printed to the log.
	SMTPURL string `env:"SMTP_URL"`
	// MailFrom is the From of every email, e.g. "Assay <no-reply@example.com>".
	MailFrom string `env:"MAIL_FROM"`
	// DeletionGracePeriod is how long a scheduled account or organization deletion can
	// be cancelled before a job carries it out (zero: the 168h default).
	DeletionGracePeriod time.Duration `env:"DELETION_GRACE_PERIOD" envDefault:"168h"`
	// ExportLinkTTL is how long an organization export's download link works; the
	// export is deleted after it (zero: the 168h default).
	ExportLinkTTL time.Duration `env:"EXPORT_LINK_TTL" envDefault:"168h"`
	// OIDC is sign-in with an OpenID Connect provider (Google by default); off unless
	// issuer, client id and secret are all set.
	OIDC OIDC
	// Runtime is the shutdown grace and the pipeline's lease and reconciler timings.
	Runtime Runtime
	// Stripe is billing; off unless STRIPE_SECRET_KEY is set.
	Stripe Stripe
}

// Load reads the environment into a Config, derives what follows from other values,
// and validates it. Which variables production requires depends on the role: see Require.
func Load() (Config, error) {
	var c Config
	if err := env.Parse(&c); err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	c = c.derive()
	return c, c.Validate()
}

// derive fills values that follow from others in every environment.
func (c Config) derive() Config {
	if c.JWKSURL == "" && c.WebURL != "" {
		c.JWKSURL = strings.TrimRight(c.WebURL, "/") + "/.well-known/jwks.json"
	}
	return c
}

// Production reports whether embedded defaults are forbidden.
func (c Config) Production() bool { return c.Env == EnvProduction }

// Validate checks the values that are set.
func (c Config) Validate() error {
	var errs []error
	switch c.Env {
	case EnvDevelopment, EnvProduction, EnvTest:
	default:
		errs = append(errs, fmt.Errorf("APP_ENV must be development, production or test, not %q", c.Env))
	}
	if c.MaxUploadBytes <= 0 {
		errs = append(errs, errors.New("MAX_UPLOAD_BYTES must be positive"))
	}
	if c.SessionIdleTimeout < 0 || c.SessionMaxAge < 0 || (c.SessionMaxAge > 0 && c.SessionIdleTimeout > c.SessionMaxAge) {
		errs = append(errs, errors.New("SESSION_IDLE_TIMEOUT and SESSION_MAX_AGE must be positive, the idle timeout at most the maximum age"))
	}
	if c.Workers < 0 {
		errs = append(errs, errors.New("WORKERS must not be negative"))
	}
	if c.DeletionGracePeriod < 0 {
		errs = append(errs, errors.New("DELETION_GRACE_PERIOD must not be negative"))
	}
	if c.ExportLinkTTL < 0 {
		errs = append(errs, errors.New("EXPORT_LINK_TTL must not be negative"))
	}
	if c.ChunkRows < 1 {
		errs = append(errs, errors.New("CHUNK_ROWS must be at least 1"))
	}
	if c.MaxRunningTasksPerOrg < 0 {
		errs = append(errs, errors.New("MAX_RUNNING_TASKS_PER_ORG must not be negative"))
	}
	if c.TaskDeadline != 0 && (c.TaskDeadline < 10*time.Second || c.TaskDeadline > 24*time.Hour) {
		errs = append(errs, errors.New("TASK_DEADLINE must be between 10s and 24h"))
	}
	errs = append(errs, c.validateSources()...)
	for name, v := range map[string]string{"WEB_DATABASE_URL": c.WebDatabaseURL, "API_DATABASE_URL": c.APIDatabaseURL} {
		if v != "" && !strings.HasPrefix(v, "sqlite://") && !strings.HasPrefix(v, "postgres://") && !strings.HasPrefix(v, "postgresql://") {
			errs = append(errs, fmt.Errorf("%s must start with sqlite:// or postgres://", name))
		}
	}
	for name, v := range map[string]string{"WEB_URL": c.WebURL, "API_URL": c.APIURL, "REDIS_URL": c.RedisURL, "JWKS_URL": c.JWKSURL} {
		if v == "" {
			continue
		}
		if u, err := url.Parse(v); err != nil || u.Scheme == "" || u.Host == "" {
			errs = append(errs, fmt.Errorf("%s is not an absolute URL", name))
		}
	}
	errs = append(errs, c.validateLimits()...)
	if c.SessionSecret != "" && len(c.SessionSecret) < 32 {
		errs = append(errs, errors.New("SESSION_SECRET must be at least 32 characters"))
	}
	if c.WebhookSecret != "" && len(c.WebhookSecret) < 32 {
		errs = append(errs, errors.New("WEBHOOK_SECRET must be at least 32 characters"))
	}
	if c.WebhookEncryptionKey != "" {
		for _, k := range strings.Split(c.WebhookEncryptionKey, ",") {
			if b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(k)); err != nil || len(b) != 32 {
				errs = append(errs, errors.New("WEBHOOK_ENCRYPTION_KEY must be the base64 of 32 bytes (several keys: comma-separated, the new one first)"))
				break
			}
		}
	}
	errs = append(errs, c.OIDC.validate()...)
	errs = append(errs, c.Runtime.validate()...)
	errs = append(errs, c.validateMail()...)
	errs = append(errs, c.validateStripe()...)
	return errors.Join(errs...)
}

// WithDefaults fills what is not configured with the embedded development defaults.
// It never touches secrets: those are generated into DATA_DIR by platform.Secrets.
func (c Config) WithDefaults() Config {
	if c.WebDatabaseURL == "" {
		c.WebDatabaseURL = "sqlite://" + filepath.Join(c.DataDir, "web.db")
	}
	if c.APIDatabaseURL == "" {
		c.APIDatabaseURL = "sqlite://" + filepath.Join(c.DataDir, "api.db")
	}
	if c.BlobDir == "" {
		c.BlobDir = filepath.Join(c.DataDir, "blobs")
	}
	if c.WebURL == "" {
		c.WebURL = "http://" + localAddr(c.WebAddr)
	}
	if c.APIURL == "" {
		c.APIURL = "http://" + localAddr(c.APIAddr)
	}
	return c.derive()
}

// localAddr turns a listen address such as ":8080" into "localhost:8080".
func localAddr(addr string) string {
	if strings.HasPrefix(addr, ":") {
		return "localhost" + addr
	}
	if strings.HasPrefix(addr, "0.0.0.0:") {
		return "localhost" + strings.TrimPrefix(addr, "0.0.0.0")
	}
	return addr
}
