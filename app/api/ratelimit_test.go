package api_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/api"
	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/ratelimit"
	"github.com/assayhq/assay/app/tenant"
)

func withAPIRate(n int, proxies ...string) option {
	return func(c *config.Config) {
		c.RateLimitAPIPerMinute = n
		c.TrustedProxies = proxies
	}
}

func intHeader(t *testing.T, r response, name string) int {
	t.Helper()
	n, err := strconv.Atoi(r.Header.Get(name))
	require.NoError(t, err, "%s: %q", name, r.Header.Get(name))
	return n
}

// tooMany asserts a 429 problem naming the limit, with Retry-After.
func tooMany(t *testing.T, r response, limit string) {
	t.Helper()
	detail := r.problem(t, http.StatusTooManyRequests)
	require.Contains(t, detail, "at most "+limit)
	require.Contains(t, detail, "Retry in ")
	retry := intHeader(t, r, ratelimit.HeaderRetryAfter)
	require.Greater(t, retry, 0)
	require.LessOrEqual(t, retry, 60)
	require.Equal(t, 0, intHeader(t, r, ratelimit.HeaderRemaining))
}

func TestAPIRateLimitPerKey(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url, withAPIRate(3))
		org, key := e.org(t)
		_, other := e.org(t)
		for _, left := range []int{2, 1, 0} {
			res := e.do(t, http.MethodGet, "/v1/api/datasets", key, "", nil)
			require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
			require.Equal(t, 3, intHeader(t, res, ratelimit.HeaderLimit))
			require.Equal(t, left, intHeader(t, res, ratelimit.HeaderRemaining))
			require.Greater(t, intHeader(t, res, ratelimit.HeaderReset), 0)
			require.Empty(t, res.Header.Get(ratelimit.HeaderRetryAfter))
		}
		tooMany(t, e.do(t, http.MethodGet, "/v1/api/datasets", key, "", nil), "3 requests per minute per API key")
		// A refused write changes nothing.
		tooMany(t, e.do(t, http.MethodPost, "/v1/api/datasets?name=p", key, "text/csv", peopleCSV), "3 requests per minute")
		require.Zero(t, e.countDatasets(t, org))

		// Another key has its own quota; health checks are not limited.
		res := e.do(t, http.MethodGet, "/v1/api/datasets", other, "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, 2, intHeader(t, res, ratelimit.HeaderRemaining))
		for range 5 {
			res := e.do(t, http.MethodGet, "/v1/health", "", "", nil)
			require.NotEqual(t, http.StatusTooManyRequests, res.StatusCode)
			require.Empty(t, res.Header.Get(ratelimit.HeaderLimit))
		}
	})
}

// Requests that fail authentication count per client IP, so a flood of bad keys is
// refused before any key is looked up, and a spoofed X-Forwarded-For changes nothing.
func TestAPIBadKeyFloodIsLimitedPerIP(t *testing.T) {
	bad := "assay_AAAAAAAAAAAA_0123456789abcdefghijklmnopqrstuvwxyz"
	eachBackend(t, func(t *testing.T, url string) {
		t.Run("untrusted peer", func(t *testing.T) {
			e := newEnv(t, url, withAPIRate(3))
			_, key := e.org(t)
			for i, left := range []int{2, 1, 0} {
				// Every request claims another client: the header is not believed.
				res := e.do(t, http.MethodGet, "/v1/api/datasets", bad, "", nil, "X-Forwarded-For", "203.0.113."+strconv.Itoa(i+1))
				res.problem(t, http.StatusUnauthorized)
				require.Equal(t, left, intHeader(t, res, ratelimit.HeaderRemaining))
			}
			tooMany(t, e.do(t, http.MethodGet, "/v1/api/datasets", bad, "", nil, "X-Forwarded-For", "203.0.113.9"), "3 requests per minute per client IP")
			tooMany(t, e.doMalformed(t, http.MethodGet, "/v1/api/datasets", "", "", nil), "3 requests per minute per client IP")
			// Until it recovers, the address is refused whatever it sends.
			tooMany(t, e.do(t, http.MethodGet, "/v1/api/datasets", key, "", nil), "3 requests per minute per client IP")
		})
		t.Run("behind a trusted proxy", func(t *testing.T) {
			e := newEnv(t, url, withAPIRate(3, "0.0.0.0")) // app.Test connects from 0.0.0.0
			_, key := e.org(t)
			attacker := []string{"X-Forwarded-For", "6.6.6.6, 203.0.113.66"} // the proxy appended .66
			for range 3 {
				e.do(t, http.MethodGet, "/v1/api/datasets", bad, "", nil, attacker...).problem(t, http.StatusUnauthorized)
			}
			tooMany(t, e.do(t, http.MethodGet, "/v1/api/datasets", bad, "", nil, "X-Forwarded-For", "7.7.7.7, 203.0.113.66"), "3 requests per minute per client IP")
			// Another client behind the same proxy is not affected, and failures never
			// spent the key's own quota.
			res := e.do(t, http.MethodGet, "/v1/api/datasets", key, "", nil, "X-Forwarded-For", "203.0.113.77")
			require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.body)
			require.Equal(t, 2, intHeader(t, res, ratelimit.HeaderRemaining))
		})
	})
}

