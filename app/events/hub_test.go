package events

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/platform"
)

func recv(t *testing.T, ch <-chan Event) Event {
	t.Helper()
	select {
	case e := <-ch:
		return e
	case <-time.After(5 * time.Second):
		t.Fatal("no event")
		return Event{}
	}
}

// quiet asserts that no event arrives on ch for a short while.
func quiet(t *testing.T, ch <-chan Event) {
	t.Helper()
	select {
	case e := <-ch:
		t.Fatalf("unexpected event %+v", e)
	case <-time.After(100 * time.Millisecond):
	}
}

// publishUntil publishes e repeatedly until ch yields an event, for a server that may just
// have come back (pooled connections die with it).
func publishUntil(t *testing.T, p *Publisher, e Event, ch <-chan Event) Event {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if err := p.Publish(context.Background(), e); err != nil {
			t.Logf("publish: %v", err)
		}
		select {
		case got := <-ch:
			return got
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatal("event never delivered")
	return Event{}
}

func TestHubRouting(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		t.Parallel()
		h := startHub(t, b.pool, b.ns)
		p := NewPublisher(b.pool, b.ns)
		subs := map[string]struct{ org, task string }{
			"org1/task1": {"org1", "task1"},
			"org1/*":     {"org1", ""},
			"org1/task2": {"org1", "task2"},
			"org2/task1": {"org2", "task1"},
			"org2/*":     {"org2", ""},
		}
		chans := map[string]<-chan Event{}
		for name, s := range subs {
			ch, cancel := h.Subscribe(s.org, s.task)
			t.Cleanup(cancel)
			chans[name] = ch
		}
		none, cancelNone := h.Subscribe("", "")
		t.Cleanup(cancelNone)

		tests := []struct {
			org, task string
			want      []string
		}{
			{"org1", "task1", []string{"org1/task1", "org1/*"}},
			{"org1", "task2", []string{"org1/task2", "org1/*"}},
			{"org2", "task1", []string{"org2/task1", "org2/*"}},
			{"org3", "task1", nil},
		}
		for _, tt := range tests {
			score := 97.5
			sent := Event{Type: TypeCompleted, OrgID: tt.org, TaskID: tt.task, Status: "completed", Stage: "notify",
				Progress: 1, Stages: []Stage{{Name: "fetch", Status: "succeeded", Done: 1, Total: 1}}, Score: &score}
			require.NoError(t, p.Publish(context.Background(), sent))
			for _, name := range tt.want {
				got := recv(t, chans[name])
				require.Equal(t, sent.TaskID, got.TaskID, name)
				require.Equal(t, sent.Stages, got.Stages)
				require.Equal(t, score, *got.Score)
				require.False(t, got.At.IsZero(), "publisher stamps the time")
			}
			for name, ch := range chans {
				if !contains(tt.want, name) {
					quiet(t, ch)
				}
			}
		}
		quiet(t, none)
	})
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func TestHubDropsForeignAndMalformedMessages(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		t.Parallel()
		h := startHub(t, b.pool, b.ns)
		ch, cancel := h.Subscribe("org1", "")
		defer cancel()
		c := b.pool.Get()
		defer c.Close()
		forged, _ := json.Marshal(Event{OrgID: "org2", TaskID: "t"})
		for _, msg := range []struct{ channel, body string }{
			{Channel(b.ns, "org1"), string(forged)}, // body names another org than its channel
			{Channel(b.ns, "org1"), "{not json"},
			{Channel(b.ns+"x", "org1"), `{"org_id":"org1","task_id":"t"}`}, // other namespace
		} {
			_, err := c.Do("PUBLISH", msg.channel, msg.body)
			require.NoError(t, err)
		}
		quiet(t, ch)
	})
}

func TestHubCancel(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		t.Parallel()
		h := startHub(t, b.pool, b.ns)
		p := NewPublisher(b.pool, b.ns)
		ch, cancel := h.Subscribe("org1", "task1")
		other, cancelOther := h.Subscribe("org1", "task1")
		defer cancelOther()
		cancel()
		cancel() // idempotent
		_, open := <-ch
		require.False(t, open, "cancel closes the channel")
		require.NoError(t, p.Publish(context.Background(), Event{OrgID: "org1", TaskID: "task1"}))
		recv(t, other)
		cancelOther()
		h.mu.RLock()
		defer h.mu.RUnlock()
		require.Empty(t, h.subs)
	})
}

func TestHubSlowSubscriberDoesNotBlockOthers(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		t.Parallel()
		h := startHub(t, b.pool, b.ns)
		p := NewPublisher(b.pool, b.ns)
		slow, cancelSlow := h.Subscribe("org1", "")
		defer cancelSlow()
		fast, cancelFast := h.Subscribe("org1", "task1")
		defer cancelFast()
		// The fast one reads after every half buffer, so it never overflows; the slow one
		// never reads at all.
		const batch, n = subscriberBuffer / 2, 3 * subscriberBuffer
		for i := 0; i < n; i += batch {
			for j := i; j < i+batch; j++ {
				require.NoError(t, p.Publish(context.Background(), Event{OrgID: "org1", TaskID: "task1", Stage: fmt.Sprint(j)}))
			}
			for j := i; j < i+batch; j++ {
				require.Equal(t, fmt.Sprint(j), recv(t, fast).Stage, "in order, none lost")
			}
		}
		require.Len(t, slow, subscriberBuffer, "the slow one kept what fitted")
		require.Equal(t, int64(n-subscriberBuffer), h.dropped.Load())
	})
}

