package web

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/ratelimit"
	"github.com/assayhq/assay/app/store/storetest"
)

// testLimiter counts in the env's miniredis, or in the Redis of cfg.RedisURL when a test
// sets one (a namespace of its own, dropped at cleanup).
func testLimiter(t *testing.T, rds *platform.Redis, cfg config.Config) *ratelimit.Limiter {
	t.Helper()
	if cfg.RedisURL == "" {
		return ratelimit.New(rds.Pool, cfg.RedisNamespace)
	}
	pool := platform.NewRedisPool(cfg.RedisURL)
	t.Cleanup(func() {
		conn := pool.Get()
		keys, _ := redis.Strings(conn.Do("KEYS", cfg.RedisNamespace+":*"))
		for _, k := range keys {
			conn.Do("DEL", k)
		}
		conn.Close()
		pool.Close()
	})
	return ratelimit.New(pool, cfg.RedisNamespace)
}

// eachLimitBackend runs f on SQLite with miniredis and on Postgres with the real Redis
// of TEST_REDIS_URL, with an auth limit of 3 per 15 minutes.
func eachLimitBackend(t *testing.T, f func(t *testing.T, env *testEnv), opts ...func(*config.Config)) {
	t.Helper()
	storetest.Each(t, func(t *testing.T, dbURL string) {
		redisURL := ""
		if strings.HasPrefix(dbURL, "postgres") {
			if redisURL = os.Getenv("TEST_REDIS_URL"); redisURL == "" {
				storetest.SkipOrFail(t, "real Redis skipped: TEST_REDIS_URL is not set")
			}
		}
		all := append([]func(*config.Config){func(c *config.Config) {
			c.RateLimitAuthPer15m = 3
			c.RedisURL = redisURL
			c.RedisNamespace = "webtest-" + rand.Text()[:12]
		}}, opts...)
		f(t, newEnv(t, dbURL, all...))
	})
}

func header(t *testing.T, res response, name string) int {
	t.Helper()
	n, err := strconv.Atoi(res.Header.Get(name))
	require.NoError(t, err, "%s: %q", name, res.Header.Get(name))
	return n
}

// A flood of login attempts is refused with a clear message and changes nothing: even
// the right password does not sign in once the quota is spent.
func TestLoginFloodIsRefused(t *testing.T) {
	eachLimitBackend(t, func(t *testing.T, env *testEnv) {
		o := env.owner(t)
		c := env.client(t)
		c.get("/login")
		for i, left := range []int{2, 1, 0} {
			res := c.postForm("/login", url.Values{"email": {o.Email}, "password": {"wrong password " + strconv.Itoa(i)}})
			require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, res.Body)
			require.Equal(t, 3, header(t, res, ratelimit.HeaderLimit))
			require.Equal(t, left, header(t, res, ratelimit.HeaderRemaining))
			require.Empty(t, res.Header.Get(ratelimit.HeaderRetryAfter))
		}
		sessions := env.db.Session.Query().CountX(context.Background())
		res := c.postForm("/login", url.Values{"email": {o.Email}, "password": {testPassword}})
		require.Equal(t, http.StatusTooManyRequests, res.StatusCode, res.Body)
		retry := header(t, res, ratelimit.HeaderRetryAfter)
		require.Greater(t, retry, 0)
		require.LessOrEqual(t, retry, 300, "one attempt comes back every 15 min / 3")
		require.Equal(t, 0, header(t, res, ratelimit.HeaderRemaining))
		require.Greater(t, header(t, res, ratelimit.HeaderReset), 0)

		doc := res.doc(t)
		require.Contains(t, doc.Find("#login-error").Text(), "Too many attempts")
		require.Contains(t, doc.Find("#login-error").Text(), "minutes before trying again")
		require.Equal(t, o.Email, doc.Find("#email").AttrOr("value", ""))
		require.NotEmpty(t, doc.Find(`#login-form input[name="csrf_token"]`).AttrOr("value", ""))

		// Nothing changed: no session was started, none was added.
		require.Equal(t, sessions, env.db.Session.Query().CountX(context.Background()))
		dash := c.get("/dashboard")
		require.Equal(t, http.StatusSeeOther, dash.StatusCode)
		require.Equal(t, "/login", dash.Header.Get("Location"))
	})
}

