package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/app/webhook"
)

func taskPayload(typ, id, orgID, status string, score *float64) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "data": map[string]any{
		"id": id, "org_id": orgID, "dataset_id": "ds-1", "dataset_name": "people.csv", "status": status,
		"stage": "notify", "score": score, "error": "", "finished_at": time.Now().UTC().Format(time.RFC3339),
	}})
	return b
}

func (e *testEnv) postWebhook(t *testing.T, h http.Header, body []byte) response {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/webhooks/api", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	for k, v := range h {
		req.Header[k] = v
	}
	return e.client(t).do(req)
}

func TestWebhookReceiver(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		o := env.owner(t)
		ctx := tenant.With(context.Background(), o.OrgID)
		now := time.Now()
		existing := platform.NewID()
		env.db.Task.Create().SetID(existing).SetDatasetID("ds-1").SetDatasetName("mine.csv").SetUserID(o.UserID).ExecX(ctx)
		fresh := platform.NewID()

		tests := []struct {
			name    string
			msgID   string
			ts      time.Time
			secret  string
			body    []byte
			mangle  func(http.Header)
			status  int
			task    string
			want    string // status of the task after, "" for no row
			wantRaw float64
		}{
			{"completes a known task", "msg-1", now, testSecret, taskPayload("task.completed", existing, o.OrgID, "completed", ptr(91.3)), nil, 200, existing, "completed", 91.3},
			{"creates an unknown task", "msg-2", now, testSecret, taskPayload("task.failed", fresh, o.OrgID, "failed", nil), nil, 200, fresh, "failed", 0},
			{"replay changes nothing", "msg-1", now, testSecret, taskPayload("task.completed", existing, o.OrgID, "cancelled", ptr(1.0)), nil, 200, existing, "completed", 91.3},
			{"bad signature", "msg-3", now, "another-secret-0123456789abcdefghij", taskPayload("task.cancelled", existing, o.OrgID, "cancelled", nil), nil, 401, existing, "completed", 91.3},
			{"old timestamp", "msg-4", now.Add(-10 * time.Minute), testSecret, taskPayload("task.cancelled", existing, o.OrgID, "cancelled", nil), nil, 401, existing, "completed", 91.3},
			{"future timestamp", "msg-5", now.Add(10 * time.Minute), testSecret, taskPayload("task.cancelled", existing, o.OrgID, "cancelled", nil), nil, 401, existing, "completed", 91.3},
			{"missing signature", "msg-6", now, testSecret, taskPayload("task.cancelled", existing, o.OrgID, "cancelled", nil), func(h http.Header) { h.Del(webhook.HeaderSignature) }, 400, existing, "completed", 91.3},
			{"malformed timestamp", "msg-7", now, testSecret, taskPayload("task.cancelled", existing, o.OrgID, "cancelled", nil), func(h http.Header) { h.Set(webhook.HeaderTimestamp, "yesterday") }, 400, existing, "completed", 91.3},
			{"tampered body", "msg-8", now, testSecret, taskPayload("task.cancelled", existing, o.OrgID, "cancelled", nil), func(h http.Header) {
				h.Set(webhook.HeaderSignature, webhook.Sign(testSecret, "msg-8", now, []byte("{}")))
			}, 401, existing, "completed", 91.3},
			{"not json", "msg-9", now, testSecret, []byte("nope"), nil, 400, existing, "completed", 91.3},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				h := webhook.Headers(tc.secret, tc.msgID, tc.ts, tc.body)
				if tc.mangle != nil {
					tc.mangle(h)
				}
				res := env.postWebhook(t, h, tc.body)
				require.Equal(t, tc.status, res.StatusCode, res.Body)
				row := env.db.Task.GetX(ctx, tc.task)
				require.Equal(t, tc.want, row.Status)
				if tc.wantRaw != 0 {
					require.InDelta(t, tc.wantRaw, *row.Score, 1e-9)
				}
			})
		}
		t.Run("view keeps what the webhook lacks", func(t *testing.T) {
			row := env.db.Task.GetX(ctx, existing)
			require.Equal(t, o.UserID, row.UserID)
			require.Equal(t, o.OrgID, row.OrgID)
			require.NotNil(t, row.FinishedAt)
			require.Equal(t, 2, env.db.ReceivedWebhook.Query().CountX(context.Background()))
		})
	})
}

func TestWebhookBodyLimit(t *testing.T) {
	env := newSQLiteEnv(t)
	body := []byte(`{"type":"task.completed","pad":"` + strings.Repeat("x", maxWebhookBody) + `"}`)
	res := env.postWebhook(t, webhook.Headers(testSecret, "big", time.Now(), body), body)
	require.Equal(t, http.StatusRequestEntityTooLarge, res.StatusCode)
	require.Zero(t, env.db.ReceivedWebhook.Query().CountX(context.Background()))
}

func TestWebhookIgnoresOtherEvents(t *testing.T) {
	env := newSQLiteEnv(t)
	body := []byte(`{"type":"dataset.deleted","data":{}}`)
	res := env.postWebhook(t, webhook.Headers(testSecret, "other", time.Now(), body), body)
	require.Equal(t, http.StatusOK, res.StatusCode)
}
