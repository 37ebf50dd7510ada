package api

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/access"
	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/endpoints"
	"github.com/assayhq/assay/app/netguard"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/webhook"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/webhookendpoint"
	"github.com/assayhq/assay/jobs"
)

// webhookHandlers manage an organization's webhook endpoints and their delivery log
// (/v1/api, API keys with scopes, or the web app's tokens of owners and admins).
type webhookHandlers struct {
	db      *entapi.Client
	jobs    *jobs.Client
	sealer  *webhook.Sealer
	checker endpoints.Checker
	now     func() time.Time
	audit   *audit.APILog
}

// endpointView is the JSON of an endpoint; its secret is never in it.
type endpointView struct {
	ID             string     `json:"id"`
	URL            string     `json:"url"`
	Description    string     `json:"description"`
	Events         []string   `json:"events"`
	Enabled        bool       `json:"enabled"`
	DisabledAt     *time.Time `json:"disabled_at"`
	DisabledReason string     `json:"disabled_reason"`
	CreatedAt      time.Time  `json:"created_at"`
	LastSuccessAt  *time.Time `json:"last_success_at"`
	FailingSince   *time.Time `json:"failing_since"`
}

// endpointWithSecret answers a create or a rotation: the only times the secret is shown.
type endpointWithSecret struct {
	endpointView
	Secret string `json:"secret"`
}

func viewEndpoint(e *entapi.WebhookEndpoint) endpointView {
	events := e.EventTypes
	if events == nil {
		events = []string{}
	}
	return endpointView{
		ID: e.ID, URL: e.URL, Description: e.Description, Events: events, Enabled: e.Enabled,
		DisabledAt: stampPtr(e.DisabledAt), DisabledReason: e.DisabledReason, CreatedAt: stamp(e.CreatedAt),
		LastSuccessAt: stampPtr(e.LastSuccessAt), FailingSince: stampPtr(e.FailingSince),
	}
}

func endpointID(e *entapi.WebhookEndpoint) string { return e.ID }

// authorize refuses web users whose role may not manage endpoints (API keys pass on
// their scopes) and a server without an encryption key.
func (h webhookHandlers) authorize(c fiber.Ctx) error {
	if !principalOf(c).isKey {
		if err := allow(c, access.ManageWebhooks); err != nil {
			return err
		}
	}
	if h.sealer == nil {
		return apperr.Unavailable("webhook endpoints are not configured on this server", nil)
	}
	return nil
}

// load answers the endpoint of the request's organization, or 404.
func (h webhookHandlers) load(c fiber.Ctx) (*entapi.WebhookEndpoint, error) {
	e, err := h.db.WebhookEndpoint.Query().
		Where(webhookendpoint.ID(c.Params("id")), webhookendpoint.DeletedAtIsNil()).Only(c.Context())
	if entapi.IsNotFound(err) {
		return nil, apperr.NotFound("webhook endpoint")
	}
	if err != nil {
		return nil, fmt.Errorf("webhooks: load endpoint: %w", err)
	}
	return e, nil
}

// list answers the organization's endpoints, newest first.
func (h webhookHandlers) list(c fiber.Ctx) error {
	if err := h.authorize(c); err != nil {
		return err
	}
	p, err := parsePage(c)
	if err != nil {
		return err
	}
	q := h.db.WebhookEndpoint.Query().Where(webhookendpoint.DeletedAtIsNil())
	if p.cursor != "" {
		q = q.Where(webhookendpoint.IDLT(p.cursor))
	}
	rows, err := q.Order(entapi.Desc(webhookendpoint.FieldID)).Limit(p.limit + 1).All(c.Context())
	if err != nil {
		return fmt.Errorf("webhooks: list: %w", err)
	}
	return c.JSON(newList(rows, p, endpointID, viewEndpoint))
}

