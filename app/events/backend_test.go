package events

import (
	"bufio"
	"context"
	"crypto/rand"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/store/storetest"
)

// backend is one Redis the hub tests run against.
type backend struct {
	url  string
	pool *redis.Pool
	ns   string // unique per test, so tests sharing a server do not see each other
	// drop makes the server close the hub's connection.
	drop func(t *testing.T, h *Hub)
}

// eachBackend runs f on miniredis and, when TEST_REDIS_URL is set, on a real Redis.
func eachBackend(t *testing.T, f func(t *testing.T, b backend)) {
	t.Run("miniredis", func(t *testing.T) {
		m := miniredis.RunT(t)
		b := newBackend(t, "redis://"+m.Addr())
		b.drop = func(t *testing.T, _ *Hub) {
			m.Close()
			require.NoError(t, m.Restart())
		}
		f(t, b)
	})
	t.Run("redis", func(t *testing.T) {
		u := os.Getenv("TEST_REDIS_URL")
		if u == "" {
			storetest.SkipOrFail(t, "real Redis skipped: TEST_REDIS_URL is not set")
		}
		b := newBackend(t, u)
		b.drop = killHubConn
		f(t, b)
	})
}

func newBackend(t *testing.T, u string) backend {
	t.Helper()
	pool := platform.NewRedisPool(u)
	t.Cleanup(func() { pool.Close() })
	return backend{url: u, pool: pool, ns: "test-" + rand.Text()[:12]}
}

// killHubConn kills only this hub's connection (found by its client name), not every
// pub/sub client of a server other tests share.
func killHubConn(t *testing.T, h *Hub) {
	t.Helper()
	c := h.pool.Get()
	defer c.Close()
	list, err := redis.String(c.Do("CLIENT", "LIST", "TYPE", "pubsub"))
	require.NoError(t, err)
	killed := 0
	for _, line := range strings.Split(list, "\n") {
		fields := map[string]string{}
		for _, kv := range strings.Fields(line) {
			k, v, _ := strings.Cut(kv, "=")
			fields[k] = v
		}
		if fields["name"] == h.clientName() {
			_, err := c.Do("CLIENT", "KILL", "ID", fields["id"])
			require.NoError(t, err)
			killed++
		}
	}
	require.Equal(t, 1, killed, "exactly one hub connection")
}

// startHub runs a hub with short timings until the test ends and waits until it is ready.
func startHub(t *testing.T, pool *redis.Pool, ns string) *Hub {
	t.Helper()
	h := NewHub(pool, ns, nil)
	h.pingEvery, h.readTimeout = 50*time.Millisecond, 300*time.Millisecond
	h.backoffMin, h.backoffMax = 10*time.Millisecond, 100*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- h.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			require.NoError(t, err)
		case <-time.After(5 * time.Second):
			t.Error("hub did not stop")
		}
	})
	require.Eventually(t, h.Ready, 5*time.Second, 5*time.Millisecond)
	return h
}

// proxy forwards TCP to a Redis and can turn its current connections into black holes:
// open, but silent, as after a network partition.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	links  []*link
}

type link struct {
	mu         sync.Mutex
	dead       bool
	client, up net.Conn
}

func (l *link) isDead() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.dead
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &proxy{ln: ln, target: target}
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		defer p.mu.Unlock()
		for _, l := range p.links {
			l.client.Close()
			l.up.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go p.serve(c)
		}
	}()
	return p
}

func (p *proxy) serve(c net.Conn) {
	defer c.Close()
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer up.Close()
	l := &link{client: c, up: up}
	p.mu.Lock()
	p.links = append(p.links, l)
	p.mu.Unlock()
	pipe := func(dst io.Writer, src io.Reader) {
		r := bufio.NewReader(src)
		buf := make([]byte, 4096)
		for {
			n, err := r.Read(buf)
			if err != nil {
				return
			}
			if !l.isDead() {
				dst.Write(buf[:n])
			}
		}
	}
	go func() {
		pipe(up, c)
		up.Close()
		c.Close()
	}()
	pipe(c, up)
}

// blackhole silences every connection open now; later ones work.
func (p *proxy) blackhole() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, l := range p.links {
		l.mu.Lock()
		l.dead = true
		l.mu.Unlock()
	}
}

// via returns redisURL with its host replaced by the proxy's address.
func (p *proxy) via(t *testing.T, redisURL string) string {
	t.Helper()
	u, err := url.Parse(redisURL)
	require.NoError(t, err)
	u.Host = p.ln.Addr().String()
	return u.String()
}

func hostOf(t *testing.T, redisURL string) string {
	t.Helper()
	u, err := url.Parse(redisURL)
	require.NoError(t, err)
	return u.Host
}
