package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/ent/api/webhookdelivery"
)

type adminDelivery struct {
	ID          string  `json:"id"`
	OrgID       string  `json:"org_id"`
	EndpointURL string  `json:"endpoint_url"`
	EventType   string  `json:"event_type"`
	Status      string  `json:"status"`
	TaskID      *string `json:"task_id"`
}

type adminDeliveryList struct {
	Data       []adminDelivery `json:"data"`
	NextCursor *string         `json:"next_cursor"`
}

// The backoffice lists customer-webhook deliveries across organizations, filtered by
// status and organization, a page at a time; only service tokens may.
func TestAdminWebhookDeliveries(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		svc, err := e.signer.MintService("web")
		require.NoError(t, err)
		orgA, keyA := e.org(t)
		orgB, _ := e.org(t)
		want := map[string]adminDelivery{}
		add := func(org, hookURL string, status webhookdelivery.Status) {
			ctx := tenant.With(context.Background(), org)
			ep := e.db.WebhookEndpoint.Create().SetOrgID(org).SetURL(hookURL).SetSecretSealed("sealed").
				SetEventTypes([]string{"task.completed"}).SaveX(ctx)
			d := e.db.WebhookDelivery.Create().SetOrgID(org).SetEndpointID(ep.ID).SetEventID("msg_" + ep.ID).
				SetEventType("task.completed").SetPayload(json.RawMessage(`{"type":"task.completed"}`)).
				SetStatus(status).SetNextAttemptAt(time.Now()).SaveX(ctx)
			want[d.ID] = adminDelivery{ID: d.ID, OrgID: org, EndpointURL: hookURL, EventType: "task.completed", Status: string(status)}
		}
		add(orgA, "https://a.example.com/hook", webhookdelivery.StatusSucceeded)
		add(orgA, "https://a.example.com/other", webhookdelivery.StatusExhausted)
		add(orgB, "https://b.example.com/hook", webhookdelivery.StatusSucceeded)

		const path = "/v1/internal/service/admin/webhook-deliveries"
		for _, tok := range []string{keyA, e.token(t, orgA, "free", auth.Limits{})} {
			e.do(t, http.MethodGet, path, tok, "", nil).problem(t, http.StatusForbidden)
		}

		// Page by page, every organization's deliveries, newest first.
		got := map[string]adminDelivery{}
		var order []string
		cursor := ""
		for {
			var l adminDeliveryList
			e.do(t, http.MethodGet, path+"?limit=2"+cursor, svc, "", nil).json(t, &l)
			for _, d := range l.Data {
				d.TaskID = nil
				got[d.ID] = d
				order = append(order, d.ID)
			}
			if l.NextCursor == nil {
				break
			}
			require.Len(t, l.Data, 2)
			cursor = "&cursor=" + *l.NextCursor
		}
		require.Equal(t, want, got)
		require.IsDecreasing(t, order)

		var l adminDeliveryList
		e.do(t, http.MethodGet, path+"?org="+orgA, svc, "", nil).json(t, &l)
		require.Len(t, l.Data, 2)
		e.do(t, http.MethodGet, path+"?status=exhausted", svc, "", nil).json(t, &l)
		require.Len(t, l.Data, 1)
		require.Equal(t, "https://a.example.com/other", l.Data[0].EndpointURL)
		e.do(t, http.MethodGet, path+"?status=succeeded&org="+orgB, svc, "", nil).json(t, &l)
		require.Len(t, l.Data, 1)
		require.Equal(t, orgB, l.Data[0].OrgID)
		e.doMalformed(t, http.MethodGet, path+"?status=lost", svc, "", nil).problem(t, http.StatusUnprocessableEntity)
	})
}
