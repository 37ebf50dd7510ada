package web

import (
	"encoding/json"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/mail"
	"github.com/assayhq/assay/app/webhook"
	entweb "github.com/assayhq/assay/ent/web"
)

// endpointDisabled handles the API's endpoint.disabled event: in one transaction it
// records the webhook id and writes an email to each of the organization's owners; a
// webhook id seen before changes nothing.
func (h webhooks) endpointDisabled(c fiber.Ctx, id string, body []byte) error {
	var ev webhook.EndpointDisabledEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return apperr.BadRequest("The webhook body is not valid JSON.").WithErr(err)
	}
	d := ev.Data
	if d.EndpointID == "" || d.OrgID == "" || d.URL == "" {
		return apperr.BadRequest("The webhook lacks endpoint fields.")
	}
	return h.mailOwnersOnce(c, id, ev.Type, ownerMail{orgID: d.OrgID, template: mail.TemplateEndpointDisabled,
		data: func(org *entweb.Organization) mail.Data {
			return mail.Data{OrgName: org.Name, Link: h.outbox.Link(pathWebhookSettings), EndpointURL: d.URL, Reason: d.Reason}
		}})
}
