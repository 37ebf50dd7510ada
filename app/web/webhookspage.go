package web

import (
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/access"
	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/webhook"
)

// Paths and templates of the webhook settings.
const (
	pathWebhookSettings      = "/settings/webhooks"
	pageSettingsWebhooks     = "pages/settings_webhooks"
	partialSettingsWebhooks  = "partials/settings_webhooks"
	pageSettingsWebhook      = "pages/settings_webhook"
	partialSettingsWebhook   = "partials/settings_webhook"
	errMayNotManageWebhooksT = "Only the owners and admins of the organization can manage its webhooks."
)

var errMayNotManageWebhooks = apperr.Forbidden(errMayNotManageWebhooksT)

// webhookPages let owners and admins manage their organization's webhook endpoints and
// read their delivery logs. The API keeps the endpoints; every change goes through it.
type webhookPages struct {
	api   *apiClient
	views *renderer
}

// webhooksView is the list panel: the endpoints, the add form and its outcome.
type webhooksView struct {
	CSRF      string
	Endpoints []webhookEndpoint
	Events    []string
	Form      webhookForm
	Error     string
	Secret    *webhookEndpoint // an endpoint whose secret was just made, shown this once
	Notice    string
}

// webhookForm is what the add form holds.
type webhookForm struct {
	URL         string
	Description string
	Events      map[string]bool
}

// webhookView is one endpoint's panel with its delivery log.
type webhookView struct {
	CSRF       string
	Endpoint   *webhookEndpoint
	Deliveries []webhookDelivery
	NextCursor string
	Notice     string
}

// CanManageWebhooks reports whether the member may see and use the webhook settings.
func (m *member) CanManageWebhooks() bool {
	return m != nil && access.Can(m.Role, access.ManageWebhooks)
}

// authorize is middleware after signedIn: members without the permission get 403.
func (h webhookPages) authorize(c fiber.Ctx) error {
	if !memberOf(c).CanManageWebhooks() {
		return errMayNotManageWebhooks
	}
	return c.Next()
}

func (h webhookPages) show(c fiber.Ctx) error {
	v, err := h.load(c, webhookForm{Events: allEvents()})
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, v)
}

// create registers an endpoint and shows its secret once; the API's refusals (a private
// address, no events) re-render the form with 422.
func (h webhookPages) create(c fiber.Ctx) error {
	form := webhookForm{URL: strings.TrimSpace(c.FormValue("url")), Description: c.FormValue("description"),
		Events: map[string]bool{}}
	in := webhookEndpointChange{URL: &form.URL, Description: &form.Description, Events: []string{}}
	for _, e := range c.Request().PostArgs().PeekMulti("events") {
		in.Events = append(in.Events, string(e))
		form.Events[string(e)] = true
	}
	if len(in.Events) == 0 {
		return h.reject(c, form, "Choose at least one event.")
	}
	e, err := h.api.createWebhookEndpoint(c.Context(), memberOf(c), in)
	if p, ok := asProblem(err); ok && p.Status == http.StatusUnprocessableEntity {
		return h.reject(c, form, orDefault(p.Detail, p.Title))
	}
	if err != nil {
		return webhookFailure(err)
	}
	v, err := h.load(c, webhookForm{Events: allEvents()})
	if err != nil {
		return err
	}
	v.Secret = e
	return h.render(c, http.StatusOK, v)
}

// rotate makes a new secret and shows it once; the old one signs too for 24 hours.
func (h webhookPages) rotate(c fiber.Ctx) error {
	e, err := h.api.rotateWebhookSecret(c.Context(), memberOf(c), c.Params("id"))
	if err != nil {
		return webhookFailure(err)
	}
	v, err := h.load(c, webhookForm{Events: allEvents()})
	if err != nil {
		return err
	}
	v.Secret = e
	v.Notice = "The endpoint has a new secret. For 24 hours webhooks are signed with both the old and the new one."
	return h.render(c, http.StatusOK, v)
}

// state enables (restarting the failure clock) or disables an endpoint.
func (h webhookPages) state(c fiber.Ctx) error {
	on := c.FormValue("enabled") == "true"
	e, err := h.api.changeWebhookEndpoint(c.Context(), memberOf(c), c.Params("id"), webhookEndpointChange{Enabled: &on})
	if err != nil {
		return webhookFailure(err)
	}
	return h.done(c, "The endpoint "+e.URL+" is "+map[bool]string{true: "enabled", false: "disabled"}[on]+".")
}

