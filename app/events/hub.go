package events

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gomodule/redigo/redis"
)

const (
	subscriberBuffer = 64
	backoffMin       = 100 * time.Millisecond
	backoffMax       = 5 * time.Second
	pingEvery        = 5 * time.Second
	// readTimeout: with a ping every pingEvery, this much silence means a dead connection.
	readTimeout = 2*pingEvery + 2*time.Second
)

// Hub holds one pattern subscription to every org channel of its namespace and fans the
// events out to in-process subscribers.
type Hub struct {
	pool    *redis.Pool
	ns      string
	log     *slog.Logger
	pattern string

	pingEvery, readTimeout, backoffMin, backoffMax time.Duration

	mu   sync.RWMutex
	subs map[string]map[*subscriber]struct{} // by org

	running    atomic.Bool
	ready      atomic.Bool
	subscribed atomic.Int64 // successful subscriptions so far
	dropped    atomic.Int64 // events lost to full subscriber buffers
}

type subscriber struct {
	task string // "" for every task of the org
	ch   chan Event
}

// NewHub returns a Hub for namespace; Run must be running for events to flow. A nil log
// discards.
func NewHub(pool *redis.Pool, namespace string, log *slog.Logger) *Hub {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Hub{
		pool: pool, ns: namespace, log: log,
		pattern:   globEscape(namespace) + ":events:*",
		pingEvery: pingEvery, readTimeout: readTimeout, backoffMin: backoffMin, backoffMax: backoffMax,
		subs: map[string]map[*subscriber]struct{}{},
	}
}

// Subscribe returns a channel of the events of orgID, limited to taskID unless it is "",
// and a cancel func that unsubscribes and closes the channel (safe to call twice). The
// channel is buffered; when it is full, events for it are dropped, never waited for.
// Events are shared between subscribers: treat them as read-only. An empty orgID gets no
// events.
func (h *Hub) Subscribe(orgID, taskID string) (<-chan Event, func()) {
	s := &subscriber{task: taskID, ch: make(chan Event, subscriberBuffer)}
	h.mu.Lock()
	if orgID != "" {
		if h.subs[orgID] == nil {
			h.subs[orgID] = map[*subscriber]struct{}{}
		}
		h.subs[orgID][s] = struct{}{}
	}
	h.mu.Unlock()
	var once sync.Once
	return s.ch, func() {
		once.Do(func() {
			h.mu.Lock()
			defer h.mu.Unlock()
			delete(h.subs[orgID], s)
			if len(h.subs[orgID]) == 0 {
				delete(h.subs, orgID)
			}
			close(s.ch)
		})
	}
}

// Ready reports whether the hub holds a live subscription: it has subscribed and not lost
// the connection since.
func (h *Hub) Ready() bool { return h.ready.Load() }

// Run keeps the subscription up until ctx is done, reconnecting with exponential backoff
// (100 ms to 5 s) and pinging so a silently dead connection is noticed. It returns nil once
// ctx is done, or an error at once if the hub is already running.
func (h *Hub) Run(ctx context.Context) error {
	if !h.running.CompareAndSwap(false, true) {
		return errors.New("events: hub already running")
	}
	defer h.running.Store(false)
	backoff := h.backoffMin
	for {
		subscribed, err := h.connect(ctx)
		h.ready.Store(false)
		if ctx.Err() != nil {
			return nil
		}
		if subscribed {
			backoff = h.backoffMin
		}
		h.log.Warn("events: subscription lost", "err", err, "retry_in", backoff)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
		backoff = min(backoff*2, h.backoffMax)
	}
}

// connect runs one connection: subscribe, then receive until it fails or ctx ends.
func (h *Hub) connect(ctx context.Context) (subscribed bool, err error) {
	c, err := h.dial(ctx)
	if err != nil {
		return false, fmt.Errorf("events: dial: %w", err)
	}
	defer c.Close()
	// Closing the connection is what unblocks a pending read when ctx ends.
	defer context.AfterFunc(ctx, func() { c.Close() })()

	// The name lets operators (and tests) find this connection in CLIENT LIST.
	if _, err := redis.DoWithTimeout(c, h.readTimeout, "CLIENT", "SETNAME", h.clientName()); err != nil {
		h.log.Debug("events: client setname", "err", err)
	}
	psc := redis.PubSubConn{Conn: c}
	if err := psc.PSubscribe(h.pattern); err != nil {
		return false, fmt.Errorf("events: psubscribe: %w", err)
	}
	var ok atomic.Bool
	done := make(chan error, 1)
	go func() { done <- h.receive(psc, &ok) }()
	ticker := time.NewTicker(h.pingEvery)
	defer ticker.Stop()
	for {
		select {
		case err := <-done:
			return ok.Load(), err
		case <-ticker.C:
			if err := psc.Ping(""); err != nil {
				c.Close()
				<-done
				return ok.Load(), fmt.Errorf("events: ping: %w", err)
			}
		}
	}
}

func (h *Hub) receive(psc redis.PubSubConn, ok *atomic.Bool) error {
	for {
		switch v := psc.ReceiveWithTimeout(h.readTimeout).(type) {
		case redis.Message:
			h.dispatch(v.Channel, v.Data)
		case redis.Subscription:
			if v.Kind == "psubscribe" {
				ok.Store(true)
				h.ready.Store(true)
				h.log.Info("events: subscribed", "pattern", h.pattern, "count", h.subscribed.Add(1))
			}
			if v.Count == 0 {
				h.ready.Store(false)
				return errors.New("events: unsubscribed")
			}
		case redis.Pong:
		case error:
			h.ready.Store(false)
			return fmt.Errorf("events: receive: %w", v)
		}
	}
}

func (h *Hub) dispatch(channel string, data []byte) {
	org, found := strings.CutPrefix(channel, h.ns+":events:")
	if !found || org == "" {
		return
	}
	var e Event
	if err := json.Unmarshal(data, &e); err != nil {
		h.log.Warn("events: undecodable event", "channel", channel, "err", err)
		return
	}
	if e.OrgID != org {
		h.log.Warn("events: event org does not match its channel", "channel", channel)
		return
	}
	h.mu.RLock()
	defer h.mu.RUnlock()
	for s := range h.subs[org] {
		if s.task != "" && s.task != e.TaskID {
			continue
		}
		select {
		case s.ch <- e:
		default:
			h.dropped.Add(1)
		}
	}
}

// dial opens a dedicated connection with the pool's dialer: a subscribed connection must
// not go back to the pool, and closing it must really close it.
func (h *Hub) dial(ctx context.Context) (redis.Conn, error) {
	if h.pool.DialContext != nil {
		return h.pool.DialContext(ctx)
	}
	if h.pool.Dial == nil {
		return nil, errors.New("pool has no dialer")
	}
	type result struct {
		c   redis.Conn
		err error
	}
	ch := make(chan result, 1)
	go func() {
		c, err := h.pool.Dial()
		ch <- result{c, err}
	}()
	select {
	case r := <-ch:
		return r.c, r.err
	case <-ctx.Done():
		go func() {
			if r := <-ch; r.c != nil {
				r.c.Close()
			}
		}()
		return nil, ctx.Err()
	}
}

// clientName is "events-hub:<namespace>" restricted to what CLIENT SETNAME accepts.
func (h *Hub) clientName() string {
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r > '~' {
			return '_'
		}
		return r
	}, "events-hub:"+h.ns)
}

// globEscape quotes the glob metacharacters of s for PSUBSCRIBE.
func globEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`, `]`, `\]`).Replace(s)
}
