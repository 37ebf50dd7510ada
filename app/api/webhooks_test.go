package api_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/webhook"
)

type endpointJSON struct {
	ID             string     `json:"id"`
	URL            string     `json:"url"`
	Events         []string   `json:"events"`
	Enabled        bool       `json:"enabled"`
	DisabledReason string     `json:"disabled_reason"`
	FailingSince   *time.Time `json:"failing_since"`
	Secret         string     `json:"secret"`
}

type deliveryJSON struct {
	ID             string     `json:"id"`
	EventID        string     `json:"event_id"`
	EventType      string     `json:"event_type"`
	TaskID         *string    `json:"task_id"`
	Status         string     `json:"status"`
	Attempts       int        `json:"attempts"`
	LastStatusCode *int       `json:"last_status_code"`
	LastError      string     `json:"last_error"`
	NextAttemptAt  *time.Time `json:"next_attempt_at"`
}

func (e *hookEnv) createEndpoint(t *testing.T, key, url string) endpointJSON {
	t.Helper()
	res := e.do(t, http.MethodPost, "/v1/api/webhook-endpoints", key, "application/json",
		`{"url":"`+url+`","events":["task.completed","task.failed"],"description":"ours"}`)
	require.Equal(t, http.StatusCreated, res.StatusCode, "body: %s", res.body)
	var ep endpointJSON
	res.json(t, &ep)
	require.True(t, strings.HasPrefix(ep.Secret, "whsec_"))
	return ep
}

func (e *hookEnv) deliveries(t *testing.T, key, endpoint string) []deliveryJSON {
	t.Helper()
	res := e.do(t, http.MethodGet, "/v1/api/webhook-endpoints/"+endpoint+"/deliveries", key, "", nil)
	require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", res.body)
	var page struct{ Data []deliveryJSON }
	res.json(t, &page)
	return page.Data
}

func TestWebhookEndpointCRUD(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newHookEnv(t, url, true)
		_, key := e.org(t)
		ep := e.createEndpoint(t, key, "https://hooks.example.com/assay")
		require.Equal(t, []string{"task.completed", "task.failed"}, ep.Events)

		res := e.do(t, http.MethodGet, "/v1/api/webhook-endpoints/"+ep.ID, key, "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.NotContains(t, string(res.body), "whsec_", "the secret is shown only at creation")

		res = e.do(t, http.MethodPatch, "/v1/api/webhook-endpoints/"+ep.ID, key, "application/json",
			`{"events":["task.failed"],"enabled":false}`)
		require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", res.body)
		var got endpointJSON
		res.json(t, &got)
		require.Equal(t, []string{"task.failed"}, got.Events)
		require.False(t, got.Enabled)
		require.Equal(t, "disabled by a user", got.DisabledReason)

		res = e.do(t, http.MethodGet, "/v1/api/webhook-endpoints?limit=1", key, "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		require.Contains(t, string(res.body), ep.ID)

		// Another organization sees none of it.
		_, other := e.org(t)
		for _, p := range []string{"/v1/api/webhook-endpoints/" + ep.ID, "/v1/api/webhook-endpoints/" + ep.ID + "/deliveries"} {
			e.do(t, http.MethodGet, p, other, "", nil).problem(t, http.StatusNotFound)
		}
		e.do(t, http.MethodPost, "/v1/api/webhook-endpoints/"+ep.ID+"/rotate-secret", other, "", nil).problem(t, http.StatusNotFound)
		e.do(t, http.MethodDelete, "/v1/api/webhook-endpoints/"+ep.ID, other, "", nil).problem(t, http.StatusNotFound)

		require.Equal(t, http.StatusNoContent, e.do(t, http.MethodDelete, "/v1/api/webhook-endpoints/"+ep.ID, key, "", nil).StatusCode)
		e.do(t, http.MethodGet, "/v1/api/webhook-endpoints/"+ep.ID, key, "", nil).problem(t, http.StatusNotFound)
	})
}