// The quota is per client IP and, separately, per account.
func TestAuthLimitIsPerIPAndPerAccount(t *testing.T) {
	// app.Test connects from 0.0.0.0; trusting it lets X-Forwarded-For pick the client.
	eachLimitBackend(t, func(t *testing.T, env *testEnv) {
		o := env.owner(t)
		c := env.client(t)
		c.get("/login")
		login := func(email, ip string) int {
			return c.postForm("/login", url.Values{"email": {email}, "password": {"wrong password"}}, "X-Forwarded-For", ip).StatusCode
		}
		// One account from many addresses: the account's quota runs out.
		for i := range 3 {
			require.Equal(t, http.StatusUnprocessableEntity, login(o.Email, "203.0.113."+strconv.Itoa(i+1)))
		}
		require.Equal(t, http.StatusTooManyRequests, login(o.Email, "203.0.113.50"))
		require.Equal(t, http.StatusTooManyRequests, login(" "+strings.ToUpper(o.Email), "203.0.113.51"), "normalized email")
		// ... while another account from a fresh address still gets in.
		require.Equal(t, http.StatusUnprocessableEntity, login("other@example.com", "203.0.113.52"))

		// Many accounts from one fresh address: its quota runs out, with or without an email.
		for i := range 2 {
			require.Equal(t, http.StatusUnprocessableEntity, login("user"+strconv.Itoa(i)+"@example.com", "198.51.100.7"))
		}
		require.Equal(t, http.StatusUnprocessableEntity, login("", "198.51.100.7"))
		require.Equal(t, http.StatusTooManyRequests, login("fresh@example.com", "198.51.100.7"))
		require.Equal(t, http.StatusTooManyRequests, login("", "198.51.100.7"))
	}, func(c *config.Config) { c.TrustedProxies = []string{"0.0.0.0"} })
}

func TestSignupFloodIsRefused(t *testing.T) {
	eachLimitBackend(t, func(t *testing.T, env *testEnv) {
		c := env.client(t)
		c.get("/signup")
		for range 3 {
			res := c.postForm("/signup", url.Values{"email": {"new@example.com"}, "password": {"short"}, "org": {"Acme"}})
			require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		}
		res := c.postForm("/signup", url.Values{"email": {"new@example.com"}, "password": {testPassword}, "org": {"Acme"}})
		require.Equal(t, http.StatusTooManyRequests, res.StatusCode, res.Body)
		require.NotEmpty(t, res.Header.Get(ratelimit.HeaderRetryAfter))
		doc := res.doc(t)
		require.Contains(t, doc.Find("#signup-error").Text(), "Too many attempts")
		require.Equal(t, "new@example.com", doc.Find("#email").AttrOr("value", ""))
		require.Equal(t, "Acme", doc.Find("#org").AttrOr("value", ""))
		require.Zero(t, env.db.User.Query().CountX(context.Background()), "nothing was created")
		require.Zero(t, env.db.Organization.Query().CountX(context.Background()))
	})
}

// Over a real connection from 127.0.0.1: X-Forwarded-For counts only when that peer is a
// configured proxy.
func TestForwardedForOnlyFromTrustedProxies(t *testing.T) {
	tests := []struct {
		name       string
		proxies    []string
		wantStatus int // of the 4th attempt, each from another forwarded address
	}{
		{"untrusted peer: spoofed header ignored", nil, http.StatusTooManyRequests},
		{"other proxies only", []string{"10.0.0.0/8"}, http.StatusTooManyRequests},
		{"trusted peer: header used", []string{"127.0.0.0/8"}, http.StatusUnprocessableEntity},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := newEnv(t, storetest.SQLite(t), func(c *config.Config) {
				c.RateLimitAuthPer15m = 3
				c.TrustedProxies = tc.proxies
			})
			base := env.serve(t)
			jar, err := cookiejar.New(nil)
			require.NoError(t, err)
			hc := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			res, err := hc.Get(base + "/login")
			require.NoError(t, err)
			doc, err := goquery.NewDocumentFromReader(res.Body)
			res.Body.Close()
			require.NoError(t, err)
			token := doc.Find(`meta[name="csrf-token"]`).AttrOr("content", "")
			require.NotEmpty(t, token)
			var status int
			for i := range 4 {
				form := url.Values{"email": {"u" + strconv.Itoa(i) + "@example.com"}, "password": {"wrong password"}, fieldCSRF: {token}}
				req, err := http.NewRequest(http.MethodPost, base+"/login", strings.NewReader(form.Encode()))
				require.NoError(t, err)
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				req.Header.Set("X-Forwarded-For", "203.0.113."+strconv.Itoa(i+1))
				res, err := hc.Do(req)
				require.NoError(t, err)
				res.Body.Close()
				status = res.StatusCode
			}
			require.Equal(t, tc.wantStatus, status)
		})
	}
}

func TestAuthLimitOffWhenZero(t *testing.T) {
	env := newSQLiteEnv(t) // RateLimitAuthPer15m = 0: off outside production
	c := env.client(t)
	c.get("/login")
	for range 12 {
		res := c.postForm("/login", url.Values{"email": {"a@example.com"}, "password": {"wrong password"}})
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode)
		require.Empty(t, res.Header.Get(ratelimit.HeaderLimit))
	}
}

func TestHSTSOnlyInProduction(t *testing.T) {
	tests := []struct {
		env  string
		want string
	}{
		{config.EnvProduction, "max-age=63072000; includeSubDomains"},
		{config.EnvDevelopment, ""},
		{config.EnvTest, ""},
	}
	for _, tc := range tests {
		t.Run(tc.env, func(t *testing.T) {
			env := newSQLiteEnv(t, func(c *config.Config) { c.Env = tc.env; c.WebURL = "https://assay.example" })
			c := env.client(t)
			for _, path := range []string{"/login", "/healthz", "/nowhere"} {
				require.Equal(t, tc.want, c.get(path).Header.Get("Strict-Transport-Security"), path)
			}
		})
	}
}
