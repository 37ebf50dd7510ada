package web

import (
	"fmt"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/org"
	"github.com/assayhq/assay/app/tenant"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/identity"
	"github.com/assayhq/assay/ent/web/membership"
)

// member is the signed-in user acting in one organization.
type member struct {
	UserID  string
	Email   string
	OrgID   string
	OrgName string
	Plan    string
	// PlanAt is when Plan was read: the organization row's last change (Claims.PlanAt).
	PlanAt int64
	Role   string
	// Verified is false while the user's email awaits confirmation (the banner shows);
	// a user without an email has nothing to confirm.
	Verified bool
	// MFAEnabled: the user signs in with a second factor. MustEnrollMFA: the organization
	// requires one and the user has none, so only the enrollment pages are open.
	MFAEnabled    bool
	MustEnrollMFA bool
	// Suspended: staff suspended the organization; its members see only that.
	Suspended bool
	// Orgs are all the user's organizations, for the header's switcher.
	Orgs []org.Membership
	// Billing is the subscription banner (trial, past due, ended); nil for none.
	Billing *billingNotice
	// AccountDeletesAt and OrgDeletesAt are when a scheduled deletion of the account or
	// of this organization happens (nil: none scheduled).
	AccountDeletesAt, OrgDeletesAt *time.Time
	// Support is set while staff view the organization under a support grant: every
	// page then says so (admin_support.go).
	Support *supportBanner
}

func memberOf(c fiber.Ctx) *member {
	a, _ := c.Locals(localAccount).(*member)
	return a
}

// authn loads the signed-in account for each request that needs one.
type authn struct {
	db       *entweb.Client
	sessions *sessionManager
	grace    time.Duration // billing's grace period, for the past-due banner
	// support serves staff under an owner's support grant (see admin_support.go).
	support *supportAccess
}

// require is middleware: it loads the session's user and membership, scopes the request
// context to the organization, and sends anyone else to /login. A disabled user ends the
// session; so does a removed membership, unless the user has another (see lost).
func (a authn) require(c fiber.Ctx) error { return a.check(c, false) }

// requireEnrolling is require for the pages a member must reach while their
// organization requires MFA they have not set up: the MFA settings and re-authentication.
func (a authn) requireEnrolling(c fiber.Ctx) error { return a.check(c, true) }

// check is require; unless enrolling, a member who must set up MFA is sent to it first.
func (a authn) check(c fiber.Ctx, enrolling bool) error {
	ws := sessionOf(c)
	userID, orgID := ws.str(keyUserID), ws.str(keyOrgID)
	if userID == "" || orgID == "" {
		return redirect(c, "/login")
	}
	if a.support != nil && ws.str(keySupportOrg) != "" {
		return a.support.serve(c, userID)
	}
	acc, err := a.load(c, userID, orgID)
	if err != nil {
		return err
	}
	if acc == nil {
		return a.lost(c, userID)
	}
	c.Locals(localAccount, acc)
	if acc.Suspended && c.Path() != pathOrgsSwitch {
		return errSuspended
	}
	if acc.MustEnrollMFA && !enrolling {
		return redirect(c, pathSettingsSecurity)
	}
	c.SetContext(tenant.With(c.Context(), acc.OrgID))
	return c.Next()
}

// load returns the account, or nil when the user or membership is gone or disabled.
func (a authn) load(c fiber.Ctx, userID, orgID string) (*member, error) {
	ctx := c.Context()
	u, err := a.db.User.Get(ctx, userID)
	if entweb.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("web: load user: %w", err)
	}
	if u.DisabledAt != nil {
		return nil, nil
	}
	m, err := a.db.Membership.Query().
		Where(membership.UserID(userID), membership.OrgID(orgID)).Only(ctx)
	if entweb.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("web: load membership: %w", err)
	}
	o, err := a.db.Organization.Get(ctx, orgID)
	if entweb.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("web: load organization: %w", err)
	}
	email := u.Email
	if email == "" {
		// Signed up through a provider without a verified email: show what it sent.
		id, err := a.db.Identity.Query().Where(identity.UserID(u.ID)).
			Order(entweb.Asc(identity.FieldCreatedAt)).First(ctx)
		if err != nil && !entweb.IsNotFound(err) {
			return nil, fmt.Errorf("web: load identity: %w", err)
		}
		if id != nil {
			email = id.Email
		}
	}
	orgs, err := org.Memberships(ctx, a.db, u.ID)
	if err != nil {
		return nil, fmt.Errorf("web: load organizations: %w", err)
	}
	notice, err := loadBillingNotice(ctx, a.db, o.ID, a.grace)
	if err != nil {
		return nil, err
	}
	return &member{
		Orgs: orgs, Billing: notice,
		UserID: u.ID, Email: email, OrgID: o.ID, OrgName: o.Name, Plan: o.Plan, PlanAt: o.UpdatedAt.UnixMicro(), Role: string(m.Role),
		Verified:   u.EmailVerifiedAt != nil || u.Email == "",
		MFAEnabled: u.MfaEnabledAt != nil, MustEnrollMFA: o.RequireMfa && u.MfaEnabledAt == nil,
		Suspended: o.SuspendedAt != nil,
		// Scheduled deletions show as a banner on every page until done or cancelled.
		AccountDeletesAt: u.DeleteAfter, OrgDeletesAt: o.DeleteAfter,
	}, nil
}

// redirectIfSignedIn sends a signed-in visitor from the landing, login and signup pages
// to the dashboard.
func redirectIfSignedIn(c fiber.Ctx) error {
	if ws := sessionOf(c); ws != nil && ws.str(keyUserID) != "" {
		return redirect(c, "/dashboard")
	}
	return c.Next()
}
