package web

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/access"
	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/tenant"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/supportgrant"
)

const (
	pathSettingsSupport = "/settings/organization/support"
	pageSettingsSupport = "pages/settings_support"
	// keySupportOrg is the organization staff are viewing under a support grant;
	// keySupportPrev is the organization their session was in before.
	keySupportOrg   = "support_org"
	keySupportPrev  = "support_prev"
	maxSupportHours = 72
)

var errSuspended = apperr.Forbidden("This organization is suspended. Contact support to restore it.")

// activeGrant is the organization's support grant in force at now, or nil.
func activeGrant(ctx context.Context, db *entweb.Client, orgID string, now time.Time) (*entweb.SupportGrant, error) {
	g, err := db.SupportGrant.Query().
		Where(supportgrant.OrgID(orgID), supportgrant.RevokedAtIsNil(), supportgrant.ExpiresAtGT(now.UTC())).
		Order(entweb.Desc(supportgrant.FieldExpiresAt)).First(ctx)
	if entweb.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("web: support grant: %w", err)
	}
	return g, nil
}

// supportBanner is what every page tells staff in support mode: whose organization they
// are in and until when (the exit posts to /admin/support/leave).
type supportBanner struct {
	OrgName string
	EndsAt  time.Time
}

// supportAccess lets staff into an organization as a member while its owner's grant is
// in force, stamping and auditing each request, and keeps members of a suspended
// organization out of the app.
type supportAccess struct {
	db       *entweb.Client
	sessions *sessionManager
	audit    audit.Func
	now      func() time.Time
}

// serve is authn's path for a session in support mode: the staff user acts as a member
// of the organization while the grant lasts; once it has expired or been revoked (or the
// user is no longer staff) the session returns to its own organization.
func (s *supportAccess) serve(c fiber.Ctx, userID string) error {
	ctx := c.Context()
	ws := sessionOf(c)
	orgID := ws.str(keySupportOrg)
	u, err := s.db.User.Get(ctx, userID)
	if err != nil && !entweb.IsNotFound(err) {
		return fmt.Errorf("web: support: %w", err)
	}
	var g *entweb.SupportGrant
	if u != nil && u.Staff && u.DisabledAt == nil {
		if g, err = activeGrant(ctx, s.db, orgID, s.now()); err != nil {
			return err
		}
	}
	o, err := s.db.Organization.Get(ctx, orgID)
	if err != nil && !entweb.IsNotFound(err) {
		return fmt.Errorf("web: support: %w", err)
	}
	if g == nil || o == nil {
		if err := s.leave(c); err != nil {
			return err
		}
		if u == nil || !u.Staff {
			return redirect(c, "/login")
		}
		return redirect(c, pathAdminOrgs+"/"+orgID)
	}
	acc := &member{
		UserID: u.ID, Email: u.Email, OrgID: o.ID, OrgName: o.Name + " (support)", Plan: o.Plan,
		PlanAt: o.UpdatedAt.UnixMicro(), Role: access.RoleMember, Verified: true, MFAEnabled: u.MfaEnabledAt != nil,
		Support: &supportBanner{OrgName: o.Name, EndsAt: g.ExpiresAt.UTC()},
	}
	c.Locals(localAccount, acc)
	c.SetContext(tenant.With(ctx, o.ID))
	s.audit(context.WithoutCancel(ctx), audit.Event{
		Name: audit.SupportRequest, OrgID: o.ID, ActorID: u.ID, ActorEmail: u.Email,
		TargetType: "organization", Target: o.ID,
		Details: map[string]string{"impersonating_org": o.ID, "method": c.Method(), "path": c.Path()},
	})
	return c.Next()
}

// enter puts the staff user's session into orgID (support mode).
func (s *supportAccess) enter(c fiber.Ctx, orgID string) error {
	ws := sessionOf(c)
	if ws.str(keySupportOrg) == "" {
		ws.sess.Values[keySupportPrev] = ws.str(keyOrgID)
	}
	ws.sess.Values[keySupportOrg] = orgID
	ws.sess.Values[keyOrgID] = orgID
	return s.sessions.save(c)
}

// leave returns the session to the organization it was in before support mode.
func (s *supportAccess) leave(c fiber.Ctx) error {
	ws := sessionOf(c)
	if ws.str(keySupportOrg) == "" {
		return nil
	}
	ws.sess.Values[keyOrgID] = ws.str(keySupportPrev)
	delete(ws.sess.Values, keySupportOrg)
	delete(ws.sess.Values, keySupportPrev)
	return s.sessions.save(c)
}

