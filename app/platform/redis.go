package platform

import (
	"fmt"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/gomodule/redigo/redis"
)

// Redis is a redigo pool, backed by a real server or by an in-process miniredis.
type Redis struct {
	Pool     *redis.Pool
	URL      string
	embedded *miniredis.Miniredis
}

// Embedded reports whether this is the in-process server.
func (r *Redis) Embedded() bool { return r.embedded != nil }

// Close closes the pool and stops an embedded server.
func (r *Redis) Close() error {
	err := r.Pool.Close()
	if r.embedded != nil {
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
		// Keys expire with the wall clock, as on a Redis server (miniredis otherwise
		// keeps every TTL until told to move time on).
		m.ClockTTL(true)
		r.embedded = m
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
