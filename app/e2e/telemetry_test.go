package e2e

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/assayhq/assay/app/apptest"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/store/storetest"
	"github.com/assayhq/assay/app/telemetry"
)

// lockedBuffer is a log sink many goroutines write to.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines decodes every JSON log line written so far.
func (b *lockedBuffer) lines(t *testing.T) []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b.buf.Bytes()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), "a log line is JSON: %s", sc.Text())
		out = append(out, m)
	}
	return out
}

// The stages a one-chunk upload runs, each in a span of its own.
var stageSpans = []string{"stage fetch", "stage transform", "stage normalize", "stage enrich",
	"stage validate", "stage aggregate", "stage save", "stage notify"}

// One upload through both real apps: the browser's traceparent is continued by the web
// request, its API calls, the API handlers and every pipeline stage — one trace across
// the three services; every log line of the request carries its request and trace ids;
// and the metrics endpoint shows the requests, the stages and the webhook.
func TestUploadIsTracedLoggedAndMeasured(t *testing.T) {
	for _, backend := range apptest.Backends() {
		t.Run(backend.Name, func(t *testing.T) {
			if backend.Name == "postgres+redis" && (os.Getenv("TEST_POSTGRES_URL") == "" || backend.RedisURL == "") {
				storetest.SkipOrFail(t, "postgres+redis: TEST_POSTGRES_URL and TEST_REDIS_URL are not both set")
			}
			testUploadTelemetry(t, backend)
		})
	}
}

func testUploadTelemetry(t *testing.T, backend apptest.Backend) {
	{
		exp := tracetest.NewInMemoryExporter()
		logs := &lockedBuffer{}
		env := apptest.New(t, backend,
			apptest.WithSpans(sdktrace.NewSimpleSpanProcessor(exp)),
			apptest.WithLogOutput(logs), apptest.HoldWorkers(),
			apptest.WithConfig(func(c *config.Config) { c.LogFormat, c.LogLevel = "json", "debug" }))

		b := newBrowser(t, env.WebURL)
		b.get("/signup")
		res, _ := b.post("/signup", url.Values{
			"email":    {fmt.Sprintf("trace-%d@example.com", time.Now().UnixNano())},
			"password": {apptest.Password}, "org": {"Trace Org"},
		})
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		b.get("/dashboard")

		const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
		res = uploadWithTrace(t, b, "00-"+traceID+"-00f067aa0ba902b7-01")
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		id := strings.TrimPrefix(res.Header.Get("Location"), "/tasks/")
		requestID := res.Header.Get("X-Request-ID")
		require.NotEmpty(t, requestID)

		// The task waits for the workers while the browser watches it live.
		stream, err := b.hc.Get(b.base + "/tasks/" + id + "/events")
		require.NoError(t, err)
		defer stream.Body.Close()
		require.Equal(t, http.StatusOK, stream.StatusCode)
		streamDone := make(chan struct{})
		go func() {
			defer close(streamDone)
			_, _ = io.Copy(io.Discard, stream.Body)
		}()
		require.Eventually(t, func() bool { return strings.Contains(scrape(t, env), `sse_connections{app="web"} 1`) },
			10*time.Second, 20*time.Millisecond, "the open stream is counted")
		env.Stack.Worker.Start()

		// The notify stage's span ends after the web app has taken its webhook.
		require.Eventually(t, func() bool { return hasSpan(exp.GetSpans(), traceID, "stage notify") },
			60*time.Second, 50*time.Millisecond, "every stage ran")

		spans := exp.GetSpans()
		services := map[string]bool{}
		for _, s := range spans {
			if s.SpanContext.TraceID().String() == traceID {
				services[service(s)] = true
			}
		}
		require.Equal(t, map[string]bool{telemetry.ServiceWeb: true, telemetry.ServiceAPI: true,
			telemetry.ServiceWorker: true}, services, "spans of all three services share the trace")
		require.True(t, hasSpan(spans, traceID, "POST /datasets"), "the web request")
		require.True(t, hasSpan(spans, traceID, "POST /v1/api/datasets"), "the API call it made")
		require.True(t, hasSpan(spans, traceID, "POST /v1/api/tasks"), "the API call it made")
		for _, name := range stageSpans {
			s, ok := findSpan(spans, traceID, name)
			require.True(t, ok, "span %q in the trace", name)
			require.Equal(t, telemetry.ServiceWorker, service(s))
			attrs := map[string]string{}
			for _, a := range s.Attributes {
				attrs[string(a.Key)] = a.Value.Emit()
			}
			require.Equal(t, id, attrs["assay.task_id"], name)
			require.Equal(t, strings.TrimPrefix(name, "stage "), attrs["assay.step.kind"], name)
		}

		var requestLines, stepLines int
		for _, l := range logs.lines(t) {
			if l["request_id"] != nil {
				require.NotEmpty(t, l["trace_id"], "a request's line has its trace id: %v", l)
				require.NotEmpty(t, l["span_id"], "a request's line has its span id: %v", l)
			}
			if l["request_id"] == requestID {
				requestLines++
				require.Equal(t, traceID, l["trace_id"], "%v", l)
			}
			if l["msg"] == "jobs: step ran" && l["task_id"] == id {
				stepLines++
				require.Equal(t, traceID, l["trace_id"], "%v", l)
				require.NotEmpty(t, l["step_id"], "%v", l)
			}
		}
		require.Positive(t, requestLines, "the upload request logged")
		require.Equal(t, len(stageSpans), stepLines, "each stage logged its run")

		select {
		case <-streamDone:
		case <-time.After(30 * time.Second):
			t.Fatal("the event stream ends with the task")
		}
		require.Eventually(t, func() bool { return strings.Contains(scrape(t, env), `sse_connections{app="web"} 0`) },
			10*time.Second, 20*time.Millisecond, "the closed stream is no longer counted")
		scrape := scrape(t, env)
		for _, want := range []string{
			`http_request_duration_seconds_count{app="web",method="POST",route="/datasets",status="303"} 1`,
			`http_request_duration_seconds_count{app="api",method="POST",route="/v1/api/tasks",status="202"} 1`,
			`pipeline_stage_duration_seconds_count{outcome="succeeded",stage="fetch"} 1`,
			`pipeline_stage_duration_seconds_count{outcome="succeeded",stage="notify"} 1`,
			`queue_depth{queue="pipeline.fetch"} 0`,
			`queue_latency_seconds_count{queue="pipeline.fetch"} 1`,
			`webhook_deliveries_total{outcome="delivered"} 1`,
			`sse_connections{app="web"} 0`,
		} {
			require.True(t, strings.Contains(scrape, want), "the scrape has %s", want)
		}
		require.False(t, strings.Contains(scrape, "pipeline_stage_failures_total{"), "no stage failed")
	}
}

