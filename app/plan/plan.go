// Package plan is the one catalogue of plans and their limits. The web app shows it on the
// pricing page and carries a plan's limits in the web → API token; the API enforces them.
package plan

import "slices"

// Plan ids as stored in the web and API databases and carried in tokens.
const (
	Free     = "free"
	Pro      = "pro"
	Business = "business"
)

// Limits of a plan. Every limit is a positive number; the API enforces each one.
type Limits struct {
	MaxUploadBytes   int64 `json:"max_upload_bytes"`    // size of one dataset file
	MaxRows          int64 `json:"max_rows"`            // rows of one dataset
	TasksPerMonth    int64 `json:"tasks_per_month"`     // pipeline runs per billing period
	Members          int64 `json:"members"`             // seats: members of the organization
	APIRatePerMinute int64 `json:"api_rate_per_minute"` // requests per minute per API key
	RetentionDays    int64 `json:"retention_days"`      // datasets older than this are purged
}

// Plan is one entry of the catalogue. Prices are for display; Stripe holds the real ones
// (price ids come from the environment, see config.Stripe).
type Plan struct {
	ID           string
	Name         string
	Blurb        string
	MonthlyCents int64 // 0: free
	YearlyCents  int64
	Limits       Limits
	Features     []string
}

// Paid reports whether the plan is sold through Stripe.
func (p Plan) Paid() bool { return p.MonthlyCents > 0 }

const (
	mib = int64(1) << 20
	gib = int64(1) << 30
)

var catalogue = []Plan{
	{
		ID: Free, Name: "Free", Blurb: "For trying Assay on small files.",
		Limits: Limits{MaxUploadBytes: 10 * mib, MaxRows: 100_000, TasksPerMonth: 50, Members: 3,
			APIRatePerMinute: 30, RetentionDays: 7},
		Features: []string{"Every rule and chart", "REST API and webhooks", "7-day retention"},
	},
	{
		ID: Pro, Name: "Pro", Blurb: "For teams that check data every day.",
		MonthlyCents: 4900, YearlyCents: 49000,
		Limits: Limits{MaxUploadBytes: 256 * mib, MaxRows: 10_000_000, TasksPerMonth: 2_000, Members: 10,
			APIRatePerMinute: 100, RetentionDays: 90},
		Features: []string{"Everything in Free", "Files up to 256 MiB", "90-day retention", "Email support"},
	},
	{
		ID: Business, Name: "Business", Blurb: "For organizations with many teams and large files.",
		MonthlyCents: 19900, YearlyCents: 199000,
		Limits: Limits{MaxUploadBytes: 2 * gib, MaxRows: 100_000_000, TasksPerMonth: 20_000, Members: 100,
			APIRatePerMinute: 600, RetentionDays: 365},
		Features: []string{"Everything in Pro", "Files up to 2 GiB", "1-year retention", "Audit trail export", "Priority support"},
	},
}

// All returns the catalogue, cheapest first. The slice is a copy.
func All() []Plan {
	out := make([]Plan, len(catalogue))
	for i, p := range catalogue {
		p.Features = slices.Clone(p.Features)
		out[i] = p
	}
	return out
}

// Get returns the plan with id.
func Get(id string) (Plan, bool) {
	for _, p := range All() {
		if p.ID == id {
			return p, true
		}
	}
	return Plan{}, false
}

// Or returns the plan with id, or Free when id is unknown or empty.
func Or(id string) Plan {
	if p, ok := Get(id); ok {
		return p
	}
	p, _ := Get(Free)
	return p
}
