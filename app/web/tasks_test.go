package web

import (
	"bufio"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/gofiber/fiber/v3"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/events"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/tenant"
)

// seedTask creates the web view row and the API's task for o.
func (e *testEnv) seedTask(t *testing.T, o owner, status string) string {
	t.Helper()
	id := platform.NewID()
	ctx := tenant.With(context.Background(), o.OrgID)
	e.db.Task.Create().SetID(id).SetDatasetID("ds-1").SetDatasetName("people.csv").SetStatus(status).ExecX(ctx)
	at := apiTask{ID: id, DatasetID: "ds-1", Status: status, Stage: "transform", Progress: 0.4,
		Stages: []apiStage{{Name: "fetch", Status: "succeeded", Done: 1, Total: 1}, {Name: "normalize", Status: "running", Done: 2, Total: 5}}}
	if status == "completed" {
		at.Stage, at.Progress, at.Score = "notify", 1, ptr(91.3)
		e.api.setReport(id, sampleReport())
	}
	e.api.setTask(o.OrgID, at)
	return id
}

func TestTaskPage(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		o, other := env.owner(t), env.owner(t)
		c := env.login(t, o)
		running := env.seedTask(t, o, "processing")
		done := env.seedTask(t, o, "completed")
		foreign := env.seedTask(t, other, "completed")

		t.Run("running", func(t *testing.T) {
			res := c.get("/tasks/" + running)
			require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
			doc := res.doc(t)
			require.Equal(t, "processing", strings.TrimSpace(doc.Find("#task-status").Text()))
			for _, s := range stageNames {
				require.Equal(t, 1, doc.Find("#stage-"+s+" progress").Length(), s)
			}
			require.Equal(t, "2", doc.Find("#stage-normalize progress").AttrOr("value", ""))
			require.Equal(t, "5", doc.Find("#stage-normalize progress").AttrOr("max", ""))
			live := doc.Find("#task")
			require.Equal(t, "sse", live.AttrOr("hx-ext", ""))
			require.Equal(t, "/tasks/"+running+"/events", live.AttrOr("sse-connect", ""))
			require.Equal(t, "done", live.AttrOr("sse-close", ""))
			require.Equal(t, "progress", doc.Find("#task-stages").AttrOr("sse-swap", ""))
			require.Equal(t, "status", doc.Find("#task-status").AttrOr("sse-swap", ""))
			require.Equal(t, "/tasks/"+running+"/report", doc.Find("#report").AttrOr("hx-get", ""))
			require.Equal(t, "sse:completed", doc.Find("#report").AttrOr("hx-trigger", ""))
		})
		t.Run("completed", func(t *testing.T) {
			res := c.get("/tasks/" + done)
			require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
			doc := res.doc(t)
			require.Equal(t, "completed", strings.TrimSpace(doc.Find("#task-status").Text()))
			require.Zero(t, doc.Find("[sse-connect]").Length(), "a finished task needs no stream")
			requireReport(t, doc)
		})
		t.Run("other organization", func(t *testing.T) {
			for _, p := range []string{"", "/report", "/events"} {
				res := c.get("/tasks/" + foreign + p)
				require.Equal(t, http.StatusNotFound, res.StatusCode, p)
			}
			require.Equal(t, http.StatusNotFound, c.get("/tasks/nope").StatusCode)
		})
	})
}

func requireReport(t *testing.T, doc *goquery.Document) {
	t.Helper()
	require.Equal(t, "91.3", strings.TrimSpace(doc.Find("#report #score").Text()))
	formula := doc.Find("#score-formula").Text()
	require.Contains(t, formula, "0.35·completeness + 0.45·validity + 0.20·uniqueness")
	require.Contains(t, formula, "0.35·0.970 + 0.45·0.860 + 0.20·0.980")
	rows := doc.Find("#columns tbody tr")
	require.Equal(t, 2, rows.Length())
	age := rows.First().Find("th, td").Map(func(_ int, s *goquery.Selection) string { return strings.TrimSpace(s.Text()) })
	require.Equal(t, []string{"age", "integer", "20400", "2040", "73", "18", "90", "54.1", "21", "204"}, age)
	require.Contains(t, rows.Eq(1).Text(), "≈20000")
	rules := doc.Find("#rules-table tbody tr")
	require.Equal(t, 2, rules.Length())
	require.Contains(t, rules.First().Text(), "range 18 – 65")
	require.Contains(t, rules.First().Text(), "6100")
	require.Contains(t, rules.First().Text(), "3, 9, 14")
	require.Contains(t, doc.Find("#duplicates").Text(), "400 of 20400")
}

