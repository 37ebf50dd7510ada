package api

import (
	"context"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/tenant"
	entapi "github.com/assayhq/assay/ent/api"
)

// withAudit runs change in a transaction and appends the audit event it returns (none
// when its Name is empty) in the same transaction, so a change and its entry commit or
// fail together.
func withAudit(ctx context.Context, db *entapi.Client, log *audit.APILog, change func(tx *entapi.Tx) (audit.Event, error)) error {
	return withTx(ctx, db, func(tx *entapi.Tx) error {
		e, err := change(tx)
		if err != nil || e.Name == "" {
			return err
		}
		_, err = log.AppendTx(ctx, tx, e)
		return err
	})
}

// appendAudit appends e in the transaction it is given, for a change whose transaction
// another package runs (a task's cancel).
func appendAudit(log *audit.APILog, e audit.Event) func(context.Context, *entapi.Tx) error {
	return func(ctx context.Context, tx *entapi.Tx) error {
		_, err := log.AppendTx(ctx, tx, e)
		return err
	}
}

// auditRequest puts the client IP (c.IP follows the trusted-proxy rules) and User-Agent
// in the request's context, for every audit event recorded while serving it.
func auditRequest(c fiber.Ctx) error {
	c.SetContext(audit.WithRequest(c.Context(), audit.Request{IP: c.IP(), UserAgent: c.Get(fiber.HeaderUserAgent)}))
	return c.Next()
}

// auditEvent is the audit event of a change the request makes: in the request's
// organization, by its principal. The actor is the web app's user, or the API key
// (its id, with actor_type "apikey" in the details); a service token acts as the web
// app itself.
func auditEvent(c fiber.Ctx, name, targetType, target string, details map[string]string) audit.Event {
	org, _ := tenant.OrgID(c.Context())
	p := principalOf(c)
	d := make(map[string]string, len(details)+1)
	for k, v := range details {
		d[k] = v
	}
	actor, kind := p.userID, audit.ActorTypeUser
	switch {
	case p.isKey:
		actor, kind = p.keyID, audit.ActorTypeAPIKey
	case actor == "":
		kind = audit.ActorTypeWebApp
	}
	d[audit.DetailActorType] = kind
	return audit.Event{Name: name, OrgID: org, ActorID: actor, TargetType: targetType, Target: target, Details: d}
}

// endpointChange names an endpoint update: re-enabled or disabled when enabled flips
// (was is the value before), updated otherwise.
func endpointChange(enabled *bool, was bool) string {
	switch {
	case enabled == nil || *enabled == was:
		return audit.WebhookEndpointUpdated
	case *enabled:
		return audit.WebhookEndpointEnabled
	}
	return audit.WebhookEndpointDisabled
}

// staffTaskEvent is the audit event of a change to a task that the backoffice makes in
// orgID through a service token: the web app acts (the staff user is in its own log).
func staffTaskEvent(name, orgID, target string, details map[string]string) audit.Event {
	d := map[string]string{audit.DetailActorType: audit.ActorTypeWebApp}
	for k, v := range details {
		d[k] = v
	}
	return audit.Event{Name: name, OrgID: orgID, TargetType: "task", Target: target, Details: d}
}
