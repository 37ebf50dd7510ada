package platform

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/assayhq/assay/app/config"
)

// devSecrets is what a development install keeps in DATA_DIR/secrets.json.
type devSecrets struct {
	SessionSecret string `json:"session_secret"`
	WebhookSecret string `json:"webhook_secret"`
	JWTSigningKey string `json:"jwt_signing_key"`
	// WebhookEncryptionKey was added later: a file without it gets one on next start.
	WebhookEncryptionKey string `json:"webhook_encryption_key,omitempty"`
}

// EnsureSecrets fills unset secrets from DATA_DIR/secrets.json, generating that file on
// first use. Production never gets here: Validate refuses missing secrets there.
func EnsureSecrets(cfg config.Config) (config.Config, error) {
	if cfg.SessionSecret != "" && cfg.WebhookSecret != "" && cfg.JWTSigningKey != "" && cfg.WebhookEncryptionKey != "" {
		return cfg, nil
	}
	if cfg.Production() {
		return cfg, errors.New("secrets: refusing to generate secrets in production")
	}
	path := filepath.Join(cfg.DataDir, "secrets.json")
	var s devSecrets
	b, err := os.ReadFile(path) // #nosec G304 -- under the configured DATA_DIR
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &s); err != nil {
			return cfg, fmt.Errorf("secrets: %s: %w", path, err)
		}
		if s.WebhookEncryptionKey == "" {
			if s, err = addEncryptionKey(path, s); err != nil {
				return cfg, err
			}
		}
	case errors.Is(err, os.ErrNotExist):
		s = devSecrets{SessionSecret: randomHex(32), WebhookSecret: randomHex(32), JWTSigningKey: NewSigningKey(),
			WebhookEncryptionKey: NewSigningKey()}
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return cfg, fmt.Errorf("secrets: %w", err)
		}
		b, _ := json.MarshalIndent(s, "", "  ") // #nosec G117 -- the development secrets file (0600) is this data
		if err := writeExclusive(path, b); err != nil {
			if !errors.Is(err, os.ErrExist) {
				return cfg, fmt.Errorf("secrets: %w", err)
			}
			return EnsureSecrets(cfg) // another process wrote it first
		}
	default:
		return cfg, fmt.Errorf("secrets: %w", err)
	}
	if cfg.SessionSecret == "" {
		cfg.SessionSecret = s.SessionSecret
	}
	if cfg.WebhookSecret == "" {
		cfg.WebhookSecret = s.WebhookSecret
	}
	if cfg.JWTSigningKey == "" {
		cfg.JWTSigningKey = s.JWTSigningKey
	}
	if cfg.WebhookEncryptionKey == "" {
		cfg.WebhookEncryptionKey = s.WebhookEncryptionKey
	}
	return cfg, nil
}

// addEncryptionKey adds a webhook encryption key (32 random bytes, base64) to a
// secrets file written before it existed, replacing the file atomically.
func addEncryptionKey(path string, s devSecrets) (devSecrets, error) {
	s.WebhookEncryptionKey = NewSigningKey()
	b, _ := json.MarshalIndent(s, "", "  ") // #nosec G117 -- the development secrets file (0600) is this data
	tmp := path + ".new"
	_ = os.Remove(tmp)
	if err := writeExclusive(tmp, b); err != nil {
		return s, fmt.Errorf("secrets: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return s, fmt.Errorf("secrets: %w", err)
	}
	return s, nil
}

// NewSigningKey returns a fresh Ed25519 seed, base64-encoded, as JWT_SIGNING_KEY takes it.
func NewSigningKey() string {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		panic(err)
	}
	return base64.StdEncoding.EncodeToString(seed)
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return hex.EncodeToString(b)
}

func writeExclusive(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600) // #nosec G304 -- under the configured DATA_DIR
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}
