package auth

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// jwksServer serves whatever JWKS body it currently holds and counts requests.
type jwksServer struct {
	*httptest.Server
	mu     sync.Mutex
	body   []byte
	status int
	hits   atomic.Int32
}

func newJWKSServer(t *testing.T, s *Signer) *jwksServer {
	t.Helper()
	js := &jwksServer{status: http.StatusOK}
	js.serve(t, s)
	js.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		js.hits.Add(1)
		js.mu.Lock()
		defer js.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(js.status)
		w.Write(js.body)
	}))
	t.Cleanup(js.Close)
	return js
}

func (js *jwksServer) serve(t *testing.T, s *Signer) {
	t.Helper()
	b, err := s.JWKS()
	require.NoError(t, err)
	js.set(http.StatusOK, b)
}

func (js *jwksServer) set(status int, body []byte) {
	js.mu.Lock()
	defer js.mu.Unlock()
	js.status, js.body = status, body
}

func mint(t *testing.T, s *Signer) string {
	t.Helper()
	tok, err := s.Mint("user-1", "org-1", "member", "free", Limits{})
	require.NoError(t, err)
	return tok
}

func TestRemoteJWKSRoundTripAndCache(t *testing.T) {
	s := newTestSigner(t)
	srv := newJWKSServer(t, s)
	v := NewVerifier(RemoteJWKS(srv.URL, srv.Client()))
	for range 5 {
		c, err := v.Verify(context.Background(), mint(t, s))
		require.NoError(t, err)
		require.Equal(t, "org-1", c.OrgID)
	}
	require.Equal(t, int32(1), srv.hits.Load(), "keys are cached")
}

func TestRemoteJWKSRotation(t *testing.T) {
	seedA, seedB := newSeed(t), newSeed(t)
	a, err := NewSigner(seedA)
	require.NoError(t, err)
	srv := newJWKSServer(t, a)
	src := RemoteJWKS(srv.URL, nil)
	src.(*remoteJWKS).minInterval = 0
	v := NewVerifier(src)
	_, err = v.Verify(context.Background(), mint(t, a))
	require.NoError(t, err)

	// The web app rotates: B signs, A is still published.
	b, err := NewSigner(seedB + "," + seedA)
	require.NoError(t, err)
	srv.serve(t, b)
	for _, s := range []*Signer{b, a, b} {
		_, err = v.Verify(context.Background(), mint(t, s))
		require.NoError(t, err)
	}
	require.Equal(t, int32(2), srv.hits.Load(), "one refetch for the new kid")

	// A retired, unknown keys are refused.
	c, err := NewSigner(seedB)
	require.NoError(t, err)
	srv.serve(t, c)
	_, err = v.Verify(context.Background(), mint(t, newTestSigner(t)))
	require.ErrorIs(t, err, ErrInvalidToken)
	require.ErrorIs(t, err, ErrUnknownKey)
}

func TestRemoteJWKSRateLimitsRefetch(t *testing.T) {
	s := newTestSigner(t)
	srv := newJWKSServer(t, s)
	v := NewVerifier(RemoteJWKS(srv.URL, nil))
	_, err := v.Verify(context.Background(), mint(t, s))
	require.NoError(t, err)
	for range 10 {
		_, err = v.Verify(context.Background(), mint(t, newTestSigner(t)))
		require.ErrorIs(t, err, ErrUnknownKey)
	}
	require.Equal(t, int32(1), srv.hits.Load(), "unknown kids within 10 s cost no fetch")
}

func TestRemoteJWKSBackgroundRefresh(t *testing.T) {
	s := newTestSigner(t)
	srv := newJWKSServer(t, s)
	src := RemoteJWKS(srv.URL, nil).(*remoteJWKS)
	src.minInterval, src.maxAge = 0, 0
	v := NewVerifier(src)
	_, err := v.Verify(context.Background(), mint(t, s))
	require.NoError(t, err)
	srv.set(http.StatusInternalServerError, nil)
	_, err = v.Verify(context.Background(), mint(t, s))
	require.NoError(t, err, "a known key answers at once")
	require.Eventually(t, func() bool { return srv.hits.Load() >= 2 }, 5*time.Second, 10*time.Millisecond)
	require.Eventually(t, func() bool {
		src.mu.Lock()
		defer src.mu.Unlock()
		return !src.refreshing
	}, 5*time.Second, 10*time.Millisecond)
	_, err = v.Verify(context.Background(), mint(t, s))
	require.NoError(t, err, "a failed refresh keeps the cached keys")
}

func TestRemoteJWKSFailures(t *testing.T) {
	s := newTestSigner(t)
	good, err := s.JWKS()
	require.NoError(t, err)
	tests := []struct {
		name   string
		status int
		body   string
	}{
		{"server error", http.StatusInternalServerError, string(good)},
		{"not found", http.StatusNotFound, ""},
		{"not json", http.StatusOK, "<html>"},
		{"no keys", http.StatusOK, `{"keys":[]}`},
		{"only foreign keys", http.StatusOK, `{"keys":[{"kty":"oct","k":"c2VjcmV0","kid":"x"}]}`},
		{"over 1 MiB", http.StatusOK, `{"keys":[],"pad":"` + strings.Repeat("x", 1<<20) + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newJWKSServer(t, s)
			srv.set(tt.status, []byte(tt.body))
			_, err := NewVerifier(RemoteJWKS(srv.URL, nil)).Verify(context.Background(), mint(t, s))
			require.ErrorIs(t, err, ErrKeysUnavailable)
			require.NotErrorIs(t, err, ErrInvalidToken)
		})
	}
}

func TestRemoteJWKSHonoursContext(t *testing.T) {
	s := newTestSigner(t)
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := NewVerifier(RemoteJWKS(srv.URL, nil)).Verify(ctx, mint(t, s))
	require.ErrorIs(t, err, ErrKeysUnavailable)
	require.ErrorIs(t, err, context.DeadlineExceeded)
	require.Less(t, time.Since(start), 5*time.Second)
}
