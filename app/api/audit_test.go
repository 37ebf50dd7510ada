package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/plan"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/ent/api/apikey"
	"github.com/assayhq/assay/ent/api/auditentry"
)

const auditPath = "/v1/internal/audit"

type auditEntryJSON struct {
	Seq        int64             `json:"seq"`
	At         time.Time         `json:"at"`
	Action     string            `json:"action"`
	ActorID    *string           `json:"actor_id"`
	ActorType  string            `json:"actor_type"`
	TargetType string            `json:"target_type"`
	TargetID   string            `json:"target_id"`
	IP         string            `json:"ip"`
	UserAgent  string            `json:"user_agent"`
	Details    map[string]string `json:"details"`
}

type auditListJSON struct {
	Data       []auditEntryJSON `json:"data"`
	NextCursor *string          `json:"next_cursor"`
}

// auditTrail reads every page of org's API audit entries as an owner would, newest first.
func (e *env) auditTrail(t *testing.T, org string) []auditEntryJSON {
	t.Helper()
	tok := e.roleToken(t, org, "owner")
	var out []auditEntryJSON
	query := "?limit=3"
	for range 50 {
		res := e.do(t, http.MethodGet, auditPath+query, tok, "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", res.body)
		var l auditListJSON
		res.json(t, &l)
		out = append(out, l.Data...)
		if l.NextCursor == nil {
			return out
		}
		query = "?limit=3&cursor=" + *l.NextCursor
	}
	t.Fatal("the audit list never ended")
	return nil
}

