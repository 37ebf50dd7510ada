package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/account"
	"github.com/assayhq/assay/app/audit"
	entweb "github.com/assayhq/assay/ent/web"
)

// Session values of a sign-in that waits for its second factor. Such a session has no
// keyUserID, so nothing that requires a signed-in user lets it in.
const (
	keyMFAUser = "mfa_user"
	keyMFAOrg  = "mfa_org"
	keyMFAAt   = "mfa_at" // unix seconds the password (or provider) step passed
	keyMFANext = "mfa_next"
)

const (
	pathMFAChallenge = "/login/mfa"
	pageMFAChallenge = "pages/mfa_challenge"
	// mfaPendingTTL is how long the code form waits after the password step.
	mfaPendingTTL = 5 * time.Minute
)

// Audit events of the second factor.
const (
	eventMFALogin        = "mfa.login"
	eventMFAFailed       = "mfa.failed"
	eventMFAEnabled      = "mfa.enabled"
	eventMFADisabled     = "mfa.disabled"
	eventMFACodes        = "mfa.recovery_codes_regenerated"
	eventMFARecoveryUsed = "mfa.recovery_code_used"
	eventReauthFail      = "reauth.failed"
	eventOrgMFA          = "organization.require_mfa_changed"
)

const msgMFAExpired = "Your sign-in expired before the code was entered. Please log in again."

// mfaGate finishes every sign-in: the password login and the provider sign-in both end
// in signIn, which asks a user with MFA on for a code before the session is theirs.
type mfaGate struct {
	db       *entweb.Client
	sessions *sessionManager
	views    *renderer
	mfa      *account.MFA
	audit    audit.Func
	log      *slog.Logger
	now      func() time.Time
}

// mfaChallengePage is the code form of a pending sign-in.
type mfaChallengePage struct {
	Error string
}

// signIn starts the session of a user whose first factor passed: signed in at once
// without MFA, or pending until the code form is answered. next is a local path or "".
func (g *mfaGate) signIn(c fiber.Ctx, userID, orgID, next string) error {
	u, err := g.db.User.Get(c.Context(), userID)
	if err != nil {
		return fmt.Errorf("web: sign in: %w", err)
	}
	if !account.Enabled(u) {
		if err := g.sessions.login(c, userID, orgID); err != nil {
			return err
		}
		return redirect(c, landingAfterLogin(next))
	}
	// login gives the new id and keeps what a login keeps; the pending session then
	// gives up the signed-in user until the code is entered.
	if err := g.sessions.login(c, userID, orgID); err != nil {
		return err
	}
	ws := sessionOf(c)
	delete(ws.sess.Values, keyUserID)
	delete(ws.sess.Values, keyOrgID)
	delete(ws.sess.Values, keyAuthAt)
	ws.sess.Values[keyMFAUser] = userID
	ws.sess.Values[keyMFAOrg] = orgID
	ws.sess.Values[keyMFAAt] = authStamp(g.now())
	ws.sess.Values[keyMFANext] = next
	if err := g.sessions.save(c); err != nil {
		return err
	}
	return redirect(c, pathMFAChallenge)
}

func landingAfterLogin(next string) string {
	if next = localPath(next); next != "" {
		return next
	}
	return "/dashboard"
}

// pending is middleware for the code form: it lets through a session waiting for its
// second factor within mfaPendingTTL. An expired one is cleared and sent back to log in.
func (g *mfaGate) pending(c fiber.Ctx) error {
	ws := sessionOf(c)
	if ws.str(keyMFAUser) == "" {
		return redirect(c, "/login")
	}
	at, ok := parseStamp(ws.str(keyMFAAt))
	if ok && g.now().Sub(at) < mfaPendingTTL {
		return c.Next()
	}
	for _, k := range []string{keyMFAUser, keyMFAOrg, keyMFAAt, keyMFANext} {
		delete(ws.sess.Values, k)
	}
	if err := g.sessions.save(c); err != nil {
		return err
	}
	return g.views.page(c, http.StatusUnauthorized, "pages/login", loginPage{Error: msgMFAExpired})
}

// pendingAccount is the rate-limit key of the code form: the pending user.
func pendingAccount(c fiber.Ctx) string {
	if id := sessionOf(c).str(keyMFAUser); id != "" {
		return "user:" + id
	}
	return ""
}

func (g *mfaGate) challengeForm(c fiber.Ctx) error {
	return g.views.page(c, http.StatusOK, pageMFAChallenge, mfaChallengePage{})
}

// challenge checks the code; the right one signs the user in under a new session id.
func (g *mfaGate) challenge(c fiber.Ctx) error {
	ctx := c.Context()
	ws := sessionOf(c)
	userID, orgID, next := ws.str(keyMFAUser), ws.str(keyMFAOrg), ws.str(keyMFANext)
	method, err := g.mfa.Verify(ctx, userID, c.FormValue("code"))
	if errors.Is(err, account.ErrMFACode) || errors.Is(err, account.ErrMFAReplayed) || errors.Is(err, account.ErrMFANotActive) {
		g.audit(ctx, audit.Event{Name: eventMFAFailed, OrgID: orgID, ActorID: userID, Target: userID})
		return g.views.page(c, http.StatusUnprocessableEntity, pageMFAChallenge, mfaChallengePage{Error: err.Error()})
	}
	if err != nil {
		return err
	}
	u, err := g.db.User.Get(ctx, userID)
	if err != nil {
		return fmt.Errorf("web: mfa: %w", err)
	}
	if u.DisabledAt != nil {
		if err := g.sessions.logout(c); err != nil {
			return err
		}
		return g.views.page(c, http.StatusForbidden, "pages/login", loginPage{Error: "This account has been disabled."})
	}
	if err := g.sessions.login(c, userID, orgID); err != nil {
		return err
	}
	g.audit(ctx, audit.Event{Name: eventMFALogin, OrgID: orgID, ActorID: userID, TargetType: "user", Target: userID, Details: map[string]string{"method": string(method)}})
	if method == account.MethodRecovery {
		g.audit(ctx, audit.Event{Name: eventMFARecoveryUsed, OrgID: orgID, ActorID: userID, TargetType: "user", Target: userID})
	}
	return redirect(c, landingAfterLogin(next))
}

// challengeRefused shows the code form again with the rate limit's message.
func (g *mfaGate) challengeRefused(c fiber.Ctx, msg string) error {
	return g.views.page(c, http.StatusTooManyRequests, pageMFAChallenge, mfaChallengePage{Error: msg})
}

func authStamp(t time.Time) string { return strconv.FormatInt(t.Unix(), 10) }

func parseStamp(s string) (time.Time, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}, false
	}
	return time.Unix(n, 0), true
}
