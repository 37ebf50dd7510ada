package web

import (
	"context"
	"log/slog"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/audit"
)

// auditRequest puts the client IP (c.IP follows the trusted-proxy rules) and User-Agent
// in the request's context, for every audit event recorded while serving it.
func auditRequest(c fiber.Ctx) error {
	c.SetContext(audit.WithRequest(c.Context(), audit.Request{IP: c.IP(), UserAgent: c.Get(fiber.HeaderUserAgent)}))
	return c.Next()
}

// memberEvent is an event by the signed-in member, about their own account unless a
// target is given.
func memberEvent(c fiber.Ctx, name string) audit.Event {
	m := memberOf(c)
	return audit.Event{Name: name, OrgID: m.OrgID, ActorID: m.UserID, ActorEmail: m.Email, TargetType: "user", Target: m.UserID}
}

// oidcEvents adapts the provider sign-in's events to record: user_id names the actor,
// the other attributes become details (the IP is the request's already).
func oidcEvents(record audit.Func) func(context.Context, string, ...slog.Attr) {
	return func(ctx context.Context, name string, attrs ...slog.Attr) {
		e := audit.Event{Name: name, Details: map[string]string{}}
		for _, a := range attrs {
			switch a.Key {
			case "ip":
			case "user_id":
				e.ActorID, e.TargetType, e.Target = a.Value.String(), "user", a.Value.String()
			default:
				e.Details[a.Key] = a.Value.String()
			}
		}
		record(ctx, e)
	}
}