// Every change made through the API is one entry of the API database's chain, by the
// API key or the web app's user that made it, in the organization's trail; a purge
// anonymizes the trail and leaves the chain verifiable.
func TestAPIChangesAreAudited(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		ctx := context.Background()
		e := newHookEnv(t, url, true)
		org, key := e.org(t)
		other, otherKey := e.org(t)
		keyID := e.db.APIKey.Query().Where(apikey.OrgID(org)).OnlyX(tenant.With(ctx, org)).ID
		userID := platform.NewID()
		owner, err := e.signer.Mint(userID, org, "owner", "free", auth.Limits{})
		require.NoError(t, err)

		ds := e.upload(t, key, "people", "name,age\nAda,36\nBob,41\n")
		res := e.do(t, http.MethodPut, rulesPath(ds), key, "application/json", `{"rules":[{"column":"age","check":"not_null"}]}`)
		require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", res.body)
		res = e.do(t, http.MethodPost, "/v1/api/tasks", key, "application/json", `{"dataset_id":"`+ds+`"}`)
		require.Equal(t, http.StatusAccepted, res.StatusCode, "body: %s", res.body)
		var tk struct{ ID string }
		res.json(t, &tk)
		require.Equal(t, http.StatusAccepted, e.do(t, http.MethodPost, "/v1/api/tasks/"+tk.ID+"/cancel", key, "", nil).StatusCode)

		ep := e.createEndpoint(t, key, "http://127.0.0.1:9/hook")
		patch := func(body string) {
			res := e.do(t, http.MethodPatch, "/v1/api/webhook-endpoints/"+ep.ID, key, "application/json", body)
			require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", res.body)
		}
		patch(`{"description":"renamed"}`)
		patch(`{"enabled":false}`)
		patch(`{"enabled":true}`)
		require.Equal(t, http.StatusOK, e.do(t, http.MethodPost, "/v1/api/webhook-endpoints/"+ep.ID+"/rotate-secret", key, "", nil).StatusCode)
		require.Equal(t, http.StatusNoContent, e.do(t, http.MethodDelete, "/v1/api/webhook-endpoints/"+ep.ID, key, "", nil).StatusCode)
		require.Equal(t, http.StatusNoContent, e.do(t, http.MethodDelete, "/v1/api/datasets/"+ds, key, "", nil).StatusCode)

		made := e.createKey(t, owner, map[string]any{"name": "ci", "scopes": []string{"read", "write"}})
		require.Equal(t, http.StatusOK, e.do(t, http.MethodPost, keysPath+"/"+made.ID+"/revoke", owner, "", nil).StatusCode)

		svc, err := e.signer.MintService("web")
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, e.pushPlanAt(t, svc, org, plan.Business, time.Now().UnixMicro()).StatusCode)
		// The same plan again is no change.
		require.Equal(t, http.StatusOK, e.pushPlanAt(t, svc, org, plan.Business, time.Now().UnixMicro()).StatusCode)
		// Another organization's change is not in this trail.
		e.upload(t, otherKey, "theirs", "a\n1\n")
		require.Equal(t, 1, e.db.AuditEntry.Query().Where(auditentry.OrgID(other)).CountX(ctx))

		want := []struct{ action, actorType, actor, target string }{
			{audit.DatasetCreated, "apikey", keyID, ds},
			{audit.RuleSetReplaced, "apikey", keyID, ds},
			{audit.TaskCreated, "apikey", keyID, tk.ID},
			{audit.TaskCancelled, "apikey", keyID, tk.ID},
			{audit.WebhookEndpointCreated, "apikey", keyID, ep.ID},
			{audit.WebhookEndpointUpdated, "apikey", keyID, ep.ID},
			{audit.WebhookEndpointDisabled, "apikey", keyID, ep.ID},
			{audit.WebhookEndpointEnabled, "apikey", keyID, ep.ID},
			{audit.WebhookEndpointRotated, "apikey", keyID, ep.ID},
			{audit.WebhookEndpointDeleted, "apikey", keyID, ep.ID},
			{audit.DatasetDeleted, "apikey", keyID, ds},
			{audit.APIKeyCreated, "user", userID, made.ID},
			{audit.APIKeyRevoked, "user", userID, made.ID},
			{audit.TenantPlanChanged, "service", "", org},
		}
		trail := e.auditTrail(t, org)
		require.Len(t, trail, len(want))
		for i, w := range want {
			got := trail[len(trail)-1-i] // the list is newest first
			require.Equal(t, w.action, got.Action, "entry %d", i)
			require.Equal(t, w.actorType, got.ActorType, w.action)
			if w.actor == "" {
				require.Nil(t, got.ActorID, w.action)
			} else {
				require.Equal(t, w.actor, *got.ActorID, w.action)
			}
			require.Equal(t, w.target, got.TargetID, w.action)
		}
		require.Equal(t, "1", trail[len(trail)-2].Details["version"], "the rule set's version")
		require.NotEmpty(t, trail[0].IP, "the request's IP is kept")

		rep, err := audit.VerifyAPI(ctx, e.db)
		require.NoError(t, err)
		require.Nil(t, rep.Break)

		// The purge keeps the trail, anonymized, and adds its own entry.
		require.Equal(t, http.StatusOK, e.do(t, http.MethodDelete, "/v1/internal/service/tenants/"+org, svc, "", nil).StatusCode)
		rows := e.db.AuditEntry.Query().Where(auditentry.OrgID(org)).Order(auditentry.ByID()).AllX(ctx)
		require.Len(t, rows, len(want)+1)
		for _, r := range rows[:len(want)] {
			require.NotNil(t, r.AnonymizedAt)
			require.Equal(t, "{}", r.Details)
			require.Empty(t, r.IP)
		}
		last := rows[len(rows)-1]
		require.Equal(t, audit.TenantPurged, last.Action)
		require.Nil(t, last.AnonymizedAt)
		res = e.do(t, http.MethodGet, "/v1/internal/service/audit?org="+org+"&limit=100", svc, "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", res.body)
		var purged auditListJSON
		res.json(t, &purged)
		require.Len(t, purged.Data, len(want)+1)
		require.Equal(t, audit.ActorTypeWebApp, purged.Data[0].ActorType, "the purge, by the web app")
		for _, got := range purged.Data[1:] {
			require.Equal(t, audit.ActorTypeAnonymized, got.ActorType, got.Action)
		}
		rep, err = audit.VerifyAPI(ctx, e.db)
		require.NoError(t, err)
		require.Nil(t, rep.Break, "anonymized entries still verify")
		require.EqualValues(t, e.db.AuditEntry.Query().CountX(ctx), rep.Entries)
	})
}

// Only the organization's owners and admins read its trail, never an API key.
func TestInternalAuditRefused(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		org, key := e.org(t)
		e.do(t, http.MethodGet, auditPath, e.roleToken(t, org, "member"), "", nil).problem(t, http.StatusForbidden)
		e.do(t, http.MethodGet, auditPath, key, "", nil).problem(t, http.StatusForbidden)
		e.do(t, http.MethodGet, auditPath, "", "", nil).problem(t, http.StatusUnauthorized)
		e.do(t, http.MethodGet, auditPath+"?cursor=eA", e.roleToken(t, org, "admin"), "", nil).problem(t, http.StatusUnprocessableEntity)
		res := e.do(t, http.MethodGet, auditPath, e.roleToken(t, org, "admin"), "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
	})
}

