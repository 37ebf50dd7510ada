package auth

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

const (
	jwksMaxBytes     = 1 << 20
	jwksFetchTimeout = 10 * time.Second
	jwksMinInterval  = 10 * time.Second // at most one fetch per interval, whatever the kids asked
	jwksMaxAge       = 10 * time.Minute // known keys are refreshed in the background after this
)

// remoteJWKS is a KeySource backed by a JWK Set URL.
type remoteJWKS struct {
	url         string
	client      *http.Client
	minInterval time.Duration
	maxAge      time.Duration

	mu          sync.Mutex // held during a fetch too, so concurrent misses wait for one fetch
	keys        map[string]ed25519.PublicKey
	fetchedAt   time.Time
	lastAttempt time.Time
	refreshing  bool
}

// RemoteJWKS returns a KeySource that fetches the JWK Set at url (with client, or a client
// with a 10 s timeout when nil) and caches its Ed25519 keys. An unknown kid triggers a
// refetch, at most once every 10 s; known keys are refreshed in the background every 10 min
// and kept when a refresh fails. Fetch failures wrap ErrKeysUnavailable.
func RemoteJWKS(url string, client *http.Client) KeySource {
	if client == nil {
		client = &http.Client{Timeout: jwksFetchTimeout}
	}
	return &remoteJWKS{url: url, client: client, minInterval: jwksMinInterval, maxAge: jwksMaxAge}
}

func (r *remoteJWKS) PublicKey(ctx context.Context, kid string) (ed25519.PublicKey, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if k, ok := r.keys[kid]; ok {
		if time.Since(r.fetchedAt) > r.maxAge && !r.refreshing && r.mayFetch() {
			r.refreshing = true
			go r.refresh() // #nosec G118 -- outlives the request on purpose; refresh sets its own timeout
		}
		return k, nil
	}
	if !r.mayFetch() {
		return nil, fmt.Errorf("%w %q", ErrUnknownKey, kid)
	}
	if err := r.fetchLocked(ctx); err != nil {
		return nil, err
	}
	if k, ok := r.keys[kid]; ok {
		return k, nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownKey, kid)
}

func (r *remoteJWKS) mayFetch() bool {
	return r.lastAttempt.IsZero() || time.Since(r.lastAttempt) >= r.minInterval
}

func (r *remoteJWKS) refresh() {
	ctx, cancel := context.WithTimeout(context.Background(), jwksFetchTimeout)
	defer cancel()
	r.mu.Lock()
	defer r.mu.Unlock()
	_ = r.fetchLocked(ctx) // on failure the cached keys stay in use
	r.refreshing = false
}

func (r *remoteJWKS) fetchLocked(ctx context.Context) error {
	r.lastAttempt = time.Now()
	keys, err := fetchJWKS(ctx, r.client, r.url)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrKeysUnavailable, err)
	}
	r.keys, r.fetchedAt = keys, time.Now()
	return nil
}

// fetchJWKS downloads a JWK Set and keeps its Ed25519 signing keys that have a kid.
func fetchJWKS(ctx context.Context, client *http.Client, url string) (map[string]ed25519.PublicKey, error) {
	ctx, cancel := context.WithTimeout(ctx, jwksFetchTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("jwks: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("jwks: status %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, jwksMaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("jwks: read: %w", err)
	}
	if len(body) > jwksMaxBytes {
		return nil, errors.New("jwks: body over 1 MiB")
	}
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("jwks: decode: %w", err)
	}
	keys := map[string]ed25519.PublicKey{}
	for _, k := range set.Keys {
		pub, ok := k.Key.(ed25519.PublicKey)
		if !ok || k.KeyID == "" || (k.Use != "" && k.Use != "sig") || (k.Algorithm != "" && k.Algorithm != "EdDSA") {
			continue
		}
		keys[k.KeyID] = pub
	}
	if len(keys) == 0 {
		return nil, errors.New("jwks: no Ed25519 signing keys")
	}
	return keys, nil
}
