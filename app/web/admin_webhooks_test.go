package web

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/auth"
)

// fakeDeliveryAPI answers the API's cross-tenant delivery list for service tokens, and
// fails when asked to.
type fakeDeliveryAPI struct {
	mu    sync.Mutex
	calls []string
	down  bool
}

func (f *fakeDeliveryAPI) start(t *testing.T, signer *auth.Signer) *httptest.Server {
	v := auth.NewVerifier(signer.Keys())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, _ := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		c, err := v.Verify(r.Context(), tok)
		if err != nil || r.URL.Path != "/v1/internal/service/admin/webhook-deliveries" {
			problem(w, &apiProblem{Status: 404, Title: "Not Found", Detail: "no such path"})
			return
		}
		if _, ok := c.IsService(); !ok {
			problem(w, &apiProblem{Status: 403, Title: "Forbidden", Detail: "service tokens only"})
			return
		}
		f.mu.Lock()
		f.calls = append(f.calls, r.URL.RequestURI())
		down := f.down
		f.mu.Unlock()
		if down {
			problem(w, &apiProblem{Status: 503, Title: "Service Unavailable", Detail: "down"})
			return
		}
		writeJSON(w, 200, map[string]any{"next_cursor": "d1", "data": []map[string]any{
			{"id": "d2", "org_id": "o2", "endpoint_id": "e2", "endpoint_url": "https://b.example.com/hook", "event_id": "m2",
				"event_type": "task.failed", "task_id": nil, "status": "exhausted", "attempts": 8, "last_status_code": 500,
				"last_error": "server error", "next_attempt_at": nil, "last_attempt_at": "2026-01-02T00:00:00Z", "created_at": "2026-01-01T00:00:00Z"},
			{"id": "d1", "org_id": "o1", "endpoint_id": "e1", "endpoint_url": "https://a.example.com/hook", "event_id": "m1",
				"event_type": "task.completed", "task_id": "t1", "status": "succeeded", "attempts": 1, "last_status_code": 200,
				"last_error": "", "next_attempt_at": nil, "last_attempt_at": "2026-01-01T00:00:01Z", "created_at": "2026-01-01T00:00:00Z"},
		}})
	}))
	t.Cleanup(srv.Close)
	return srv
}

// The webhooks page lists, next to the received webhooks, the deliveries sent to
// organizations' endpoints, read from the API with the service token and its filters;
// when the API does not answer, the received list still shows with a note.
func TestAdminSentWebhooks(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		fake := &fakeDeliveryAPI{}
		srv := fake.start(t, env.signer)
		env.srv.admin.api = newAPIClient(srv.URL, srv.Client(), env.signer, env.cfg.MaxUploadBytes)
		env.db.ReceivedWebhook.Create().SetID("evt_1").SetSource("stripe").SetEvent("invoice.paid").
			SetReceivedAt(time.Now()).ExecX(context.Background())
		sc := env.login(t, env.staff(t))

		doc := sc.get("/admin/webhooks?sent_status=exhausted&sent_org=o2").doc(t)
		require.Equal(t, 1, doc.Find("#admin-webhooks-table .webhook-row").Length(), "received")
		require.Equal(t, 2, doc.Find("#admin-sent-table .sent-row").Length())
		row := doc.Find("#sent-d2")
		require.Contains(t, row.Text(), "https://b.example.com/hook")
		require.Contains(t, row.Text(), "task.failed")
		require.Equal(t, "exhausted", row.Find(".status").Text())
		require.Contains(t, row.Text(), "500 server error")
		require.Equal(t, "/admin/orgs/o2", row.Find("a").AttrOr("href", ""))
		require.Equal(t, "exhausted", doc.Find("#sent_status option[selected]").AttrOr("value", ""))
		require.Equal(t, "o2", doc.Find("#sent_org").AttrOr("value", ""))
		require.Equal(t, "/admin/webhooks?sent_status=exhausted&sent_org=o2&sent_cursor=d1", doc.Find("#sent-next").AttrOr("href", ""))
		require.Contains(t, fake.calls, "/v1/internal/service/admin/webhook-deliveries?limit=50&org=o2&status=exhausted")

		sc.get("/admin/webhooks?sent_cursor=d1")
		require.Contains(t, fake.calls, "/v1/internal/service/admin/webhook-deliveries?cursor=d1&limit=50")

		fake.mu.Lock()
		fake.down = true
		fake.mu.Unlock()
		res := sc.get("/admin/webhooks")
		require.Equal(t, http.StatusOK, res.StatusCode)
		doc = res.doc(t)
		require.Equal(t, 1, doc.Find("#admin-webhooks-table .webhook-row").Length())
		require.Equal(t, "The API did not answer.", doc.Find("#admin-sent-error").Text())
		require.Zero(t, doc.Find(".sent-row").Length())
	})
}
