package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/webhook"
	"github.com/assayhq/assay/ent/api/webhookdelivery"
)

// schedule is the documented wait before each retry.
var schedule = []time.Duration{
	5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour,
	10 * time.Hour, 14 * time.Hour, 20 * time.Hour, 24 * time.Hour,
}

// ping sends the endpoint a test event and returns its delivery.
func (e *hookEnv) ping(t *testing.T, key, endpoint string) deliveryJSON {
	t.Helper()
	res := e.do(t, http.MethodPost, "/v1/api/webhook-endpoints/"+endpoint+"/test", key, "", nil)
	require.Equal(t, http.StatusAccepted, res.StatusCode, "body: %s", res.body)
	var d deliveryJSON
	res.json(t, &d)
	return d
}

// A failing endpoint is retried on the schedule (with at most 10% jitter) until the
// schedule runs out; after five days without a success it is disabled.
func TestWebhookRetriesThenDisables(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newHookEnv(t, url, true)
		org, key := e.org(t)
		e.startHookPool(t, true)
		rcv := newReceiver(t, http.StatusInternalServerError)
		ep := e.createEndpoint(t, key, rcv.srv.URL)
		start := e.clock.Now()
		first := e.ping(t, key, ep.ID)
		d := e.waitAttempts(t, org, first.ID, 1)
		for i, wait := range schedule {
			require.Equal(t, webhookdelivery.StatusFailed, d.Status, "after attempt %d", i+1)
			require.Equal(t, 500, d.LastStatusCode)
			got := d.NextAttemptAt.Sub(e.clock.Now())
			require.InDelta(t, float64(wait), float64(got), float64(wait)/10+float64(time.Millisecond),
				"retry %d waits %s, want %s ±10%%", i+1, got, wait)
			e.clock.Set(*d.NextAttemptAt)
			e.jobs.RingDelivery(d.ID)
			d = e.waitAttempts(t, org, first.ID, i+2)
		}
		require.Equal(t, webhookdelivery.StatusExhausted, d.Status)
		require.Nil(t, d.NextAttemptAt)
		require.Len(t, rcv.received(), 10)
		// The schedule spans about three days: its sum less the most jitter can take off.
		var total time.Duration
		for _, wait := range schedule {
			total += wait
		}
		require.Greater(t, total, 3*24*time.Hour)
		require.GreaterOrEqual(t, e.clock.Now().Sub(start), total-total/10)

		// Still enabled: failing for three days only. Two more days of failure disable it.
		var got endpointJSON
		e.do(t, http.MethodGet, "/v1/api/webhook-endpoints/"+ep.ID, key, "", nil).json(t, &got)
		require.True(t, got.Enabled)
		require.NotNil(t, got.FailingSince)
		e.clock.Set(start.Add(5*24*time.Hour + time.Minute))
		second := e.ping(t, key, ep.ID)
		e.waitAttempts(t, org, second.ID, 1)
		e.do(t, http.MethodGet, "/v1/api/webhook-endpoints/"+ep.ID, key, "", nil).json(t, &got)
		require.False(t, got.Enabled)
		require.Contains(t, got.DisabledReason, "5 days")
		require.Equal(t, "exhausted", e.delivery(t, org, second.ID).Status.String())
		// The web app is told, through the outbox, so it can email the owners.
		msgs, err := e.db.Outbox.Query().All(tenantCtx(org))
		require.NoError(t, err)
		require.Len(t, msgs, 1)
		require.Contains(t, string(msgs[0].Payload), webhook.EventEndpointDisabled)
		require.Contains(t, string(msgs[0].Payload), ep.ID)

		// Re-enabling restarts the failure clock.
		res := e.do(t, http.MethodPatch, "/v1/api/webhook-endpoints/"+ep.ID, key, "application/json", `{"enabled":true}`)
		res.json(t, &got)
		require.True(t, got.Enabled)
		require.Nil(t, got.FailingSince)
	})
}

// 410 Gone disables the endpoint at once.
func TestWebhookGoneDisables(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newHookEnv(t, url, true)
		org, key := e.org(t)
		e.startHookPool(t, true)
		rcv := newReceiver(t, http.StatusGone)
		ep := e.createEndpoint(t, key, rcv.srv.URL)
		d := e.ping(t, key, ep.ID)
		row := e.waitAttempts(t, org, d.ID, 1)
		require.Equal(t, webhookdelivery.StatusExhausted, row.Status)
		var got endpointJSON
		e.do(t, http.MethodGet, "/v1/api/webhook-endpoints/"+ep.ID, key, "", nil).json(t, &got)
		require.False(t, got.Enabled)
		require.Contains(t, got.DisabledReason, "410")
		e.do(t, http.MethodPost, "/v1/api/webhook-endpoints/"+ep.ID+"/test", key, "", nil).problem(t, http.StatusConflict)
	})
}

// After a rotation deliveries carry both signatures for 24 hours, then the new one only.
func TestWebhookRotationSignsWithBoth(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newHookEnv(t, url, true)
		org, key := e.org(t)
		e.startHookPool(t, true)
		rcv := newReceiver(t, http.StatusNoContent)
		ep := e.createEndpoint(t, key, rcv.srv.URL)
		res := e.do(t, http.MethodPost, "/v1/api/webhook-endpoints/"+ep.ID+"/rotate-secret", key, "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", res.body)
		var rotated endpointJSON
		res.json(t, &rotated)
		require.NotEqual(t, ep.Secret, rotated.Secret)

		d := e.ping(t, key, ep.ID)
		e.waitAttempts(t, org, d.ID, 1)
		got := rcv.received()[0]
		require.Len(t, strings.Split(got.header.Get(webhook.HeaderSignature), " "), 2)
		require.NoError(t, webhook.VerifyHeaders(ep.Secret, got.header, got.body, e.clock.Now()))
		require.NoError(t, webhook.VerifyHeaders(rotated.Secret, got.header, got.body, e.clock.Now()))

		e.clock.Set(time.Now().UTC().Add(25 * time.Hour))
		d = e.ping(t, key, ep.ID)
		e.waitAttempts(t, org, d.ID, 1)
		got = rcv.received()[1]
		require.Len(t, strings.Split(got.header.Get(webhook.HeaderSignature), " "), 1)
		require.ErrorIs(t, webhook.VerifyHeaders(ep.Secret, got.header, got.body, e.clock.Now()), webhook.ErrBadSignature)
		require.NoError(t, webhook.VerifyHeaders(rotated.Secret, got.header, got.body, e.clock.Now()))
	})
}

// A host name that was public at registration but resolves to loopback when delivering
// is refused at the connection.
func TestWebhookRefusesPrivateAddressAtDelivery(t *testing.T) {
	e := newHookEnv(t, sqliteURL(t), false)
	org, key := e.org(t)
	e.startHookPool(t, false)
	rcv := newReceiver(t, http.StatusOK)
	port := rcv.srv.URL[strings.LastIndex(rcv.srv.URL, ":"):]
	ep := e.createEndpoint(t, key, "http://localhost"+port+"/hook")
	d := e.ping(t, key, ep.ID)
	row := e.waitAttempts(t, org, d.ID, 1)
	require.Equal(t, webhookdelivery.StatusFailed, row.Status)
	require.Contains(t, row.LastError, "private or reserved address")
	require.Empty(t, rcv.received())
}
