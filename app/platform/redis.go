package platform

import (
	"fmt"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/gomodule/redigo/redis"
)

// Redis is a redigo pool, backed by a real server or by an in-process miniredis.
type Redis struct {
	Pool       *redis.Pool
	URL        string
	embedded   *miniredis.Miniredis
	stopExpiry func()
}

// Embedded reports whether this is the in-process server.
func (r *Redis) Embedded() bool { return r.embedded != nil }

// Close closes the pool and stops an embedded server.
func (r *Redis) Close() error {
	err := r.Pool.Close()
	if r.embedded != nil {
		r.stopExpiry()
		r.embedded.Close()
	}
	return err
}

// OpenRedis connects to rawURL, or starts an embedded server when rawURL is empty.
func OpenRedis(rawURL string) (*Redis, error) {
	r := &Redis{URL: rawURL}
	if rawURL == "" {
		m, err := miniredis.Run()
		if err != nil {
			return nil, fmt.Errorf("redis: start embedded: %w", err)
		}
		r.embedded = m
		r.stopExpiry = ExpireKeys(m, embeddedExpiryEvery)
		r.URL = "redis://" + m.Addr()
	}
	r.Pool = NewRedisPool(r.URL)
	conn := r.Pool.Get()
	defer conn.Close()
	if _, err := conn.Do("PING"); err != nil {
		r.Close()
		return nil, fmt.Errorf("redis: ping %s: %w", Redact(r.URL), err)
	}
	return r, nil
}

// embeddedExpiryEvery is how often the embedded server's TTLs move on.
const embeddedExpiryEvery = 250 * time.Millisecond

// ExpireKeys makes m's keys expire as on a Redis server: every period it moves the TTLs
// on by the time that passed, until the returned func is called. (miniredis keeps every
// TTL until told that time passed; its ClockTTL mode does so on every command, at the
// cost of a sorted walk over all keys each time.)
func ExpireKeys(m *miniredis.Miniredis, period time.Duration) (stop func()) {
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(period)
		defer tick.Stop()
		last := time.Now()
		for {
			select {
			case <-done:
				return
			case now := <-tick.C:
				m.FastForward(now.Sub(last))
				last = now
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(done) }) }
}

// NewRedisPool builds a pool for a redis:// or rediss:// URL.
func NewRedisPool(rawURL string) *redis.Pool {
	return &redis.Pool{
		MaxIdle:     16,
		MaxActive:   128,
		Wait:        true,
		IdleTimeout: 4 * time.Minute,
		Dial: func() (redis.Conn, error) {
			return redis.DialURL(rawURL,
				redis.DialConnectTimeout(5*time.Second),
				redis.DialReadTimeout(0), // pub/sub connections block on reads
				redis.DialWriteTimeout(10*time.Second))
		},
		TestOnBorrow: func(c redis.Conn, t time.Time) error {
			if time.Since(t) < time.Minute {
				return nil
			}
			_, err := c.Do("PING")
			return err
		},
	}
}