// The backoffice reads every organization's API entries with a service token, filtered
// by organization, action prefix and actor; users' tokens and API keys may not.
func TestServiceAuditList(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		a, keyA := e.org(t)
		b, keyB := e.org(t)
		e.upload(t, keyA, "a", "x\n1\n")
		ds := e.upload(t, keyB, "b", "x\n1\n")
		require.Equal(t, http.StatusNoContent, e.do(t, http.MethodDelete, "/v1/api/datasets/"+ds, keyB, "", nil).StatusCode)
		svc, err := e.signer.MintService("web")
		require.NoError(t, err)
		list := func(query string) auditListJSON {
			t.Helper()
			res := e.do(t, http.MethodGet, "/v1/internal/service/audit"+query, svc, "", nil)
			require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", res.body)
			var l auditListJSON
			res.json(t, &l)
			return l
		}
		require.Len(t, list("?org="+b).Data, 2)
		got := list("?org=" + b + "&action=dataset.del").Data
		require.Len(t, got, 1)
		require.Equal(t, ds, got[0].TargetID)
		require.Len(t, list("?org="+a).Data, 1)
		page := list("?limit=1&org=" + b)
		require.NotNil(t, page.NextCursor)
		require.Equal(t, audit.DatasetDeleted, page.Data[0].Action)
		require.Equal(t, audit.DatasetCreated, list("?limit=1&org=" + b + "&cursor=" + *page.NextCursor).Data[0].Action)

		require.NotEqual(t, http.StatusOK, e.do(t, http.MethodGet, "/v1/internal/service/audit", e.roleToken(t, a, "owner"), "", nil).StatusCode)
		require.NotEqual(t, http.StatusOK, e.do(t, http.MethodGet, "/v1/internal/service/audit", keyA, "", nil).StatusCode)
	})
}

// An endpoint the delivery job disables (here on 410 Gone) is audited in the same
// transaction, with the system as actor and the reason.
func TestWebhookAutoDisableIsAudited(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		ctx := context.Background()
		e := newHookEnv(t, url, true)
		org, key := e.org(t)
		e.startHookPool(t, true)
		rcv := newReceiver(t, http.StatusGone)
		ep := e.createEndpoint(t, key, rcv.srv.URL)
		d := e.ping(t, key, ep.ID)
		e.waitAttempts(t, org, d.ID, 1)
		got := e.db.AuditEntry.Query().Where(auditentry.OrgID(org), auditentry.Action(audit.WebhookEndpointDisabled)).OnlyX(ctx)
		require.Nil(t, got.ActorID)
		require.Equal(t, ep.ID, got.TargetID)
		trail := e.auditTrail(t, org)
		require.Equal(t, audit.WebhookEndpointDisabled, trail[0].Action)
		require.Equal(t, audit.ActorTypeSystem, trail[0].ActorType)
		require.Contains(t, trail[0].Details["reason"], "410")
		rep, err := audit.VerifyAPI(ctx, e.db)
		require.NoError(t, err)
		require.Nil(t, rep.Break)
	})
}

// The backoffice's task cancel and retry are in the task's organization's trail, with
// the web app as actor.
func TestServiceTaskActionsAreAudited(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		svc, err := e.signer.MintService("web")
		require.NoError(t, err)
		org, key := e.org(t)
		ds := e.upload(t, key, "a", "x\n1\n")
		res := e.do(t, http.MethodPost, "/v1/api/tasks", key, "application/json", `{"dataset_id":"`+ds+`"}`)
		require.Equal(t, http.StatusAccepted, res.StatusCode, "body: %s", res.body)
		var tk struct{ ID string }
		res.json(t, &tk)
		// No worker runs here: the task stays pending until cancelled.
		require.Equal(t, http.StatusAccepted, e.do(t, http.MethodPost, "/v1/internal/service/admin/tasks/"+tk.ID+"/cancel", svc, "", nil).StatusCode)
		res = e.do(t, http.MethodPost, "/v1/internal/service/admin/tasks/"+tk.ID+"/retry", svc, "", nil)
		require.Equal(t, http.StatusAccepted, res.StatusCode, "body: %s", res.body)
		var re struct{ ID string }
		res.json(t, &re)

		trail := e.auditTrail(t, org)
		require.Len(t, trail, 4) // dataset created, task created, cancelled, retried
		require.Equal(t, audit.TaskCancelled, trail[1].Action)
		require.Equal(t, audit.ActorTypeWebApp, trail[1].ActorType)
		require.Equal(t, tk.ID, trail[1].TargetID)
		require.Equal(t, audit.TaskCreated, trail[0].Action)
		require.Equal(t, re.ID, trail[0].TargetID)
		require.Equal(t, tk.ID, trail[0].Details["retry_of"])
	})
}
