package web

import (
	"encoding/json"
	"fmt"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/mail"
	"github.com/assayhq/assay/app/plan"
	"github.com/assayhq/assay/app/webhook"
	entweb "github.com/assayhq/assay/ent/web"
)

// limitWords names a limit in the emails and forms.
var limitWords = map[string]string{
	"tasks_per_month":  "tasks",
	"max_rows":         "rows per dataset",
	"max_upload_bytes": "bytes per file",
	"members":          "members",
}

// usageThreshold handles the API's usage.threshold event: in one transaction it records
// the webhook id and writes an email to each owner of the organization; a webhook id
// seen before changes nothing. The API sends each threshold once per period.
func (h webhooks) usageThreshold(c fiber.Ctx, id string, body []byte) error {
	var ev webhook.UsageEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return apperr.BadRequest("The webhook body is not valid JSON.").WithErr(err)
	}
	d := ev.Data
	if d.OrgID == "" || d.Limit == "" || d.Threshold <= 0 {
		return apperr.BadRequest("The webhook lacks usage fields.")
	}
	what := limitWords[d.Limit]
	if what == "" {
		what = d.Limit
	}
	return h.mailOwnersOnce(c, id, ev.Type, ownerMail{orgID: d.OrgID, template: mail.TemplateUsageThreshold,
		data: func(org *entweb.Organization) mail.Data {
			return mail.Data{
				OrgName: org.Name, Plan: plan.Or(org.Plan).Name, Link: h.outbox.Link(pathPricing),
				Reason: fmt.Sprintf("%d%% of its %d %s (%d used)", d.Threshold, d.LimitValue, what, d.Usage),
				Date:   d.PeriodEnd.UTC().Format("2 January 2006"),
			}
		}})
}
