package jobs

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gomodule/redigo/redis"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/events"
	"github.com/assayhq/assay/app/report"
	"github.com/assayhq/assay/app/webhook"
)

// webhookSink is the web app's receiver: it verifies every signature and records the
// messages; status, when set, chooses the answer to each request.
type webhookSink struct {
	srv    *httptest.Server
	mu     sync.Mutex
	got    []received
	bad    []string
	calls  int
	status func(call int) int
}

type received struct {
	ID   string
	Body webhook.TaskEvent
}

func newWebhookSink(t testing.TB) *webhookSink {
	s := &webhookSink{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		defer s.mu.Unlock()
		if r.URL.Path != webhook.TaskPath {
			s.bad = append(s.bad, "path "+r.URL.Path)
			w.WriteHeader(http.StatusNotFound)
			return
		}
		if err := webhook.VerifyHeaders(testSecret, r.Header, body, time.Now()); err != nil {
			s.bad = append(s.bad, err.Error())
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		code := http.StatusNoContent
		if s.status != nil {
			code = s.status(s.calls)
		}
		s.calls++
		if code < 300 {
			var b webhook.TaskEvent
			if err := json.Unmarshal(body, &b); err != nil {
				s.bad = append(s.bad, err.Error())
			}
			s.got = append(s.got, received{ID: r.Header.Get(webhook.HeaderID), Body: b})
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *webhookSink) received() ([]received, []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.got...), append([]string(nil), s.bad...)
}

func (s *webhookSink) setStatus(f func(call int) int) {
	s.mu.Lock()
	s.status = f
	s.calls = 0
	s.mu.Unlock()
}

// testCSV builds a CSV of n rows with nulls, a duplicate row every 10 rows and some
// values that break the rules below.
func testCSV(n int) []byte {
	var b bytes.Buffer
	b.WriteString("id,name,age,email,country\n")
	countries := []string{"DE", "FR", "IT", "", "ES"}
	for i := 1; i <= n; i++ {
		id := i
		if i%10 == 0 {
			id = i - 1 // same as the previous row: a duplicate
		}
		age := 15 + (id*7)%60
		email := fmt.Sprintf("user%d@example.com", id)
		if id%13 == 0 {
			email = "n/a"
		}
		fmt.Fprintf(&b, "%d,Person %d,%d,%s,%s\n", id, id, age, email, countries[id%len(countries)])
	}
	return b.Bytes()
}

// testRules exercise every kind of partial.
func testRules(t *testing.T) []report.Rule {
	rules, err := report.ParseRulesForm("age range 18 65\ncountry in DE,FR,IT\nemail not_null\nid unique")
	require.NoError(t, err)
	return rules
}

// eventLog collects the namespace's live events.
type eventLog struct {
	mu  sync.Mutex
	evs []events.Event
}

func (e *env) collectEvents(t *testing.T) *eventLog {
	l := &eventLog{}
	psc := redis.PubSubConn{Conn: e.rds.Pool.Get()}
	require.NoError(t, psc.PSubscribe(e.ns+":events:*"))
	ready := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			switch v := psc.Receive().(type) {
			case redis.Message:
				var ev events.Event
				if json.Unmarshal(v.Data, &ev) == nil {
					l.mu.Lock()
					l.evs = append(l.evs, ev)
					l.mu.Unlock()
				}
			case redis.Subscription:
				if v.Count == 0 {
					return
				}
				close(ready)
			case error:
				return
			}
		}
	}()
	<-ready
	t.Cleanup(func() {
		_ = psc.PUnsubscribe()
		select {
		case <-done:
		case <-time.After(2 * time.Second):
		}
		psc.Close()
	})
	return l
}

func (l *eventLog) all() []events.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]events.Event(nil), l.evs...)
}
