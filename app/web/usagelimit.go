package web

import (
	"net/http"
	"net/url"
	"strings"
)

// quotaRefusal is the API's refusal of a request by a plan limit (402 problem+json) as
// a page shows it: the API's message, the limit it names and where to upgrade.
type quotaRefusal struct {
	Message    string
	Limit      string // the limit written out ("tasks per month")
	UpgradeURL string
}

// refusedByPlan returns the plan refusal within err, if the API answered with one.
func refusedByPlan(err error) (*quotaRefusal, bool) {
	p, ok := asProblem(err)
	if !ok || p.Status != http.StatusPaymentRequired {
		return nil, false
	}
	return &quotaRefusal{Message: orDefault(p.Detail, p.Title), Limit: limitText(p.Limit), UpgradeURL: upgradeLink(p)}, true
}

// limitText writes a limit's name for people: "max_rows" → "max rows".
func limitText(limit string) string { return strings.ReplaceAll(limit, "_", " ") }

// upgradeLink is where a refusal by a plan limit sends the user: the API's upgrade_url
// when it is a web address (or a path), the billing settings otherwise.
func upgradeLink(p *apiProblem) string {
	u, err := url.Parse(p.UpgradeURL)
	switch {
	case p.UpgradeURL == "" || err != nil:
		return pathSettingsBilling
	case u.Scheme == "https" || u.Scheme == "http":
		if u.Host != "" {
			return u.String()
		}
	case u.Scheme == "" && u.Host == "" && strings.HasPrefix(u.Path, "/"):
		return u.String()
	}
	return pathSettingsBilling
}