func (h webhookHandlers) show(c fiber.Ctx) error {
	if err := h.authorize(c); err != nil {
		return err
	}
	e, err := h.load(c)
	if err != nil {
		return err
	}
	return c.JSON(viewEndpoint(e))
}

// endpointRequest is the body of a create and of a change (absent fields unchanged).
type endpointRequest struct {
	URL         *string   `json:"url"`
	Description *string   `json:"description"`
	Events      *[]string `json:"events"`
	Enabled     *bool     `json:"enabled"`
}

func (h webhookHandlers) create(c fiber.Ctx) error {
	if err := h.authorize(c); err != nil {
		return err
	}
	var in endpointRequest
	if err := readJSON(c, &in); err != nil {
		return err
	}
	if in.URL == nil {
		return apperr.Invalid("url is required")
	}
	if in.Events == nil {
		return apperr.Invalid("events is required: " + strings.Join(webhook.EndpointEvents, ", "))
	}
	url, err := h.checkURL(c, *in.URL)
	if err != nil {
		return err
	}
	events, err := checkEvents(*in.Events)
	if err != nil {
		return err
	}
	desc, err := checkDescription(in.Description)
	if err != nil {
		return err
	}
	id, secret := platform.NewID(), webhook.NewSecret()
	var e *entapi.WebhookEndpoint
	err = h.audited(c, audit.WebhookEndpointCreated, id, func(tx *entapi.Tx) (err error) {
		e, err = tx.WebhookEndpoint.Create().
			SetID(id).SetURL(url).SetDescription(desc).SetEventTypes(events).
			SetSecretSealed(endpoints.Seal(h.sealer, id, secret)).
			Save(c.Context())
		return err
	})
	if err != nil {
		return fmt.Errorf("webhooks: create: %w", err)
	}
	return c.Status(fiber.StatusCreated).JSON(endpointWithSecret{endpointView: viewEndpoint(e), Secret: secret})
}

// update changes url, description, events or enabled. Enabling a disabled endpoint
// restarts its failure clock.
func (h webhookHandlers) update(c fiber.Ctx) error {
	if err := h.authorize(c); err != nil {
		return err
	}
	var in endpointRequest
	if err := readJSON(c, &in); err != nil {
		return err
	}
	e, err := h.load(c)
	if err != nil {
		return err
	}
	// The changes are checked first and applied with the audit entry in one transaction.
	var sets []func(*entapi.WebhookEndpointUpdateOne)
	if in.URL != nil {
		url, err := h.checkURL(c, *in.URL)
		if err != nil {
			return err
		}
		sets = append(sets, func(u *entapi.WebhookEndpointUpdateOne) { u.SetURL(url) })
	}
	if in.Events != nil {
		events, err := checkEvents(*in.Events)
		if err != nil {
			return err
		}
		sets = append(sets, func(u *entapi.WebhookEndpointUpdateOne) { u.SetEventTypes(events) })
	}
	if in.Description != nil {
		desc, err := checkDescription(in.Description)
		if err != nil {
			return err
		}
		sets = append(sets, func(u *entapi.WebhookEndpointUpdateOne) { u.SetDescription(desc) })
	}
	if in.Enabled != nil && *in.Enabled != e.Enabled {
		at := h.now().UTC()
		sets = append(sets, func(u *entapi.WebhookEndpointUpdateOne) {
			if *in.Enabled {
				u.SetEnabled(true).ClearDisabledAt().SetDisabledReason("").ClearFailingSince()
			} else {
				u.SetEnabled(false).SetDisabledAt(at).SetDisabledReason("disabled by a user")
			}
		})
	}
	err = h.audited(c, endpointChange(in.Enabled, e.Enabled), e.ID, func(tx *entapi.Tx) (err error) {
		u := tx.WebhookEndpoint.UpdateOne(e)
		for _, set := range sets {
			set(u)
		}
		e, err = u.Save(c.Context())
		return err
	})
	if err != nil {
		return fmt.Errorf("webhooks: update: %w", err)
	}
	return c.JSON(viewEndpoint(e))
}

