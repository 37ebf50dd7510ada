package web

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/account"
	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/telemetry"
	"github.com/assayhq/assay/app/tenant"
	entweb "github.com/assayhq/assay/ent/web"
)

const (
	pathAdmin = "/admin"
	// layoutAdmin frames backoffice pages: the staff user and the backoffice's own nav.
	layoutAdmin = "admin/layout/page"
	// adminPageSize is how many rows one page of a backoffice table lists.
	adminPageSize = 50
)

// localStaff holds the *staffUser of a backoffice request.
const localStaff localKey = 100

// staffUser is the platform staff member using the backoffice.
type staffUser struct {
	ID, Email string
}

func staffOf(c fiber.Ctx) *staffUser {
	s, _ := c.Locals(localStaff).(*staffUser)
	return s
}

// adminPages is the backoffice at /admin: organizations, users, tasks, queues, webhooks,
// feature flags and the whole audit log, for staff only.
type adminPages struct {
	db       *entweb.Client
	views    *renderer
	api      *apiClient
	redis    *platform.Redis
	ns       string // the gocraft/work namespace
	probes   telemetry.Probes
	audit    audit.Func
	mail     *emailFlows
	mfa      *account.MFA
	sessions *sessionManager
	support  *supportAccess
	log      *slog.Logger
	// requireMFA refuses staff without MFA (production).
	requireMFA bool
	// planChanged pushes an organization's plan to the API at once (the sweep retries).
	planChanged func(ctx context.Context, orgID string)
}

// errAdminHidden answers everyone who is not staff: the backoffice does not exist for them.
var errAdminHidden = apperr.NotFound("page")

// gate is the middleware of the /admin group: staff pass, everyone else (signed out,
// members, owners, disabled staff) gets 404. Where MFA is required, staff without it see a
// page asking them to turn it on (403) and nothing else.
func (h *adminPages) gate(c fiber.Ctx) error {
	ws := sessionOf(c)
	if ws == nil || ws.str(keyUserID) == "" {
		return errAdminHidden
	}
	u, err := h.db.User.Get(c.Context(), ws.str(keyUserID))
	if entweb.IsNotFound(err) {
		return errAdminHidden
	}
	if err != nil {
		return fmt.Errorf("web: admin: load user: %w", err)
	}
	if !u.Staff || u.DisabledAt != nil {
		return errAdminHidden
	}
	c.Locals(localStaff, &staffUser{ID: u.ID, Email: u.Email})
	if h.requireMFA && u.MfaEnabledAt == nil {
		return h.page(c, http.StatusForbidden, "admin/mfa_required", nil)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	// Staff read across organizations.
	c.SetContext(tenant.System(c.Context()))
	return c.Next()
}

// page renders a backoffice page in the admin layout (or its content alone for htmx).
func (h *adminPages) page(c fiber.Ctx, status int, page string, data any) error {
	c.Vary(hxRequest)
	v := newView(c, page, data)
	if s := staffOf(c); s != nil {
		v.Account = &member{UserID: s.ID, Email: s.Email}
	}
	c.Status(status)
	if isFragmentRequest(c) {
		return c.Render(page+"/content", v)
	}
	return c.Render(layoutAdmin, v)
}

// record writes the audit entry of a backoffice action, with the staff user as actor.
func (h *adminPages) record(c fiber.Ctx, name, orgID, targetType, target string, details map[string]string) {
	s := staffOf(c)
	e := audit.Event{Name: name, OrgID: orgID, TargetType: targetType, Target: target, Details: details}
	if s != nil {
		e.ActorID, e.ActorEmail = s.ID, s.Email
	}
	h.audit(context.WithoutCancel(c.Context()), e)
}

// back sends the browser to the page the action came from, or to fallback.
func back(c fiber.Ctx, fallback string) error {
	if to := c.FormValue("back"); strings.HasPrefix(to, "/admin") && !strings.HasPrefix(to, "//") {
		return redirect(c, to)
	}
	return redirect(c, fallback)
}

// cursorPage trims rows fetched with limit adminPageSize+1 to one page and returns the
// cursor of the next page ("" on the last).
func cursorPage[T any](rows []T, id func(T) string) ([]T, string) {
	if len(rows) <= adminPageSize {
		return rows, ""
	}
	rows = rows[:adminPageSize]
	return rows, id(rows[len(rows)-1])
}

// timeCursor encodes a (time, id) position of a list ordered by both.
func timeCursor(at time.Time, id string) string {
	return strconv.FormatInt(at.UnixNano(), 10) + "_" + id
}

func parseTimeCursor(s string) (time.Time, string, error) {
	ns, id, ok := strings.Cut(s, "_")
	n, err := strconv.ParseInt(ns, 10, 64)
	if !ok || err != nil || id == "" {
		return time.Time{}, "", errors.New("web: bad cursor")
	}
	return time.Unix(0, n).UTC(), id, nil
}

// adminFuncs are the template funcs of the backoffice pages.
var adminFuncs = map[string]any{
	// unix turns gocraft/work's Unix seconds into a time.
	"unix":    func(s int64) time.Time { return time.Unix(s, 0).UTC() },
	"jobForm": jobForm,
	"list":    func(s ...string) []string { return s },
}

// jobFormData is one action button on a queued job.
type jobFormData struct {
	CSRF, Action, ID, Set, Label, Class string
	At                                  int64
}

func jobForm(csrf, action, id string, at int64, set, label, class string) jobFormData {
	return jobFormData{CSRF: csrf, Action: action, ID: id, At: at, Set: set, Label: label, Class: class}
}

// apiPage is one page of a backoffice list the API serves (service token): rows, the
// cursor of the next page ("" at the end), and the message the page shows instead when
// the API refused or did not answer.
type apiPage[T any] struct {
	Rows  []T
	Next  string
	Error string
}

// fetchAPIPage reads path with filters (empty ones left out), cursor and adminPageSize.
func fetchAPIPage[T any](ctx context.Context, api *apiClient, path string, filters map[string]string) apiPage[T] {
	q := url.Values{"limit": {fmt.Sprint(adminPageSize)}}
	for k, v := range filters {
		if v != "" {
			q.Set(k, v)
		}
	}
	var out struct {
		Data       []T     `json:"data"`
		NextCursor *string `json:"next_cursor"`
	}
	var p apiPage[T]
	err := api.doService(ctx, http.MethodGet, path+"?"+q.Encode(), "", nil, &out)
	var prob *apiProblem
	switch {
	case errors.As(err, &prob) && prob.Status < 500:
		p.Error = prob.Detail
	case err != nil:
		p.Error = "The API did not answer."
	default:
		p.Rows = out.Data
		if out.NextCursor != nil {
			p.Next = *out.NextCursor
		}
	}
	return p
}