func TestHubReconnectsAfterServerDrop(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		t.Parallel()
		h := startHub(t, b.pool, b.ns)
		p := NewPublisher(b.pool, b.ns)
		ch, cancel := h.Subscribe("org1", "task1")
		defer cancel()
		require.Equal(t, "before", publishUntil(t, p, Event{OrgID: "org1", TaskID: "task1", Stage: "before"}, ch).Stage)

		b.drop(t, h)
		require.Eventually(t, func() bool { return h.subscribed.Load() >= 2 && h.Ready() }, 10*time.Second, 5*time.Millisecond)
		require.Equal(t, "after", publishUntil(t, p, Event{OrgID: "org1", TaskID: "task1", Stage: "after"}, ch).Stage)
	})
}

func TestHubNoticesSilentlyDeadConnection(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		t.Parallel()
		px := newProxy(t, hostOf(t, b.url))
		pool := platform.NewRedisPool(px.via(t, b.url))
		t.Cleanup(func() { pool.Close() })
		h := startHub(t, pool, b.ns)
		ch, cancel := h.Subscribe("org1", "")
		defer cancel()

		px.blackhole() // no FIN, no RST: only the missing pongs tell
		require.Eventually(t, func() bool { return h.subscribed.Load() >= 2 && h.Ready() }, 10*time.Second, 5*time.Millisecond)
		p := NewPublisher(b.pool, b.ns) // straight to the server
		require.Equal(t, "t", publishUntil(t, p, Event{OrgID: "org1", TaskID: "t"}, ch).TaskID)
	})
}

func TestHubRunStopsWithContext(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		t.Parallel()
		tests := []struct {
			name  string
			pool  *redis.Pool
			ready bool
		}{
			{"while subscribed", b.pool, true},
			{"while reconnecting", platform.NewRedisPool("redis://127.0.0.1:1"), false},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				h := NewHub(tt.pool, b.ns, nil)
				ctx, cancel := context.WithCancel(context.Background())
				done := make(chan error, 1)
				go func() { done <- h.Run(ctx) }()
				time.Sleep(200 * time.Millisecond)
				require.Equal(t, tt.ready, h.Ready())
				require.ErrorContains(t, h.Run(ctx), "already running")
				cancel()
				select {
				case err := <-done:
					require.NoError(t, err)
				case <-time.After(2 * time.Second):
					t.Fatal("Run did not return")
				}
				require.False(t, h.Ready())
			})
		}
	})
}

func TestPublisher(t *testing.T) {
	eachBackend(t, func(t *testing.T, b backend) {
		t.Parallel()
		p := NewPublisher(b.pool, b.ns)
		require.Error(t, p.Publish(context.Background(), Event{TaskID: "t"}))
		require.Error(t, p.Publish(context.Background(), Event{OrgID: "o"}))

		c, err := b.pool.Dial()
		require.NoError(t, err)
		defer c.Close()
		psc := redis.PubSubConn{Conn: c}
		require.NoError(t, psc.Subscribe(b.ns+":events:org1"))
		require.IsType(t, redis.Subscription{}, psc.ReceiveWithTimeout(5*time.Second))

		at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
		require.NoError(t, p.Publish(context.Background(), Event{Type: TypeProgress, OrgID: "org1", TaskID: "t1", Progress: 0.5, At: at}))
		msg, ok := psc.ReceiveWithTimeout(5 * time.Second).(redis.Message)
		require.True(t, ok)
		var got map[string]any
		require.NoError(t, json.Unmarshal(msg.Data, &got))
		require.Equal(t, map[string]any{"type": "progress", "org_id": "org1", "task_id": "t1", "status": "", "stage": "",
			"progress": 0.5, "stages": []any{}, "at": "2026-01-02T03:04:05Z"}, got)

		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		require.Error(t, p.Publish(ctx, Event{OrgID: "org1", TaskID: "t1"}))
	})
}

func TestEventFinal(t *testing.T) {
	for typ, final := range map[string]bool{TypeProgress: false, TypeCompleted: true, TypeFailed: true, TypeCancelled: true} {
		require.Equal(t, final, Event{Type: typ}.Final(), typ)
	}
}

func TestGlobEscape(t *testing.T) {
	require.Equal(t, `a\*b\?c\[d\]e\\f`, globEscape(`a*b?c[d]e\f`))
	require.Equal(t, "events-hub:a_b_c", NewHub(nil, "a b\nc", nil).clientName())
}