func TestWebhookEndpointRefusesURLs(t *testing.T) {
	e := newHookEnv(t, sqliteURL(t), false)
	_, key := e.org(t)
	cases := map[string]string{
		"ftp://example.com/x":                      "http or https",
		"https://user:pw@example.com/x":            "user name or password",
		"http://127.0.0.1:8080/hook":               "private, loopback or reserved",
		"http://10.1.2.3/hook":                     "private, loopback or reserved",
		"http://169.254.169.254/latest/meta-data/": "private, loopback or reserved",
		"http://[::1]/hook":                        "private, loopback or reserved",
		"relative/path":                            "absolute",
	}
	for u, want := range cases {
		res := e.do(t, http.MethodPost, "/v1/api/webhook-endpoints", key, "application/json",
			`{"url":"`+u+`","events":["task.completed"]}`)
		require.Contains(t, res.problem(t, http.StatusUnprocessableEntity), want, u)
	}
	// An unknown event type is outside the document's enum: a deliberately malformed request.
	res := e.doMalformed(t, http.MethodPost, "/v1/api/webhook-endpoints", key, "application/json",
		`{"url":"https://example.com/x","events":["task.started"]}`)
	require.Contains(t, res.problem(t, http.StatusUnprocessableEntity), "task.completed")

	// A member of the web app may not manage endpoints; an owner may.
	org, _ := e.org(t)
	member, err := e.signer.Mint("user-m", org, "member", "free", auth.Limits{})
	require.NoError(t, err)
	e.do(t, http.MethodGet, "/v1/api/webhook-endpoints", member, "", nil).problem(t, http.StatusForbidden)
	require.Equal(t, http.StatusOK, e.do(t, http.MethodGet, "/v1/api/webhook-endpoints", e.token(t, org, "free", auth.Limits{}), "", nil).StatusCode)
}

// A completed run posts a signed task.completed event to the endpoint.
func TestWebhookDeliveredWhenTaskCompletes(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newHookEnv(t, url, true)
		org, key := e.org(t)
		e.startHookPool(t, true)
		rcv := newReceiver(t, http.StatusOK)
		ep := e.createEndpoint(t, key, rcv.srv.URL+"/hook")
		ds := e.upload(t, key, "people.csv", peopleCSV)
		tk := e.createTask(t, key, ds, ageRule)

		require.Eventually(t, func() bool { return len(rcv.received()) == 1 }, 20*time.Second, 10*time.Millisecond)
		got := rcv.received()[0]
		require.NoError(t, webhook.VerifyHeaders(ep.Secret, got.header, got.body, e.clock.Now()))
		require.Equal(t, "application/json", got.header.Get("Content-Type"))
		var body struct {
			Type string `json:"type"`
			Data struct {
				ID     string   `json:"id"`
				Status string   `json:"status"`
				Score  *float64 `json:"score"`
			} `json:"data"`
		}
		require.NoError(t, json.Unmarshal(got.body, &body))
		require.Equal(t, "task.completed", body.Type)
		require.Equal(t, tk.ID, body.Data.ID)
		require.NotNil(t, body.Data.Score)

		// The receiver answers before the worker records the attempt: wait for the record.
		var ds2 = e.deliveries(t, key, ep.ID)
		require.Eventually(t, func() bool {
			ds2 = e.deliveries(t, key, ep.ID)
			return len(ds2) == 1 && ds2[0].Status == "succeeded"
		}, 20*time.Second, 20*time.Millisecond, "the delivery is recorded as succeeded")
		require.Equal(t, 200, *ds2[0].LastStatusCode)
		require.Equal(t, got.header.Get(webhook.HeaderID), ds2[0].EventID)
		d := e.waitAttempts(t, org, ds2[0].ID, 1)
		require.Contains(t, d.ResponseExcerpt, "noted")

		// Redelivery is one more attempt with the same webhook-id.
		res := e.do(t, http.MethodPost, "/v1/api/webhook-deliveries/"+ds2[0].ID+"/redeliver", key, "", nil)
		require.Equal(t, http.StatusAccepted, res.StatusCode, "body: %s", res.body)
		require.Eventually(t, func() bool { return len(rcv.received()) == 2 }, 20*time.Second, 10*time.Millisecond)
		require.Equal(t, ds2[0].EventID, rcv.received()[1].header.Get(webhook.HeaderID))
		require.Eventually(t, func() bool {
			n, err := e.db.WebhookAttempt.Query().Count(tenantCtx(org))
			return err == nil && n == 2
		}, 20*time.Second, 10*time.Millisecond, "the redelivery is a second attempt")
		require.Equal(t, 2, e.delivery(t, org, ds2[0].ID).Attempts)

		// Another organization cannot redeliver it.
		_, other := e.org(t)
		e.do(t, http.MethodPost, "/v1/api/webhook-deliveries/"+ds2[0].ID+"/redeliver", other, "", nil).problem(t, http.StatusNotFound)
	})
}
