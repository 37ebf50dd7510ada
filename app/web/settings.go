package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/audit"
	entweb "github.com/assayhq/assay/ent/web"
)

// Paths of the account settings.
const (
	pathSettingsSessions = "/settings/sessions"
	pathSettingsPassword = "/settings/password"
)

// Template names of the sessions page and of its list, the fragment htmx swaps.
const (
	pageSettingsSessions    = "pages/settings_sessions"
	partialSettingsSessions = "partials/settings_sessions"
)

// settings handles the signed-in user's sessions and password.
type settings struct {
	db       *entweb.Client
	sessions *sessionManager
	views    *renderer
	log      *slog.Logger
	audit    audit.Func
	trail    *audit.Log // for events written in the change's own transaction
}

// sessionsList is the list of the user's sessions with its forms.
type sessionsList struct {
	CSRF    string
	Devices []deviceRow
	Notice  string
}

// deviceRow is one session as the list shows it.
type deviceRow struct {
	ID         string
	Device     string
	IP         string
	CreatedAt  time.Time
	LastSeenAt time.Time
	Current    bool
}

// sessionsPage shows the list of the user's sessions.
func (h settings) sessionsPage(c fiber.Ctx) error {
	l, err := h.list(c, "")
	if err != nil {
		return err
	}
	return h.views.page(c, http.StatusOK, pageSettingsSessions, l)
}

// revoke ends one of the user's own sessions; any other id answers 404 and changes
// nothing. Revoking the current session is logging out.
func (h settings) revoke(c fiber.Ctx) error {
	id := c.Params("id")
	if id != "" && id == h.sessions.currentID(c) {
		return h.logoutEverywhere(c)
	}
	acc := memberOf(c)
	rows, err := h.sessions.store.UserSessions(c.Context(), acc.UserID)
	if err != nil {
		return err
	}
	var gone *entweb.Session
	for _, r := range rows {
		if r.ID == id {
			gone = r
		}
	}
	ok, err := h.sessions.store.RevokeSession(c.Context(), acc.UserID, id)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.NotFound("session")
	}
	e := memberEvent(c, audit.SessionRevoked)
	e.TargetType, e.Target = "session", id
	h.audit(c.Context(), e)
	notice := "That session was signed out."
	if gone != nil {
		notice = "Signed out " + parseUserAgent(gone.UserAgent).String() + "."
	}
	return h.afterChange(c, notice)
}

// revokeOthers ends every session of the user but the current one.
func (h settings) revokeOthers(c fiber.Ctx) error {
	n, err := h.sessions.store.RevokeUserSessions(c.Context(), memberOf(c).UserID, h.sessions.currentID(c))
	if err != nil {
		return err
	}
	e := memberEvent(c, audit.SessionsRevokedElsewhere)
	e.Details = map[string]string{"sessions": strconv.Itoa(n)}
	h.audit(c.Context(), e)
	notice := "There were no other sessions."
	switch {
	case n == 1:
		notice = "Signed out 1 other session."
	case n > 1:
		notice = fmt.Sprintf("Signed out %d other sessions.", n)
	}
	return h.afterChange(c, notice)
}

// logoutEverywhere ends every session of the user, this one included.
func (h settings) logoutEverywhere(c fiber.Ctx) error {
	if _, err := h.sessions.store.RevokeUserSessions(c.Context(), memberOf(c).UserID, ""); err != nil {
		return err
	}
	h.audit(c.Context(), memberEvent(c, audit.LogoutEverywhere))
	if err := h.sessions.logout(c); err != nil {
		return err
	}
	return redirect(c, "/login")
}

// afterChange answers a change to the list: the list alone with a notice for htmx, a
// redirect back to the page otherwise.
func (h settings) afterChange(c fiber.Ctx, notice string) error {
	if !isFragmentRequest(c) {
		return redirect(c, pathSettingsSessions)
	}
	l, err := h.list(c, notice)
	if err != nil {
		return err
	}
	return h.views.partial(c, http.StatusOK, partialSettingsSessions, l)
}

func (h settings) list(c fiber.Ctx, notice string) (sessionsList, error) {
	if _, err := h.sessions.ensureCSRF(c); err != nil {
		return sessionsList{}, err
	}
	rows, err := h.sessions.store.UserSessions(c.Context(), memberOf(c).UserID)
	if err != nil {
		return sessionsList{}, err
	}
	current := h.sessions.currentID(c)
	l := sessionsList{CSRF: sessionOf(c).csrf(), Notice: notice}
	for _, r := range rows {
		l.Devices = append(l.Devices, deviceRow{
			ID: r.ID, Device: parseUserAgent(r.UserAgent).String(), IP: r.IP,
			CreatedAt: r.CreatedAt, LastSeenAt: r.LastSeenAt, Current: r.ID == current,
		})
	}
	return l, nil
}
