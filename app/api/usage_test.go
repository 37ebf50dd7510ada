package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/plan"
	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/app/webhook"
	"github.com/assayhq/assay/ent/api/outbox"
)

// quotaProblem is a refusal by a plan limit.
type quotaProblem struct {
	Status     int    `json:"status"`
	Detail     string `json:"detail"`
	Limit      string `json:"limit"`
	LimitValue int64  `json:"limit_value"`
	Usage      int64  `json:"usage"`
	UpgradeURL string `json:"upgrade_url"`
}

func (r response) quota(t *testing.T, status int) quotaProblem {
	t.Helper()
	r.problem(t, status)
	var p quotaProblem
	r.json(t, &p)
	return p
}

type usageJSON struct {
	Plan   string      `json:"plan"`
	Limits plan.Limits `json:"limits"`
	Usage  struct {
		Tasks        int64 `json:"tasks"`
		Rows         int64 `json:"rows"`
		StorageBytes int64 `json:"storage_bytes"`
	} `json:"usage"`
}

func (e *env) usage(t *testing.T, key string) usageJSON {
	t.Helper()
	res := e.do(t, http.MethodGet, "/v1/api/usage", key, "", nil)
	require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", res.body)
	var u usageJSON
	res.json(t, &u)
	return u
}

// pushPlan puts org's plan with limits through the service path.
func (e *env) pushPlan(t *testing.T, token, org, id string, lim plan.Limits) response {
	t.Helper()
	b, err := json.Marshal(map[string]any{"plan": id, "limits": lim})
	require.NoError(t, err)
	return e.do(t, http.MethodPut, "/v1/internal/service/tenants/"+org+"/plan", token, "application/json", string(b))
}

func smallPlan(tasks, rows, rate int64) plan.Limits {
	l := plan.Or(plan.Free).Limits
	l.TasksPerMonth, l.MaxRows, l.APIRatePerMinute = tasks, rows, rate
	return l
}

func TestPlanPushRefusesOtherTokensAndStoresLimits(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		org, key := e.org(t)
		user := e.token(t, org, "free", plan.Or(plan.Free).Limits)
		for name, tok := range map[string]string{"api key": key, "user token": user} {
			t.Run(name, func(t *testing.T) {
				e.pushPlan(t, tok, org, plan.Pro, plan.Or(plan.Pro).Limits).problem(t, http.StatusForbidden)
			})
		}
		svc, err := e.signer.MintService("web")
		require.NoError(t, err)
		want := plan.Or(plan.Pro).Limits
		for range 2 { // idempotent
			res := e.pushPlan(t, svc, org, plan.Pro, want)
			require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", res.body)
		}
		tn, err := e.db.Tenant.Get(tenant.System(context.Background()), org)
		require.NoError(t, err)
		require.Equal(t, plan.Pro, tn.Plan)
		require.Equal(t, want.TasksPerMonth, tn.TasksPerMonth)
		require.Equal(t, want.MaxRows, tn.MaxRows)
		require.Equal(t, want.APIRatePerMinute, tn.APIRatePerMinute)
		require.Equal(t, want.RetentionDays, tn.RetentionDays)
		// An organization the API never saw is created by its first push.
		fresh := "0190a5a0-0000-7000-8000-00000000f00d"
		require.Equal(t, http.StatusOK, e.pushPlan(t, svc, fresh, plan.Business, plan.Or(plan.Business).Limits).StatusCode)
		tn, err = e.db.Tenant.Get(tenant.System(context.Background()), fresh)
		require.NoError(t, err)
		require.Equal(t, plan.Business, tn.Plan)
		// The API key client now reads the pushed plan.
		u := e.usage(t, key)
		require.Equal(t, plan.Pro, u.Plan)
		require.Equal(t, want, u.Limits)
		// An unknown plan is outside the document's enum: a deliberately malformed request.
		b, err := json.Marshal(map[string]any{"plan": "platinum", "limits": want})
		require.NoError(t, err)
		e.doMalformed(t, http.MethodPut, "/v1/internal/service/tenants/"+org+"/plan", svc, "application/json", string(b)).
			problem(t, http.StatusUnprocessableEntity)
	})
}