// remove deletes an endpoint; nothing more is sent to it.
func (h webhookPages) remove(c fiber.Ctx) error {
	if err := h.api.deleteWebhookEndpoint(c.Context(), memberOf(c), c.Params("id")); err != nil {
		return webhookFailure(err)
	}
	return h.done(c, "The endpoint is deleted.")
}

// done answers a change: the refreshed panel to htmx, a redirect to the list otherwise.
func (h webhookPages) done(c fiber.Ctx, notice string) error {
	if !isFragmentRequest(c) {
		return redirect(c, pathWebhookSettings)
	}
	v, err := h.load(c, webhookForm{Events: allEvents()})
	if err != nil {
		return err
	}
	v.Notice = notice
	return h.render(c, http.StatusOK, v)
}

// endpoint shows one endpoint with its delivery log.
func (h webhookPages) endpoint(c fiber.Ctx) error {
	v, err := h.loadEndpoint(c, c.Params("id"), c.Query("cursor"))
	if err != nil {
		return err
	}
	return h.views.page(c, http.StatusOK, pageSettingsWebhook, v)
}

// redeliver makes one more attempt of a delivery now.
func (h webhookPages) redeliver(c fiber.Ctx) error {
	endpoint := c.FormValue("endpoint")
	err := h.api.redeliverWebhook(c.Context(), memberOf(c), c.Params("id"))
	notice := "The webhook is being delivered again."
	if p, ok := asProblem(err); ok && p.Status == http.StatusConflict {
		notice, err = orDefault(p.Detail, p.Title), nil
	}
	if err != nil {
		return webhookFailure(err)
	}
	if !isFragmentRequest(c) {
		return redirect(c, pathWebhookSettings+"/"+endpoint)
	}
	v, err := h.loadEndpoint(c, endpoint, "")
	if err != nil {
		return err
	}
	v.Notice = notice
	return h.views.partial(c, http.StatusOK, partialSettingsWebhook, v)
}

func (h webhookPages) reject(c fiber.Ctx, form webhookForm, msg string) error {
	v, err := h.load(c, form)
	if err != nil {
		return err
	}
	v.Error = msg
	return h.render(c, http.StatusUnprocessableEntity, v)
}

// render answers the panel alone to htmx, the whole page otherwise.
func (h webhookPages) render(c fiber.Ctx, status int, v webhooksView) error {
	if isFragmentRequest(c) {
		return h.views.partial(c, status, partialSettingsWebhooks, v)
	}
	return h.views.page(c, status, pageSettingsWebhooks, v)
}

func (h webhookPages) load(c fiber.Ctx, form webhookForm) (webhooksView, error) {
	v := webhooksView{CSRF: sessionOf(c).csrf(), Form: form, Events: webhook.EndpointEvents}
	l, err := h.api.webhookEndpoints(c.Context(), memberOf(c))
	if err != nil {
		return v, webhookFailure(err)
	}
	v.Endpoints = l.Data
	return v, nil
}

func (h webhookPages) loadEndpoint(c fiber.Ctx, id, cursor string) (webhookView, error) {
	v := webhookView{CSRF: sessionOf(c).csrf()}
	e, err := h.api.webhookEndpoint(c.Context(), memberOf(c), id)
	if err != nil {
		return v, webhookFailure(err)
	}
	l, err := h.api.webhookDeliveries(c.Context(), memberOf(c), id, cursor)
	if err != nil {
		return v, webhookFailure(err)
	}
	v.Endpoint, v.Deliveries = e, l.Data
	if l.NextCursor != nil {
		v.NextCursor = *l.NextCursor
	}
	return v, nil
}

func allEvents() map[string]bool {
	m := map[string]bool{}
	for _, e := range webhook.EndpointEvents {
		m[e] = true
	}
	return m
}

// webhookFailure passes the API's refusals on and turns anything else into a 502 page.
func webhookFailure(err error) error {
	if p, ok := asProblem(err); ok {
		switch p.Status {
		case http.StatusForbidden:
			return errMayNotManageWebhooks.WithErr(err)
		case http.StatusNotFound:
			return apperr.NotFound("webhook endpoint").WithErr(err)
		case http.StatusUnprocessableEntity, http.StatusConflict, http.StatusTooManyRequests:
			return apperr.New(p.Status, orDefault(p.Detail, p.Title)).WithErr(err)
		}
	}
	return errAPIUnavailable.WithErr(err)
}
