// Package tenant carries the organization a request or job acts for. Every query for
// tenant-owned rows is scoped by it in one place: the Ent mixin in ent/mixin reads it.
package tenant

import (
	"context"
	"errors"
)

// ErrMissing means tenant-owned data was touched without a tenant or system context.
var ErrMissing = errors.New("tenant: no organization in context")

type ctxKey struct{}

type scope struct {
	orgID  string
	system bool
}

// With returns a context acting for orgID.
func With(ctx context.Context, orgID string) context.Context {
	return context.WithValue(ctx, ctxKey{}, scope{orgID: orgID})
}

// System returns a context that may touch every tenant's rows (workers, reconciler,
// operator commands). Use it only where no single tenant applies.
func System(ctx context.Context) context.Context {
	return context.WithValue(ctx, ctxKey{}, scope{system: true})
}

// OrgID returns the tenant of ctx, if any.
func OrgID(ctx context.Context) (string, bool) {
	s, ok := ctx.Value(ctxKey{}).(scope)
	return s.orgID, ok && s.orgID != ""
}

// IsSystem reports whether ctx is a system context.
func IsSystem(ctx context.Context) bool {
	s, _ := ctx.Value(ctxKey{}).(scope)
	return s.system
}