func TestTasksPerMonthQuotaForAPIKeys(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url, func(c *config.Config) { c.WebURL = "https://app.example" })
		org, key := e.org(t)
		svc, err := e.signer.MintService("web")
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, e.pushPlan(t, svc, org, plan.Free, smallPlan(5, 100, 1000)).StatusCode)
		ds := e.upload(t, key, "people.csv", peopleCSV)
		for range 5 {
			e.createTask(t, key, ds, ageRule)
		}
		res := e.do(t, http.MethodPost, "/v1/api/tasks", key, "application/json", `{"dataset_id":"`+ds+`"}`)
		p := res.quota(t, http.StatusPaymentRequired)
		require.Equal(t, "tasks_per_month", p.Limit)
		require.Equal(t, int64(5), p.LimitValue)
		require.Equal(t, int64(5), p.Usage)
		require.Equal(t, "https://app.example/pricing", p.UpgradeURL)
		require.Contains(t, p.Detail, "5 tasks per month")
		require.Equal(t, 5, e.countTasks(t, org), "the refused task left no row")
		u := e.usage(t, key)
		require.Equal(t, int64(5), u.Usage.Tasks)
		require.Equal(t, int64(len(peopleCSV)), u.Usage.StorageBytes)

		// 80% (the 4th task) and 100% (the 5th) were each announced once, to the web app.
		rows, err := e.db.Outbox.Query().Where(outbox.OrgID(org)).All(tenant.System(context.Background()))
		require.NoError(t, err)
		var thresholds []int
		for _, r := range rows {
			var ev webhook.UsageEvent
			require.NoError(t, json.Unmarshal(r.Payload, &ev))
			if ev.Type == webhook.EventUsageThreshold {
				require.Equal(t, "tasks_per_month", ev.Data.Limit)
				thresholds = append(thresholds, ev.Data.Threshold)
			}
		}
		require.ElementsMatch(t, []int{80, 100}, thresholds)
	})
}

func TestRowsLimitRefusedAtIngest(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		org, key := e.org(t)
		svc, err := e.signer.MintService("web")
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, e.pushPlan(t, svc, org, plan.Free, smallPlan(50, 3, 1000)).StatusCode)
		res := e.do(t, http.MethodPost, "/v1/api/datasets?name=big", key, "text/csv", peopleCSV) // 4 rows
		p := res.quota(t, http.StatusPaymentRequired)
		require.Equal(t, "max_rows", p.Limit)
		require.Equal(t, int64(3), p.LimitValue)
		require.Equal(t, int64(4), p.Usage)
		require.Zero(t, e.countDatasets(t, org))
		require.Empty(t, e.blobFiles(t, org))
		require.Zero(t, e.usage(t, key).Usage.StorageBytes)
		// A user of the web app is held to the rows of the plan in their token.
		tok := e.token(t, org, "free", smallPlan(50, 2, 1000))
		e.do(t, http.MethodPost, "/v1/api/datasets?name=big", tok, "text/csv", "a\n1\n2\n3\n").quota(t, http.StatusPaymentRequired)
		require.Zero(t, e.countDatasets(t, org))
	})
}

func TestAPIRateFromPlan(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url, withAPIRate(100))
		org, key := e.org(t)
		svc, err := e.signer.MintService("web")
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, e.pushPlan(t, svc, org, plan.Free, smallPlan(50, 100, 2)).StatusCode)
		for range 2 {
			require.Equal(t, http.StatusOK, e.do(t, http.MethodGet, "/v1/api/datasets", key, "", nil).StatusCode)
		}
		p := e.do(t, http.MethodGet, "/v1/api/datasets", key, "", nil).quota(t, http.StatusTooManyRequests)
		require.Equal(t, "api_rate_per_minute", p.Limit)
		require.Equal(t, int64(2), p.LimitValue)
	})
}

func TestUsageCountersAfterRunsAndDeletes(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		_, key := e.org(t)
		e.startPool(t)
		a := e.upload(t, key, "a.csv", peopleCSV)
		b := e.upload(t, key, "b.csv", peopleCSV+"5,Eve,17\n")
		tk := e.createTask(t, key, b, ageRule)
		require.Equal(t, "completed", e.waitTask(t, key, tk.ID).Status)
		u := e.usage(t, key)
		require.Equal(t, int64(1), u.Usage.Tasks)
		require.Equal(t, int64(5), u.Usage.Rows)
		require.Equal(t, int64(2*len(peopleCSV)+len("5,Eve,17\n")), u.Usage.StorageBytes)
		require.Equal(t, http.StatusNoContent, e.do(t, http.MethodDelete, "/v1/api/datasets/"+a, key, "", nil).StatusCode)
		u = e.usage(t, key)
		require.Equal(t, int64(len(peopleCSV)+len("5,Eve,17\n")), u.Usage.StorageBytes)
		require.Equal(t, int64(5), u.Usage.Rows, "rows stay counted")
	})
}

func TestJWTLimitsBindTheAPI(t *testing.T) {
	e := newEnv(t, sqliteURL(t))
	org := "0190a5a0-0000-7000-8000-0000000000aa"
	lim := smallPlan(1, 100, 1000)
	tok := e.token(t, org, plan.Free, lim)
	ds := e.upload(t, tok, "p.csv", peopleCSV)
	e.createTask(t, tok, ds, ageRule)
	p := e.do(t, http.MethodPost, "/v1/api/tasks", tok, "application/json", `{"dataset_id":"`+ds+`"}`).quota(t, http.StatusPaymentRequired)
	require.Equal(t, "tasks_per_month", p.Limit)
	u := e.usage(t, tok)
	require.Equal(t, lim, u.Limits)
	require.True(t, strings.HasPrefix(fmt.Sprint(u.Plan), "free"))
	var _ auth.Limits = lim // the token's limits are the catalogue's
}