func TestReportFragmentOrPage(t *testing.T) {
	env := newSQLiteEnv(t)
	o := env.owner(t)
	c := env.login(t, o)
	id := env.seedTask(t, o, "completed")

	frag := c.get("/tasks/"+id+"/report", hxRequest, "true")
	require.Equal(t, http.StatusOK, frag.StatusCode)
	require.True(t, strings.HasPrefix(strings.TrimSpace(frag.Body), `<section id="report"`), frag.Body)
	requireReport(t, frag.doc(t))

	page := c.get("/tasks/" + id + "/report")
	require.Contains(t, page.Body, "<html")
	requireReport(t, page.doc(t))

	pending := env.seedTask(t, o, "processing")
	require.Equal(t, http.StatusNotFound, c.get("/tasks/"+pending+"/report").StatusCode)
}

type sseEvent struct{ name, data string }

func readSSE(t *testing.T, body string) []sseEvent {
	t.Helper()
	var out []sseEvent
	var cur sseEvent
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			if cur.name != "" {
				out = append(out, cur)
			}
			cur = sseEvent{}
		case strings.HasPrefix(line, "event: "):
			cur.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			if cur.data != "" {
				cur.data += "\n"
			}
			cur.data += strings.TrimPrefix(line, "data: ")
		}
	}
	return out
}

func summaryOf(t *testing.T, fragment string) string {
	t.Helper()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(fragment))
	require.NoError(t, err)
	return strings.TrimSpace(doc.Find("#task-summary").Text())
}

func names(evs []sseEvent) []string {
	out := make([]string, len(evs))
	for i, e := range evs {
		out[i] = e.name
	}
	return out
}

func TestTaskEvents(t *testing.T) {
	env := newSQLiteEnv(t)
	o := env.owner(t)
	c := env.login(t, o)
	require.Eventually(t, env.hub.Ready, 5*time.Second, 10*time.Millisecond)

	t.Run("relays until the final event", func(t *testing.T) {
		id := env.seedTask(t, o, "processing")
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			// Publish until the stream has subscribed and ended; the hub drops nothing here.
			for i := 0; ; i++ {
				e := events.Event{Type: "progress", OrgID: o.OrgID, TaskID: id, Status: "processing", Stage: "validate", Progress: 0.6,
					Stages: []events.Stage{{Name: "validate", Status: "running", Done: 3, Total: 4}}}
				if i >= 3 {
					e = events.Event{Type: "completed", OrgID: o.OrgID, TaskID: id, Status: "completed", Stage: "notify", Progress: 1, Score: ptr(91.3)}
				}
				env.pub.Publish(context.Background(), e)
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
				}
			}
		}()
		req := httptest.NewRequest(http.MethodGet, "/tasks/"+id+"/events", nil)
		res := c.do(req)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Equal(t, "text/event-stream; charset=utf-8", res.Header.Get("Content-Type"))
		evs := readSSE(t, res.Body)
		require.GreaterOrEqual(t, len(evs), 6, res.Body)
		// The current state comes first.
		require.Equal(t, []string{"progress", "status"}, names(evs[:2]))
		require.Contains(t, summaryOf(t, evs[0].data), "Current stage: transform")
		require.Equal(t, "processing", evs[1].data)
		last := evs[len(evs)-4:]
		require.Equal(t, []string{"progress", "status", "completed", "done"}, names(last))
		require.Contains(t, summaryOf(t, last[0].data), "Finished: completed. Score 91.3.")
		require.Equal(t, "completed", last[1].data)
		require.Contains(t, res.Body, `id="stage-validate"`)
	})
	t.Run("already finished", func(t *testing.T) {
		id := env.seedTask(t, o, "completed")
		res := c.do(httptest.NewRequest(http.MethodGet, "/tasks/"+id+"/events", nil))
		evs := readSSE(t, res.Body)
		require.Equal(t, []string{"progress", "status", "completed", "done"}, names(evs))
	})
	t.Run("signed out", func(t *testing.T) {
		id := env.seedTask(t, o, "processing")
		res := env.client(t).get("/tasks/" + id + "/events")
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
	})
}

func TestShutdownEndsStreams(t *testing.T) {
	env := newSQLiteEnv(t)
	o := env.owner(t)
	c := env.login(t, o)
	id := env.seedTask(t, o, "processing")
	go func() {
		time.Sleep(300 * time.Millisecond)
		env.app.ShutdownWithTimeout(5 * time.Second)
	}()
	req := httptest.NewRequest(http.MethodGet, "/tasks/"+id+"/events", nil)
	req.AddCookie(c.cookie)
	res, err := env.app.Test(req, fiber.TestConfig{Timeout: 5 * time.Second})
	require.NoError(t, err)
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	require.NoError(t, err)
	// The stream ends with a retry hint and no done event, so the browser reconnects to
	// another instance.
	require.Contains(t, string(body), "\n: server shutting down, reconnect\nretry: 2000\n\n")
	require.NotContains(t, string(body), "event: done")
}
