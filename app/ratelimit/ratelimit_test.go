package ratelimit

import (
	"context"
	"crypto/rand"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/store/storetest"
)

// backend is one Redis the tests run against, with a namespace of their own.
type backend struct {
	url  string
	pool *redis.Pool
	ns   string
	mini *miniredis.Miniredis // nil on a real Redis
}

// eachRedis runs f on miniredis and, when TEST_REDIS_URL is set, on a real Redis.
func eachRedis(t *testing.T, f func(t *testing.T, b backend)) {
	t.Run("miniredis", func(t *testing.T) {
		m := miniredis.RunT(t)
		b := newBackend(t, "redis://"+m.Addr())
		b.mini = m
		f(t, b)
	})
	t.Run("redis", func(t *testing.T) {
		u := os.Getenv("TEST_REDIS_URL")
		if u == "" {
			storetest.SkipOrFail(t, "real Redis skipped: TEST_REDIS_URL is not set")
		}
		f(t, newBackend(t, u))
	})
}

func newBackend(t *testing.T, u string) backend {
	t.Helper()
	pool := platform.NewRedisPool(u)
	ns := "ratelimit-test-" + rand.Text()[:12]
	t.Cleanup(func() {
		dropNamespace(pool, ns)
		pool.Close()
	})
	return backend{url: u, pool: pool, ns: ns}
}

func dropNamespace(pool *redis.Pool, ns string) {
	conn := pool.Get()
	defer conn.Close()
	keys, _ := redis.Strings(conn.Do("KEYS", ns+":*"))
	for _, k := range keys {
		conn.Do("DEL", k)
	}
}

func newLimiter(t *testing.T, pool *redis.Pool, ns string) *Limiter {
	t.Helper()
	return New(pool, ns)
}

var perMinute3 = Policy{Name: "test", Period: time.Minute, Rate: Fixed(3), Per: "key"}

func TestTakeSpendsTheQuotaThenRefuses(t *testing.T) {
	eachRedis(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		l := newLimiter(t, b.pool, b.ns)
		for i, want := range []int{2, 1, 0} {
			r, err := l.Take(ctx, perMinute3, "alice")
			require.NoError(t, err)
			require.False(t, r.Limited, "request %d", i+1)
			require.Equal(t, 3, r.Limit)
			require.Equal(t, want, r.Remaining, "request %d", i+1)
			require.Zero(t, r.RetryAfter)
		}
		r, err := l.Take(ctx, perMinute3, "alice")
		require.NoError(t, err)
		require.True(t, r.Limited)
		require.Zero(t, r.Remaining)
		// One request comes back every Period/Rate = 20 s.
		require.Greater(t, r.RetryAfter, 15*time.Second)
		require.LessOrEqual(t, r.RetryAfter, 20*time.Second)
		require.Greater(t, r.Reset, 40*time.Second)
		require.LessOrEqual(t, r.Reset, time.Minute)
		require.Equal(t, "3 requests per minute per key", r.Describe())

		// Other keys, and the same key under another policy, have quotas of their own.
		r, err = l.Take(ctx, perMinute3, "bob")
		require.NoError(t, err)
		require.False(t, r.Limited)
		other := perMinute3
		other.Name = "other"
		r, err = l.Take(ctx, other, "alice")
		require.NoError(t, err)
		require.False(t, r.Limited)
	})
}

func TestInstancesShareCounters(t *testing.T) {
	eachRedis(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		// Two processes: two pools and limiters over the same Redis and namespace.
		pool2 := platform.NewRedisPool(b.url)
		t.Cleanup(func() { pool2.Close() })
		a, c := newLimiter(t, b.pool, b.ns), newLimiter(t, pool2, b.ns)
		for _, l := range []*Limiter{a, c, a} {
			r, err := l.Take(ctx, perMinute3, "k")
			require.NoError(t, err)
			require.False(t, r.Limited)
		}
		r, err := c.Take(ctx, perMinute3, "k")
		require.NoError(t, err)
		require.True(t, r.Limited)

		// Another namespace (another deployment on the same Redis) counts apart.
		r, err = newLimiter(t, b.pool, b.ns+"-other").Take(ctx, perMinute3, "k")
		require.NoError(t, err)
		require.False(t, r.Limited)
		dropNamespace(b.pool, b.ns+"-other")

		conn := b.pool.Get()
		defer conn.Close()
		keys, err := redis.Strings(conn.Do("KEYS", b.ns+":ratelimit:test:*"))
		require.NoError(t, err)
		require.Len(t, keys, 1)
		require.NotContains(t, keys[0], ":k", "keys are hashed")
	})
}