// scrape reads the process's metrics through their HTTP handler.
func scrape(t *testing.T, env *apptest.Env) string {
	rec := httptest.NewRecorder()
	env.Stack.Base.Metrics.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	require.Equal(t, http.StatusOK, rec.Code)
	return rec.Body.String()
}

func uploadWithTrace(t *testing.T, b *browser, traceparent string) *http.Response {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	require.NoError(t, mw.WriteField("csrf_token", b.csrf))
	require.NoError(t, mw.WriteField("name", "people.csv"))
	require.NoError(t, mw.WriteField("rules", "id unique"))
	fw, err := mw.CreateFormFile("file", "people.csv")
	require.NoError(t, err)
	_, err = fw.Write(readExample(t))
	require.NoError(t, err)
	require.NoError(t, mw.Close())
	req, err := http.NewRequest(http.MethodPost, b.base+"/datasets", &body)
	require.NoError(t, err)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("traceparent", traceparent)
	res, _ := b.read(b.hc.Do(req))
	return res
}

func service(s tracetest.SpanStub) string {
	v, _ := s.Resource.Set().Value("service.name")
	return v.AsString()
}

func findSpan(spans tracetest.SpanStubs, traceID, name string) (tracetest.SpanStub, bool) {
	for _, s := range spans {
		if s.SpanContext.TraceID().String() == traceID && s.Name == name {
			return s, true
		}
	}
	return tracetest.SpanStub{}, false
}

func hasSpan(spans tracetest.SpanStubs, traceID, name string) bool {
	_, ok := findSpan(spans, traceID, name)
	return ok
}
