package api_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/ent/api/webhookdelivery"
	"github.com/assayhq/assay/ent/api/webhookendpoint"
)

// idempotentPOSTs are the POST routes whose Idempotency-Key behaviour a test covers:
// TestIdempotencyReplays the datasets and tasks, TestIdempotencyWebhookPOSTs the rest.
var idempotentPOSTs = []string{
	"/v1/api/datasets",
	"/v1/api/tasks",
	"/v1/api/tasks/:id/cancel",
	"/v1/api/webhook-endpoints",
	"/v1/api/webhook-endpoints/:id/rotate-secret",
	"/v1/api/webhook-endpoints/:id/test",
	"/v1/api/webhook-deliveries/:id/redeliver",
}

// TestEveryPOSTIsCoveredForIdempotency fails when a POST route is added to the public
// API without an idempotency test listed above.
func TestEveryPOSTIsCoveredForIdempotency(t *testing.T) {
	e := newEnv(t, sqliteURL(t))
	var missing []string
	for _, r := range e.app.GetRoutes(true) {
		if r.Method == http.MethodPost && strings.HasPrefix(r.Path, "/v1/api/") && !slices.Contains(idempotentPOSTs, r.Path) {
			missing = append(missing, r.Path)
		}
	}
	require.Empty(t, missing, "POST routes with no idempotency test")
}

func TestIdempotencyWebhookPOSTs(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newHookEnv(t, url, true)
		org, key := e.org(t)
		ctx := tenant.With(context.Background(), org)
		post := func(path, body, idem string) response {
			var b any
			ctype := ""
			if body != "" {
				b, ctype = body, "application/json"
			}
			return e.do(t, http.MethodPost, path, key, ctype, b, keyHeader, idem)
		}
		replayed := func(t *testing.T, first, again response, status int) {
			t.Helper()
			require.Equal(t, status, first.StatusCode, "body: %s", first.body)
			require.Empty(t, first.Header.Get("Idempotent-Replayed"))
			require.Equal(t, status, again.StatusCode, "body: %s", again.body)
			require.Equal(t, "true", again.Header.Get("Idempotent-Replayed"))
			require.JSONEq(t, string(first.body), string(again.body))
		}

		const create = `{"url":"https://hooks.example.com/a","events":["task.completed"]}`
		first := post("/v1/api/webhook-endpoints", create, "ep")
		again := post("/v1/api/webhook-endpoints", create, "ep")
		replayed(t, first, again, http.StatusCreated)
		var ep endpointJSON
		first.json(t, &ep)
		n, err := e.db.WebhookEndpoint.Query().Where(webhookendpoint.DeletedAtIsNil()).Count(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, n, "one endpoint for two sends of one key")
		post("/v1/api/webhook-endpoints", `{"url":"https://hooks.example.com/b","events":["task.completed"]}`, "ep").
			problem(t, http.StatusUnprocessableEntity)

		// The stored answer holds the signing secret: it is sealed at rest.
		rows, err := e.db.IdempotencyKey.Query().All(ctx)
		require.NoError(t, err)
		require.NotEmpty(t, rows)
		for _, r := range rows {
			require.NotContains(t, string(r.ResponseBody), "whsec_", "a stored response shows a secret")
			require.NotContains(t, string(r.ResponseBody), ep.ID, "a stored response is readable")
		}

		rotate := "/v1/api/webhook-endpoints/" + ep.ID + "/rotate-secret"
		first, again = post(rotate, "", "rot"), post(rotate, "", "rot")
		replayed(t, first, again, http.StatusOK)
		var rotated endpointJSON
		first.json(t, &rotated)
		require.NotEqual(t, ep.Secret, rotated.Secret)
		stored, err := e.db.WebhookEndpoint.Get(ctx, ep.ID)
		require.NoError(t, err)
		current, err := e.sealer.Open(stored.SecretSealed, ep.ID)
		require.NoError(t, err)
		require.Equal(t, rotated.Secret, current, "the replay rotated nothing more")

		ping := "/v1/api/webhook-endpoints/" + ep.ID + "/test"
		first, again = post(ping, "", "ping"), post(ping, "", "ping")
		replayed(t, first, again, http.StatusAccepted)
		var d deliveryJSON
		first.json(t, &d)
		pings, err := e.db.WebhookDelivery.Query().Where(webhookdelivery.EndpointID(ep.ID)).Count(ctx)
		require.NoError(t, err)
		require.Equal(t, 1, pings, "one ping for two sends of one key")

		redeliver := "/v1/api/webhook-deliveries/" + d.ID + "/redeliver"
		first, again = post(redeliver, "", "again"), post(redeliver, "", "again")
		replayed(t, first, again, http.StatusAccepted)
		post("/v1/api/webhook-deliveries/"+d.ID+"/redeliver", "", "ping").problem(t, http.StatusUnprocessableEntity)
	})
}