func TestPeekCountsNothing(t *testing.T) {
	eachRedis(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		l := newLimiter(t, b.pool, b.ns)
		for range 5 {
			r, err := l.Peek(ctx, perMinute3, "k")
			require.NoError(t, err)
			require.False(t, r.Limited)
			require.Equal(t, 3, r.Remaining)
		}
		for range 3 {
			_, err := l.Take(ctx, perMinute3, "k")
			require.NoError(t, err)
		}
		r, err := l.Peek(ctx, perMinute3, "k")
		require.NoError(t, err)
		require.True(t, r.Limited, "the next request would be refused")
		require.Positive(t, r.RetryAfter)
	})
}

type planKey struct{}

func TestRateIsLookedUpPerRequest(t *testing.T) {
	eachRedis(t, func(t *testing.T, b backend) {
		l := newLimiter(t, b.pool, b.ns)
		p := Policy{Name: "plan", Period: time.Minute, Rate: func(ctx context.Context) int {
			n, _ := ctx.Value(planKey{}).(int)
			return n
		}}
		tests := []struct {
			name    string
			rate    int
			allowed int // requests let through before the first refusal; -1: never refused
		}{
			{"small plan", 2, 2},
			{"large plan", 5, 5},
			{"zero is unlimited", 0, -1},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				ctx := context.WithValue(context.Background(), planKey{}, tc.rate)
				allowed := 0
				for range 8 {
					r, err := l.Take(ctx, p, tc.name)
					require.NoError(t, err)
					if r.Limited {
						break
					}
					allowed++
				}
				if tc.allowed < 0 {
					require.Equal(t, 8, allowed)
					return
				}
				require.Equal(t, tc.allowed, allowed)
			})
		}
	})
}

func TestQuotaComesBackWithTime(t *testing.T) {
	// Only miniredis can move the server's clock, which the algorithm reads (TIME).
	m := miniredis.RunT(t)
	pool := platform.NewRedisPool("redis://" + m.Addr())
	t.Cleanup(func() { pool.Close() })
	l := newLimiter(t, pool, "ns")
	ctx := context.Background()
	now := time.Now()
	m.SetTime(now)
	for range 3 {
		_, err := l.Take(ctx, perMinute3, "k")
		require.NoError(t, err)
	}
	r, err := l.Take(ctx, perMinute3, "k")
	require.NoError(t, err)
	require.True(t, r.Limited)

	m.SetTime(now.Add(21 * time.Second))
	r, err = l.Take(ctx, perMinute3, "k")
	require.NoError(t, err)
	require.False(t, r.Limited, "one request back after Period/Rate")
	r, err = l.Take(ctx, perMinute3, "k")
	require.NoError(t, err)
	require.True(t, r.Limited, "but only one")
}

func TestPoolDatabaseIsKept(t *testing.T) {
	// The store SELECTs a database on every call; the pool's own (from the URL) must win.
	m := miniredis.RunT(t)
	pool := platform.NewRedisPool((&url.URL{Scheme: "redis", Host: m.Addr(), Path: "/3"}).String())
	t.Cleanup(func() { pool.Close() })
	pool.MaxIdle, pool.MaxActive = 1, 1 // one connection, reused by the next Get
	_, err := New(pool, "ns").Take(context.Background(), perMinute3, "k")
	require.NoError(t, err)
	require.Len(t, m.DB(3).Keys(), 1)
	require.Empty(t, m.DB(0).Keys())

	conn := pool.Get()
	defer conn.Close()
	_, err = conn.Do("SET", "after", "1")
	require.NoError(t, err)
	require.True(t, m.DB(3).Exists("after"), "the pooled connection still uses database 3")
}

func TestUnlimitedPolicy(t *testing.T) {
	l := newLimiter(t, platform.NewRedisPool("redis://127.0.0.1:1"), "ns") // never dialed
	for _, p := range []Policy{{Name: "nil rate", Period: time.Minute}, {Name: "zero", Period: time.Minute, Rate: Fixed(0)}} {
		r, err := l.Take(context.Background(), p, "k")
		require.NoError(t, err, p.Name)
		require.False(t, r.Limited)
		require.Equal(t, -1, r.Limit)
	}
}

func TestRedisDownIsAnError(t *testing.T) {
	l := newLimiter(t, platform.NewRedisPool("redis://127.0.0.1:1"), "ns")
	_, err := l.Take(context.Background(), perMinute3, "k")
	require.Error(t, err)
}
