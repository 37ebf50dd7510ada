package web

import (
	"context"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/plan"
	"github.com/assayhq/assay/app/web/charts"
)

// Path and template of the usage settings page.
const (
	pathSettingsUsage = "/settings/usage"
	pageSettingsUsage = "pages/settings_usage"
)

// Usage levels, in percent of a limit: the page warns from usageWarnAt and shows a limit
// reached from usageOverAt (the thresholds the usage emails announce).
const (
	usageWarnAt = 80
	usageOverAt = 100
)

// apiUsage is the API's GET /v1/api/usage answer.
type apiUsage struct {
	Plan        string      `json:"plan"`
	PeriodStart time.Time   `json:"period_start"`
	PeriodEnd   time.Time   `json:"period_end"`
	Limits      plan.Limits `json:"limits"`
	Usage       struct {
		Tasks        int64 `json:"tasks"`
		Rows         int64 `json:"rows"`
		StorageBytes int64 `json:"storage_bytes"`
	} `json:"usage"`
}

// usage reads the organization's plan, limits and usage of this period.
func (a *apiClient) usage(ctx context.Context, acc *member) (*apiUsage, error) {
	var u apiUsage
	if err := a.do(ctx, a.http, acc, http.MethodGet, "/v1/api/usage", "", nil, &u); err != nil {
		return nil, err
	}
	return &u, nil
}

// usagePages show the organization's usage of its plan this month to every member.
type usagePages struct {
	api   *apiClient
	views *renderer
}

// usageMeter is one measure of the page: what was used, and the plan's limit when the
// plan sets one for the month (then Chart draws it and Level says how close it is).
type usageMeter struct {
	ID, Label string
	Used      string
	Limit     string // "" when the plan sets no monthly limit for it
	Note      string // the per-dataset limit that applies instead, if any
	Percent   int
	Level     string // "", "warn" (≥ 80%) or "over" (≥ 100%)
	Chart     template.HTML
}

// usagePage is what the page shows.
type usagePage struct {
	Plan        plan.Plan
	PeriodStart time.Time
	PeriodEnd   time.Time // exclusive
	LastDay     time.Time // the period's last day, for display
	Meters      []usageMeter
	UpgradeURL  string
}

func (h usagePages) show(c fiber.Ctx) error {
	u, err := h.api.usage(c.Context(), memberOf(c))
	if err != nil {
		return apiReadError(err, "usage")
	}
	return h.views.page(c, http.StatusOK, pageSettingsUsage, newUsagePage(u))
}

// newUsagePage lays out the API's usage: tasks against the plan's monthly tasks, and the
// month's rows and stored bytes next to the plan's per-dataset limits (the plans set no
// monthly limit for those).
func newUsagePage(u *apiUsage) usagePage {
	p := usagePage{Plan: plan.Or(u.Plan), PeriodStart: u.PeriodStart.UTC(), PeriodEnd: u.PeriodEnd.UTC(),
		UpgradeURL: pathSettingsBilling}
	p.LastDay = p.PeriodEnd.Add(-time.Nanosecond)
	l := u.Limits
	tasks := meter("tasks", "Tasks", u.Usage.Tasks, l.TasksPerMonth, count)
	rows := meter("rows", "Rows checked", u.Usage.Rows, 0, count)
	if l.MaxRows > 0 {
		rows.Note = "Up to " + count(l.MaxRows) + " rows per dataset on your plan."
	}
	storage := meter("storage", "Storage", u.Usage.StorageBytes, 0, humanBytes)
	if l.MaxUploadBytes > 0 {
		storage.Note = "Files up to " + humanBytes(l.MaxUploadBytes) + " per dataset on your plan."
	}
	p.Meters = []usageMeter{tasks, rows, storage}
	return p
}

// meter measures used against limit (limit <= 0: none), written with format.
func meter(id, label string, used, limit int64, format func(int64) string) usageMeter {
	m := usageMeter{ID: id, Label: label, Used: format(max(used, 0))}
	if limit <= 0 {
		return m
	}
	m.Limit = format(limit)
	ratio := float64(max(used, 0)) / float64(limit)
	m.Percent = int(ratio * 100) // floor: 79.9% does not warn yet
	switch {
	case m.Percent >= usageOverAt:
		m.Level = "over"
	case m.Percent >= usageWarnAt:
		m.Level = "warn"
	}
	class := "bar-usage"
	if m.Level != "" {
		class += " bar-usage-" + m.Level
	}
	text := fmt.Sprintf("%s of %s (%d%%)", m.Used, m.Limit, m.Percent)
	m.Chart = charts.Bars(charts.Frame{ID: "usage-chart-" + id, Title: label + " this month",
		Desc: label + ": " + text + " of the plan's monthly limit."}, class,
		[]charts.Bar{{Label: label, Ratio: ratio, Text: text}})
	return m
}

// count writes n with thousands separators ("12,500").
func count(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
