// Package ratelimit counts requests per key in Redis with the generic cell-rate algorithm
// (GCRA), so every instance of an app shares the same counters. Keys live under the
// Redis namespace; what a request is keyed by is the caller's choice.
package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sync"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/throttled/throttled/v2"
	"github.com/throttled/throttled/v2/store/redigostore"
)

// RateFunc returns how many requests one key may make per period for the request whose
// context is ctx; 0 or less means unlimited. It lets the rate depend on the caller (a plan,
// say) without the limiter knowing why.
type RateFunc func(ctx context.Context) int

// Fixed is a RateFunc that always returns n.
func Fixed(n int) RateFunc { return func(context.Context) int { return n } }

// Policy is a named limit: at most Rate(ctx) requests per Period for each key. A key may
// spend the whole quota at once; after that, requests are let through evenly, one every
// Period/Rate.
type Policy struct {
	Name   string // part of the Redis key, e.g. "api"
	Period time.Duration
	Rate   RateFunc
	// Per says whom the quota is for, in the words of an error message ("API key").
	Per string
}

// Result is the state of one key after a request was counted (or peeked at).
type Result struct {
	Limited    bool          // the request is refused
	Limit      int           // the quota: requests per Period
	Remaining  int           // requests that could be made right now
	Reset      time.Duration // until the quota is whole again
	RetryAfter time.Duration // until the next request is allowed; 0 when not limited
	Policy     Policy
}

// Limiter applies policies over a Redis store.
type Limiter struct {
	store throttled.GCRAStoreCtx

	mu    sync.Mutex
	gcras map[gcraKey]*throttled.GCRARateLimiterCtx
}

type gcraKey struct {
	period time.Duration
	rate   int
}

// New returns a limiter that keeps its counters in pool under namespace + ":ratelimit:".
func New(pool *redis.Pool, namespace string) *Limiter {
	st, _ := redigostore.New(selectless{pool}, namespace+":ratelimit:", 0) // only builds a struct
	return &Limiter{store: throttled.WrapStoreWithContext(st), gcras: map[gcraKey]*throttled.GCRARateLimiterCtx{}}
}

// Take counts one request for key under p.
func (l *Limiter) Take(ctx context.Context, p Policy, key string) (Result, error) {
	return l.limit(ctx, p, key, 1)
}

// Peek reports whether a request for key under p would be refused, counting nothing.
func (l *Limiter) Peek(ctx context.Context, p Policy, key string) (Result, error) {
	return l.limit(ctx, p, key, 0)
}

func (l *Limiter) limit(ctx context.Context, p Policy, key string, quantity int) (Result, error) {
	rate := 0
	if p.Rate != nil {
		rate = p.Rate(ctx)
	}
	if rate <= 0 || p.Period <= 0 {
		return Result{Limit: -1, Remaining: -1, Policy: p}, nil
	}
	g, err := l.gcra(p.Period, rate)
	if err != nil {
		return Result{}, err
	}
	limited, r, err := g.RateLimitCtx(ctx, storeKey(p.Name, key), quantity)
	if err != nil {
		return Result{}, fmt.Errorf("ratelimit: %s: %w", p.Name, err)
	}
	res := Result{Limited: limited, Limit: r.Limit, Remaining: max(r.Remaining, 0), Reset: max(r.ResetAfter, 0), Policy: p}
	if r.RetryAfter > 0 {
		res.RetryAfter = r.RetryAfter
		// A peek is never "limited" by the library; the next request would be.
		res.Limited = true
	}
	return res, nil
}

// gcra returns the limiter of one quota, made once: a per-request rate (a plan's, say)
// then costs a map lookup.
func (l *Limiter) gcra(period time.Duration, rate int) (*throttled.GCRARateLimiterCtx, error) {
	k := gcraKey{period, rate}
	l.mu.Lock()
	defer l.mu.Unlock()
	if g, ok := l.gcras[k]; ok {
		return g, nil
	}
	g, err := throttled.NewGCRARateLimiterCtx(l.store, throttled.RateQuota{
		MaxRate:  throttled.PerDuration(rate, period),
		MaxBurst: rate - 1,
	})
	if err != nil {
		return nil, fmt.Errorf("ratelimit: quota %d per %s: %w", rate, period, err)
	}
	l.gcras[k] = g
	return g, nil
}

// storeKey hashes what a request is keyed by (an address, an email) so Redis holds no
// personal data and keys stay short.
func storeKey(policy, key string) string {
	sum := sha256.Sum256([]byte(key))
	return policy + ":" + hex.EncodeToString(sum[:16])
}

// selectless hands out the pool's connections with SELECT made a no-op: the store selects
// a database on every call, but the pool's connections already use the one of REDIS_URL,
// and switching them would leave other users of the pool in the wrong one.
type selectless struct{ pool *redis.Pool }

func (s selectless) Get() redis.Conn { return selectlessConn{s.pool.Get()} }

type selectlessConn struct{ redis.Conn }

func (c selectlessConn) Do(cmd string, args ...any) (any, error) {
	if cmd == "SELECT" {
		return "OK", nil
	}
	return c.Conn.Do(cmd, args...)
}