// supportEnter is the backoffice's "view as member": allowed while the owner's grant lasts.
func (h *adminPages) supportEnter(c fiber.Ctx) error {
	o, err := h.loadOrg(c)
	if err != nil {
		return err
	}
	g, err := activeGrant(c.Context(), h.db, o.ID, time.Now())
	if err != nil {
		return err
	}
	if g == nil {
		return h.orgDetail(c, http.StatusConflict, o, "The owner has not granted support access (or it has ended).")
	}
	if err := h.support.enter(c, o.ID); err != nil {
		return err
	}
	h.record(c, audit.AdminSupportEntered, o.ID, "organization", o.ID,
		map[string]string{"impersonating_org": o.ID, "grant_expires_at": g.ExpiresAt.UTC().Format(time.RFC3339)})
	return redirect(c, "/dashboard")
}

// supportLeave ends support mode.
func (h *adminPages) supportLeave(c fiber.Ctx) error {
	orgID := sessionOf(c).str(keySupportOrg)
	if err := h.support.leave(c); err != nil {
		return err
	}
	if orgID == "" {
		return redirect(c, pathAdminOrgs)
	}
	h.record(c, audit.AdminSupportLeft, orgID, "organization", orgID, nil)
	return redirect(c, pathAdminOrgs+"/"+orgID)
}

// supportSettings is the owner's page granting and revoking staff access.
type supportSettings struct {
	db    *entweb.Client
	views *renderer
	audit audit.Func
	now   func() time.Time
}

type supportPage struct {
	Grant *entweb.SupportGrant
	Hours string
	Error string
}

var errOwnersOnly = apperr.Forbidden("Only the organization's owners can grant support access.")

func (h supportSettings) owner(c fiber.Ctx) (*member, error) {
	m := memberOf(c)
	if m == nil || m.Role != access.RoleOwner {
		return nil, errOwnersOnly
	}
	return m, nil
}

func (h supportSettings) show(c fiber.Ctx) error {
	m, err := h.owner(c)
	if err != nil {
		return err
	}
	return h.render(c, http.StatusOK, m, supportPage{Hours: "24"})
}

func (h supportSettings) render(c fiber.Ctx, status int, m *member, p supportPage) error {
	g, err := activeGrant(c.Context(), h.db, m.OrgID, h.now())
	if err != nil {
		return err
	}
	p.Grant = g
	return h.views.page(c, status, pageSettingsSupport, p)
}

// grant gives staff access for 1 to 72 hours, replacing any grant in force.
func (h supportSettings) grant(c fiber.Ctx) error {
	m, err := h.owner(c)
	if err != nil {
		return err
	}
	raw := c.FormValue("hours")
	hours, err := strconv.Atoi(raw)
	if err != nil || hours < 1 || hours > maxSupportHours {
		return h.render(c, http.StatusUnprocessableEntity, m, supportPage{Hours: raw, Error: "Choose from 1 to 72 hours."})
	}
	ctx := c.Context()
	now := h.now().UTC()
	expires := now.Add(time.Duration(hours) * time.Hour)
	tx, err := h.db.Tx(ctx)
	if err != nil {
		return fmt.Errorf("web: support grant: %w", err)
	}
	if _, err := tx.SupportGrant.Update().Where(supportgrant.OrgID(m.OrgID), supportgrant.RevokedAtIsNil(),
		supportgrant.ExpiresAtGT(now)).SetRevokedAt(now).Save(ctx); err != nil {
		tx.Rollback()
		return fmt.Errorf("web: support grant: %w", err)
	}
	if err := tx.SupportGrant.Create().SetOrgID(m.OrgID).SetGrantedBy(m.UserID).SetExpiresAt(expires).Exec(ctx); err != nil {
		tx.Rollback()
		return fmt.Errorf("web: support grant: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("web: support grant: %w", err)
	}
	h.audit(ctx, audit.Event{Name: audit.SupportGranted, OrgID: m.OrgID, ActorID: m.UserID, ActorEmail: m.Email,
		TargetType: "organization", Target: m.OrgID,
		Details: map[string]string{"hours": strconv.Itoa(hours), "expires_at": expires.Format(time.RFC3339)}})
	return redirect(c, pathSettingsSupport)
}

// revoke ends the grant in force; staff inside lose access on their next request.
func (h supportSettings) revoke(c fiber.Ctx) error {
	m, err := h.owner(c)
	if err != nil {
		return err
	}
	now := h.now().UTC()
	n, err := h.db.SupportGrant.Update().Where(supportgrant.OrgID(m.OrgID), supportgrant.RevokedAtIsNil(),
		supportgrant.ExpiresAtGT(now)).SetRevokedAt(now).Save(c.Context())
	if err != nil {
		return fmt.Errorf("web: support revoke: %w", err)
	}
	if n > 0 {
		h.audit(c.Context(), audit.Event{Name: audit.SupportRevoked, OrgID: m.OrgID, ActorID: m.UserID, ActorEmail: m.Email,
			TargetType: "organization", Target: m.OrgID})
	}
	return redirect(c, pathSettingsSupport)
}
