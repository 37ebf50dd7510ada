package web

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"entgo.io/ent/dialect/sql"
	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/plan"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/membership"
	"github.com/assayhq/assay/ent/web/organization"
	"github.com/assayhq/assay/ent/web/predicate"
	"github.com/assayhq/assay/ent/web/task"
	"github.com/assayhq/assay/ent/web/user"
)

const pathAdminOrgs = "/admin/orgs"

func userIsStaff() predicate.User            { return user.Staff(true) }
func orgIsSuspended() predicate.Organization { return organization.SuspendedAtNotNil() }
func orgIDOrder() func(*sql.Selector)        { return entweb.Desc(organization.FieldID) }
func likeQuery(q string) string              { return strings.TrimSpace(q) }
func planIDs() (ids []string) {
	for _, p := range plan.All() {
		ids = append(ids, p.ID)
	}
	return ids
}

type orgsPage struct {
	Q, Plan, Status string
	Plans           []string
	Rows            []*entweb.Organization
	Next            string
}

// orgsList lists organizations, newest first: ?q= (name or id), ?plan=, ?status=suspended|active.
func (h *adminPages) orgsList(c fiber.Ctx) error {
	p := orgsPage{Q: likeQuery(c.Query("q")), Plan: c.Query("plan"), Status: c.Query("status"), Plans: planIDs()}
	q := h.db.Organization.Query()
	if p.Q != "" {
		q = q.Where(organization.Or(organization.NameContainsFold(p.Q), organization.ID(p.Q)))
	}
	if p.Plan != "" {
		q = q.Where(organization.Plan(p.Plan))
	}
	switch p.Status {
	case "suspended":
		q = q.Where(organization.SuspendedAtNotNil())
	case "active":
		q = q.Where(organization.SuspendedAtIsNil())
	}
	if cur := c.Query("cursor"); cur != "" {
		q = q.Where(organization.IDLT(cur))
	}
	rows, err := q.Order(orgIDOrder()).Limit(adminPageSize + 1).All(c.Context())
	if err != nil {
		return fmt.Errorf("web: admin orgs: %w", err)
	}
	p.Rows, p.Next = cursorPage(rows, func(o *entweb.Organization) string { return o.ID })
	return h.page(c, http.StatusOK, "admin/orgs", p)
}

type orgMember struct {
	UserID, Email, Role string
}

type orgDetailPage struct {
	Org     *entweb.Organization
	Plans   []string
	Members []orgMember
	Tasks   []*entweb.Task
	// Support is when the owner's support grant ends (nil: none active).
	Support *time.Time
	Error   string
}

func (h *adminPages) loadOrg(c fiber.Ctx) (*entweb.Organization, error) {
	o, err := h.db.Organization.Get(c.Context(), c.Params("id"))
	if entweb.IsNotFound(err) {
		return nil, apperr.NotFound("organization")
	}
	if err != nil {
		return nil, fmt.Errorf("web: admin org: %w", err)
	}
	return o, nil
}

// orgShow is one organization: plan, state, members and recent tasks.
func (h *adminPages) orgShow(c fiber.Ctx) error {
	o, err := h.loadOrg(c)
	if err != nil {
		return err
	}
	return h.orgDetail(c, http.StatusOK, o, "")
}

func (h *adminPages) orgDetail(c fiber.Ctx, status int, o *entweb.Organization, msg string) error {
	ctx := c.Context()
	p := orgDetailPage{Org: o, Plans: planIDs(), Error: msg}
	ms, err := h.db.Membership.Query().Where(membership.OrgID(o.ID)).Order(entweb.Asc(membership.FieldCreatedAt)).All(ctx)
	if err != nil {
		return fmt.Errorf("web: admin org members: %w", err)
	}
	for _, m := range ms {
		row := orgMember{UserID: m.UserID, Role: string(m.Role)}
		if u, err := h.db.User.Get(ctx, m.UserID); err == nil {
			row.Email = u.Email
		}
		p.Members = append(p.Members, row)
	}
	if p.Tasks, err = h.db.Task.Query().Where(task.OrgID(o.ID)).Order(entweb.Desc(task.FieldCreatedAt)).Limit(20).All(ctx); err != nil {
		return fmt.Errorf("web: admin org tasks: %w", err)
	}
	if g, err := activeGrant(ctx, h.db, o.ID, time.Now()); err != nil {
		return err
	} else if g != nil {
		p.Support = &g.ExpiresAt
	}
	return h.page(c, status, "admin/org", p)
}

// orgPlan overrides the organization's plan.
func (h *adminPages) orgPlan(c fiber.Ctx) error {
	o, err := h.loadOrg(c)
	if err != nil {
		return err
	}
	id := c.FormValue("plan")
	if _, ok := plan.Get(id); !ok {
		return h.orgDetail(c, http.StatusUnprocessableEntity, o, "Choose one of the plans.")
	}
	if id != o.Plan {
		if err := h.db.Organization.UpdateOne(o).SetPlan(id).Exec(c.Context()); err != nil {
			return fmt.Errorf("web: admin org plan: %w", err)
		}
		h.record(c, audit.AdminOrgPlanChanged, o.ID, "organization", o.ID, map[string]string{"from": o.Plan, "to": id})
		h.planChanged(c.Context(), o.ID)
	}
	return redirect(c, pathAdminOrgs+"/"+o.ID)
}

// orgSuspend suspends the organization: its members see the suspended page instead of
// the app, and the API refuses its keys and tokens and starts none of its tasks.
func (h *adminPages) orgSuspend(c fiber.Ctx) error {
	o, err := h.loadOrg(c)
	if err != nil {
		return err
	}
	if o.SuspendedAt == nil {
		if err := h.db.Organization.UpdateOne(o).SetSuspendedAt(time.Now().UTC()).Exec(c.Context()); err != nil {
			return fmt.Errorf("web: admin org suspend: %w", err)
		}
		h.record(c, audit.AdminOrgSuspended, o.ID, "organization", o.ID, map[string]string{"reason": truncate(c.FormValue("reason"), 200)})
	}
	// Pushed at once; if the API is unreachable the plan sweep pushes it within a minute.
	h.planChanged(c.Context(), o.ID)
	return redirect(c, pathAdminOrgs+"/"+o.ID)
}

// orgRestore lifts a suspension.
func (h *adminPages) orgRestore(c fiber.Ctx) error {
	o, err := h.loadOrg(c)
	if err != nil {
		return err
	}
	if o.SuspendedAt != nil {
		if err := h.db.Organization.UpdateOne(o).ClearSuspendedAt().Exec(c.Context()); err != nil {
			return fmt.Errorf("web: admin org restore: %w", err)
		}
		h.record(c, audit.AdminOrgRestored, o.ID, "organization", o.ID, nil)
	}
	h.planChanged(c.Context(), o.ID)
	return redirect(c, pathAdminOrgs+"/"+o.ID)
}

func truncate(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		return s[:n]
	}
	return s
}
