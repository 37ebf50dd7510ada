package jobs

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gocraft/work"
	"github.com/gomodule/redigo/redis"
)

// gocraft/work's idle workers sleep up to 5 s between polls; WorkerPool.Drain makes them
// fetch at once. Enqueuers publish on <ns>:wake and every pool drains on a message.

// wakeChannel is the pub/sub channel pools listen on.
func wakeChannel(ns string) string { return ns + ":wake" }

// publishWake signals every pool of the namespace.
func publishWake(pool *redis.Pool, ns string) error {
	c := pool.Get()
	defer c.Close()
	if _, err := c.Do("PUBLISH", wakeChannel(ns), "1"); err != nil {
		return fmt.Errorf("jobs: publish wake: %w", err)
	}
	return nil
}

// drainer calls WorkerPool.Drain in a goroutine, at most one at a time and never after
// stop (a Drain on a stopped pool blocks forever). A wake during a Drain is remembered
// and runs another Drain when the current one returns.
type drainer struct {
	wp      *work.WorkerPool
	mu      sync.Mutex
	running bool
	again   bool
	stopped bool
	idle    chan struct{} // closed while no Drain runs
	drains  atomic.Int64  // Drain calls made, for tests and diagnostics
}

func newDrainer(wp *work.WorkerPool) *drainer {
	d := &drainer{wp: wp, idle: make(chan struct{})}
	close(d.idle)
	return d
}

// wake starts a Drain, or asks the running one to go round again.
func (d *drainer) wake() {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		return
	}
	if d.running {
		d.again = true
		return
	}
	d.running = true
	d.idle = make(chan struct{})
	go d.loop(d.idle)
}

func (d *drainer) loop(idle chan struct{}) {
	for {
		d.drains.Add(1)
		d.wp.Drain()
		d.mu.Lock()
		if !d.again || d.stopped {
			d.running = false
			close(idle)
			d.mu.Unlock()
			return
		}
		d.again = false
		d.mu.Unlock()
	}
}

// stop refuses further wakes and waits up to grace for a running Drain. A Drain still
// running after that (a busy queue) may be left blocked once the pool stops.
func (d *drainer) stop(grace time.Duration) {
	d.mu.Lock()
	d.stopped = true
	idle := d.idle
	d.mu.Unlock()
	t := time.NewTimer(max(grace, 0))
	defer t.Stop()
	select {
	case <-idle:
	case <-t.C:
	}
}

// listener keeps one subscription to the wake channel, reconnecting with backoff.
type listener struct {
	pool    *redis.Pool
	channel string
	onWake  func()
	onError func(error)
	ready   chan struct{} // closed once first subscribed
	once    sync.Once
	subs    atomic.Int32 // subscriptions made so far (reconnects included)
}

// healthEvery is how often a quiet subscription is pinged, so a dead connection is noticed.
const healthEvery = 30 * time.Second

// run listens until stop is closed.
func (l *listener) run(stop <-chan struct{}) {
	const first = 100 * time.Millisecond
	delay := first
	for {
		before := l.subs.Load()
		err := l.listenOnce(stop)
		if l.subs.Load() != before {
			delay = first // it had been connected: start the backoff over
		}
		select {
		case <-stop:
			return
		default:
		}
		if err != nil {
			l.onError(err)
		}
		select {
		case <-stop:
			return
		case <-time.After(delay):
		}
		delay = min(2*delay, 5*time.Second)
	}
}

func (l *listener) listenOnce(stop <-chan struct{}) error {
	psc := redis.PubSubConn{Conn: l.pool.Get()}
	defer psc.Close()
	if err := psc.Subscribe(l.channel); err != nil {
		return fmt.Errorf("jobs: subscribe %s: %w", l.channel, err)
	}
	done := make(chan error, 1)
	go func() {
		for {
			switch v := psc.ReceiveWithTimeout(healthEvery + 10*time.Second).(type) {
			case redis.Message:
				l.onWake()
			case redis.Subscription:
				if v.Count == 0 {
					done <- nil
					return
				}
				l.subs.Add(1)
				l.once.Do(func() { close(l.ready) })
				l.onWake() // catch up on signals sent while not subscribed
			case error:
				done <- v
				return
			}
		}
	}()
	tick := time.NewTicker(healthEvery)
	defer tick.Stop()
	for {
		select {
		case err := <-done:
			if err == nil {
				err = errors.New("jobs: wake subscription ended")
			}
			return err
		case <-tick.C:
			if err := psc.Ping(""); err != nil {
				_ = psc.Unsubscribe()
				<-done
				return fmt.Errorf("jobs: ping wake subscription: %w", err)
			}
		case <-stop:
			if err := psc.Unsubscribe(); err != nil {
				return nil // the deferred Close ends the receiving goroutine
			}
			select {
			case <-done:
			case <-time.After(2 * time.Second):
			}
			return nil
		}
	}
}