// delete removes the endpoint (softly: its delivery log stays until data deletion);
// nothing more is sent to it.
func (h webhookHandlers) delete(c fiber.Ctx) error {
	if err := h.authorize(c); err != nil {
		return err
	}
	e, err := h.load(c)
	if err != nil {
		return err
	}
	err = h.audited(c, audit.WebhookEndpointDeleted, e.ID, func(tx *entapi.Tx) error {
		return tx.WebhookEndpoint.UpdateOne(e).SetDeletedAt(h.now().UTC()).SetEnabled(false).Exec(c.Context())
	})
	if err != nil {
		return fmt.Errorf("webhooks: delete: %w", err)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// rotate gives the endpoint a new secret, answered once; the old one keeps signing
// alongside it for endpoints.RotationGrace.
func (h webhookHandlers) rotate(c fiber.Ctx) error {
	if err := h.authorize(c); err != nil {
		return err
	}
	e, err := h.load(c)
	if err != nil {
		return err
	}
	secret := webhook.NewSecret()
	err = h.audited(c, audit.WebhookEndpointRotated, e.ID, func(tx *entapi.Tx) (err error) {
		e, err = tx.WebhookEndpoint.UpdateOne(e).
			SetPreviousSecretSealed(e.SecretSealed).
			SetPreviousSecretExpiresAt(h.now().UTC().Add(endpoints.RotationGrace)).
			SetSecretSealed(endpoints.Seal(h.sealer, e.ID, secret)).
			Save(c.Context())
		return err
	})
	if err != nil {
		return fmt.Errorf("webhooks: rotate: %w", err)
	}
	return c.JSON(endpointWithSecret{endpointView: viewEndpoint(e), Secret: secret})
}

// audited runs write with the audit entry of action on endpoint id (see withAudit).
func (h webhookHandlers) audited(c fiber.Ctx, action, id string, write func(tx *entapi.Tx) error) error {
	return withAudit(c.Context(), h.db, h.audit, func(tx *entapi.Tx) (audit.Event, error) {
		return auditEvent(c, action, "webhook_endpoint", id, nil), write(tx)
	})
}

func (h webhookHandlers) checkURL(c fiber.Ctx, raw string) (string, error) {
	u, err := h.checker.Check(c.Context(), raw)
	var inv *endpoints.InvalidURLError
	if errors.As(err, &inv) {
		return "", apperr.Invalid(inv.Msg)
	}
	if err != nil {
		return "", fmt.Errorf("webhooks: check url: %w", err)
	}
	return u.String(), nil
}

func checkEvents(in []string) ([]string, error) {
	if len(in) == 0 {
		return nil, apperr.Invalid("events must name at least one of: " + strings.Join(webhook.EndpointEvents, ", "))
	}
	var out []string
	for _, e := range in {
		if !webhook.IsEndpointEvent(e) {
			return nil, apperr.Invalid(fmt.Sprintf("events: %q is not one of %s", e, strings.Join(webhook.EndpointEvents, ", ")))
		}
		if !slices.Contains(out, e) {
			out = append(out, e)
		}
	}
	return out, nil
}

func checkDescription(d *string) (string, error) {
	if d == nil {
		return "", nil
	}
	s := strings.TrimSpace(*d)
	if len(s) > 500 {
		return "", apperr.Invalid("description is longer than 500 characters")
	}
	return s, nil
}

func newWebhookHandlers(d Deps) webhookHandlers {
	allowed, _ := d.Config.AllowedPrivatePrefixes() // validated at load
	return webhookHandlers{
		db: d.DB, jobs: d.Jobs, sealer: d.Sealer, now: time.Now, audit: d.Audit,
		checker: endpoints.Checker{Guard: netguard.New(allowed), HTTPSOnly: d.Config.Production(), Resolver: d.Resolver},
	}
}
