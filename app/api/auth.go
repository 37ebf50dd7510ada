package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/plan"
	"github.com/assayhq/assay/app/tenant"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/apikey"
	enttenant "github.com/assayhq/assay/ent/api/tenant"
)

// touchEvery bounds how often a key's last_used_at is written.
const touchEvery = time.Minute

var errBadCredentials = apperr.Unauthorized("invalid or missing credentials")

// localCaller is the Locals key of who made an authenticated request ("key:<id>", or
// "user:<id>:<org>" for the web app's tokens): what the per-caller rate limit counts by.
type callerKey struct{}

var localCaller = callerKey{}

// tenantPlan is a plan for an organization's tenant row, and when the web app read it
// (auth.Claims.PlanAt): the row keeps the newest.
type tenantPlan struct {
	plan   string
	limits plan.Limits
	at     int64
}

// authenticator resolves the bearer token of a request to an organization.
type authenticator struct {
	db       *entapi.Client
	verifier *auth.Verifier
	log      *slog.Logger
	now      func() time.Time

	mu      sync.Mutex
	tenants map[string]tenantPlan // org id → plan stored in the Tenant row
}

func newAuthenticator(db *entapi.Client, v *auth.Verifier, log *slog.Logger) *authenticator {
	return &authenticator{
		db: db, verifier: v, log: log, now: time.Now,
		tenants: map[string]tenantPlan{},
	}
}

// authenticate accepts `Authorization: Bearer <API key or JWT>` and scopes the request
// context to the caller's organization, so every Ent query is filtered by it.
func (a *authenticator) authenticate(c fiber.Ctx) error { return a.resolve(c, true) }

// authenticateWeb is authenticate for /v1/internal: only the web app's tokens; a valid
// API key is refused with 403 (and its use is not recorded).
func (a *authenticator) authenticateWeb(c fiber.Ctx) error { return a.resolve(c, false) }

func (a *authenticator) resolve(c fiber.Ctx, allowKeys bool) error {
	token, ok := bearer(c.Get(fiber.HeaderAuthorization))
	if !ok {
		return errBadCredentials
	}
	ctx := c.Context()
	var (
		org, caller string
		who         principal
		err         error
	)
	if prefix, isKey := auth.APIKeyPrefix(token); isKey {
		// The key's tenant row, read on every request, says whether it is suspended.
		org, caller, who, err = a.apiKey(ctx, token, prefix, allowKeys)
	} else if org, caller, who, err = a.jwt(ctx, token); err == nil {
		err = refuseSuspended(ctx, a.db, org)
	}
	if err != nil {
		return err
	}
	c.Locals(localCaller, caller)
	c.Locals(localPrincipal, who)
	c.SetContext(withQuota(tenant.With(ctx, org), who.quota))
	return c.Next()
}

// bearer extracts the token of a Bearer authorization header.
func bearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// apiKey checks a key against its stored row, read on every request so a revoked or
// expired key fails at once, and returns its organization, caller and scopes. A valid
// key is refused with 403 unless allowed.
func (a *authenticator) apiKey(ctx context.Context, key, prefix string, allowed bool) (org, caller string, who principal, err error) {
	k, err := a.db.APIKey.Query().Where(apikey.Prefix(prefix)).Only(tenant.System(ctx))
	if entapi.IsNotFound(err) {
		return "", "", who, errBadCredentials
	}
	if err != nil {
		return "", "", who, fmt.Errorf("auth: find api key: %w", err)
	}
	if !auth.EqualHash(k.SecretHash, auth.HashAPIKey(key)) {
		return "", "", who, errBadCredentials
	}
	now := a.now()
	if k.RevokedAt != nil {
		return "", "", who, apperr.Unauthorized("the API key has been revoked")
	}
	if k.ExpiresAt != nil && !now.Before(*k.ExpiresAt) {
		return "", "", who, apperr.Unauthorized("the API key has expired")
	}
	if !allowed {
		return "", "", who, errKeyNotAllowed
	}
	a.touch(ctx, k, now)
	q := quota{}
	t, err := a.db.Tenant.Get(tenant.System(ctx), k.OrgID)
	switch {
	case err == nil && t.SuspendedAt != nil:
		return "", "", who, errSuspended
	case err == nil:
		q = tenantQuota(t)
	case !entapi.IsNotFound(err):
		return "", "", who, fmt.Errorf("auth: load tenant: %w", err)
	}
	return k.OrgID, "key:" + k.ID, principal{isKey: true, keyID: k.ID, scopes: k.Scopes, quota: q}, nil
}