func TestAPIRateLimitPerWebUser(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url, withAPIRate(2))
		org, _ := e.org(t)
		alice, err := e.signer.Mint("alice", org, "owner", "free", auth.Limits{})
		require.NoError(t, err)
		bob, err := e.signer.Mint("bob", org, "member", "free", auth.Limits{})
		require.NoError(t, err)
		for range 2 {
			require.Equal(t, http.StatusOK, e.do(t, http.MethodGet, "/v1/api/tasks", alice, "", nil).StatusCode)
		}
		tooMany(t, e.do(t, http.MethodGet, "/v1/api/tasks", alice, "", nil), "2 requests per minute per user")
		require.Equal(t, http.StatusOK, e.do(t, http.MethodGet, "/v1/api/tasks", bob, "", nil).StatusCode)
	})
}

// The rate is looked up per request, from its context (which carries the organization):
// what a plan-based limit will plug into.
func TestAPIRateIsPluggable(t *testing.T) {
	e := newEnv(t, sqliteURL(t), withAPIRate(100))
	small, smallKey := e.org(t)
	_, bigKey := e.org(t)
	rate := func(ctx context.Context) int {
		if org, _ := tenant.OrgID(ctx); org == small {
			return 1
		}
		return 4
	}
	e.app = api.New(api.Deps{
		Config: e.cfg, DB: e.db, Blobs: e.blobs, Jobs: e.jobs, Hub: e.hub, Redis: e.redis,
		Limiter: ratelimit.New(e.redis.Pool, e.cfg.RedisNamespace+"-plans"), APIRate: rate,
	}).App()
	tests := []struct {
		name    string
		key     string
		allowed int
	}{
		{"small plan", smallKey, 1},
		{"big plan", bigKey, 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for i := range tc.allowed {
				res := e.do(t, http.MethodGet, "/v1/api/datasets", tc.key, "", nil)
				require.Equal(t, http.StatusOK, res.StatusCode, "request %d", i+1)
				require.Equal(t, tc.allowed, intHeader(t, res, ratelimit.HeaderLimit))
			}
			tooMany(t, e.do(t, http.MethodGet, "/v1/api/datasets", tc.key, "", nil), strconv.Itoa(tc.allowed)+" requests per minute")
		})
	}
}

func TestAPIHSTSOnlyInProduction(t *testing.T) {
	for env, want := range map[string]string{config.EnvProduction: "max-age=63072000; includeSubDomains", config.EnvTest: ""} {
		t.Run(env, func(t *testing.T) {
			e := newEnv(t, sqliteURL(t), func(c *config.Config) { c.Env = env })
			require.Equal(t, want, e.do(t, http.MethodGet, "/v1/health", "", "", nil).Header.Get("Strict-Transport-Security"))
		})
	}
}