// touch records the key's use at most once a minute: the row just read says whether a
// write is due, and the UPDATE repeats the condition, so concurrent requests (in any
// number of processes) write once.
func (a *authenticator) touch(ctx context.Context, k *entapi.APIKey, now time.Time) {
	now = now.UTC()
	if k.LastUsedAt != nil && now.Sub(*k.LastUsedAt) < touchEvery {
		return
	}
	err := a.db.APIKey.Update().
		Where(apikey.ID(k.ID), apikey.Or(apikey.LastUsedAtIsNil(), apikey.LastUsedAtLTE(now.Add(-touchEvery)))).
		SetLastUsedAt(now).
		Exec(tenant.With(ctx, k.OrgID))
	if err != nil {
		// Bookkeeping only: the request goes on.
		a.log.WarnContext(ctx, "auth: record api key use", "key_id", k.ID, "error", err)
	}
}

// jwt verifies a token minted by the web app and makes sure the organization exists
// here. The caller is the user in that organization.
func (a *authenticator) jwt(ctx context.Context, token string) (org, caller string, who principal, err error) {
	if a.verifier == nil {
		return "", "", who, errBadCredentials
	}
	claims, err := a.verifier.Verify(ctx, token)
	if errors.Is(err, auth.ErrKeysUnavailable) {
		return "", "", who, apperr.Unavailable("tokens cannot be verified right now; retry shortly", err)
	}
	if err != nil {
		return "", "", who, errBadCredentials.WithErr(err)
	}
	if claims.OrgID == "" {
		return "", "", who, errBadCredentials.WithErr(errors.New("auth: token without org"))
	}
	q, err := a.ensureTenant(ctx, claims)
	if err != nil {
		return "", "", who, err
	}
	who = principal{userID: claims.Subject, role: claims.Role, quota: q}
	return claims.OrgID, "user:" + claims.Subject + ":" + claims.OrgID, who, nil
}

// ensureTenant upserts the Tenant row once per organization and process, and again when
// the plan carried by the token changes, and returns the quota the request is held to:
// the token's, or the tenant row's when the row holds a plan read after the token's (a
// token minted before a plan change is held to the new plan).
func (a *authenticator) ensureTenant(ctx context.Context, claims *auth.Claims) (quota, error) {
	want := tenantPlan{plan: claims.Plan, limits: claims.Limits, at: claims.PlanAt}
	if want.plan == "" {
		want.plan = "free"
	}
	a.mu.Lock()
	have, ok := a.tenants[claims.OrgID]
	a.mu.Unlock()
	token := quota{plan: claims.Plan, limits: claims.Limits}
	if ok && have == want {
		return token, nil
	}
	stored, err := upsertTenant(ctx, a.db, claims.OrgID, want)
	if err != nil {
		return quota{}, err
	}
	if stored {
		a.remember(claims.OrgID, want)
		return token, nil
	}
	t, err := a.db.Tenant.Get(tenant.System(ctx), claims.OrgID)
	if err != nil {
		return quota{}, fmt.Errorf("auth: load tenant: %w", err)
	}
	return tenantQuota(t), nil
}

// remember records what the tenant row of org now holds.
func (a *authenticator) remember(org string, p tenantPlan) {
	a.mu.Lock()
	a.tenants[org] = p
	a.mu.Unlock()
}

// upsertTenant creates the tenant row of org if missing, then writes p into it unless
// the row holds a plan read later than p (a token minted before a plan change, or a
// push overtaken by a newer one): plan writes only move forward. stored reports whether
// the row now holds p.
func upsertTenant(ctx context.Context, db *entapi.Client, org string, p tenantPlan) (stored bool, err error) {
	ctx = tenant.System(ctx)
	l := p.limits
	err = db.Tenant.Create().
		SetID(org).
		SetPlan(p.plan).SetPlanAt(p.at).
		SetMaxUploadBytes(l.MaxUploadBytes).SetMaxRows(l.MaxRows).SetTasksPerMonth(l.TasksPerMonth).
		SetMembers(l.Members).SetAPIRatePerMinute(l.APIRatePerMinute).SetRetentionDays(l.RetentionDays).
		OnConflictColumns(enttenant.FieldID).
		Ignore().
		Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("auth: upsert tenant: %w", err)
	}
	// The compare is in the UPDATE itself, so concurrent writers cannot interleave a
	// read and a write: the newest plan wins whatever the order they arrive in.
	n, err := db.Tenant.Update().
		Where(enttenant.ID(org), enttenant.PlanAtLTE(p.at)).
		SetPlan(p.plan).SetPlanAt(p.at).
		SetMaxUploadBytes(l.MaxUploadBytes).SetMaxRows(l.MaxRows).SetTasksPerMonth(l.TasksPerMonth).
		SetMembers(l.Members).SetAPIRatePerMinute(l.APIRatePerMinute).SetRetentionDays(l.RetentionDays).
		Save(ctx)
	if err != nil {
		return false, fmt.Errorf("auth: update tenant plan: %w", err)
	}
	return n > 0, nil
}
