package web

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/account"
	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/auth"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/membership"
	"github.com/assayhq/assay/ent/web/user"
)

// Messages shown on the account forms.
const (
	msgLoginFailed = "Wrong email or password."
	msgNoOrg       = "This account does not belong to any organization yet."
)

// accounts handles signup, login and logout.
type accounts struct {
	db       *entweb.Client
	sessions *sessionManager
	views    *renderer
	log      *slog.Logger
	mail     *emailFlows
	gate     *mfaGate // asks for the second factor of users with MFA on
	audit    audit.Func
}

type signupPage struct {
	Email  string
	Org    string
	Errors map[string]string
	Error  string // about the whole form, such as the rate limit's
}

type loginPage struct {
	Email string
	Error string
	Next  string // where to go after logging in: a local path (localPath), or ""
}

func (h accounts) signupForm(c fiber.Ctx) error {
	if _, err := h.sessions.ensureCSRF(c); err != nil {
		return err
	}
	return h.views.page(c, http.StatusOK, "pages/signup", signupPage{})
}

// signup validates the form; emailFlows.signup creates the account.
func (h accounts) signup(c fiber.Ctx) error {
	p := signupPage{
		Email:  account.NormalizeEmail(c.FormValue("email")),
		Org:    strings.TrimSpace(c.FormValue("org")),
		Errors: map[string]string{},
	}
	password := c.FormValue("password")
	validateSignup(&p, password)
	if len(p.Errors) > 0 {
		return h.views.page(c, http.StatusUnprocessableEntity, "pages/signup", p)
	}
	// The account, its verification email and the session: see emailFlows.signup.
	return h.mail.signup(c, account.NewOwner{Email: p.Email, Password: password, OrgName: p.Org})
}

func validateSignup(p *signupPage, password string) {
	switch {
	case p.Email == "":
		p.Errors["email"] = "Enter your email address."
	case len(p.Email) > 254 || !validEmail(p.Email):
		p.Errors["email"] = "Enter a valid email address, like name@example.com."
	}
	if err := auth.ValidatePassword(password); err != nil {
		p.Errors["password"] = err.Error() // a PasswordError: written for users
	}
	switch {
	case p.Org == "":
		p.Errors["org"] = "Enter a name for your organization."
	case utf8.RuneCountInString(p.Org) > 100:
		p.Errors["org"] = "The organization name must be at most 100 characters."
	}
}

// validEmail accepts a bare address (no display name) with a dotted domain.
func validEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	at := strings.LastIndexByte(s, '@')
	return at > 0 && strings.Contains(s[at+1:], ".")
}

func (h accounts) loginForm(c fiber.Ctx) error {
	if _, err := h.sessions.ensureCSRF(c); err != nil {
		return err
	}
	return h.views.page(c, http.StatusOK, "pages/login", loginPage{Next: localPath(c.Query("next"))})
}

// login answers an unknown email and a wrong password alike, in about the same time.
func (h accounts) login(c fiber.Ctx) error {
	ctx := c.Context()
	p := loginPage{Email: account.NormalizeEmail(c.FormValue("email")), Next: localPath(c.FormValue("next"))}
	password := c.FormValue("password")
	u, err := h.db.User.Query().Where(user.Email(p.Email)).Only(ctx)
	if entweb.IsNotFound(err) {
		auth.DummyCheckPassword(password)
		h.failure(c, p.Email, nil, "no such account")
		return h.loginFailed(c, p, msgLoginFailed)
	}
	if err != nil {
		return fmt.Errorf("web: login: %w", err)
	}
	if u.PasswordHash == "" {
		// Signed up through a provider: no password to log in with.
		auth.DummyCheckPassword(password)
		h.failure(c, p.Email, u, "no password")
		return h.loginFailed(c, p, msgLoginFailed)
	}
	ok, err := auth.CheckPassword(u.PasswordHash, password)
	if err != nil {
		// A user without a usable hash (e.g. created by an operator) cannot log in; the
		// dummy check spends what a real one would.
		h.log.WarnContext(ctx, "web: login: unusable password hash", slog.String("user_id", u.ID))
		auth.DummyCheckPassword(password)
	}
	if !ok || u.DisabledAt != nil {
		reason := "wrong password"
		if ok {
			reason = "disabled"
		}
		h.failure(c, p.Email, u, reason)
		return h.loginFailed(c, p, msgLoginFailed)
	}
	m, err := h.db.Membership.Query().Where(membership.UserID(u.ID)).
		Order(entweb.Asc(membership.FieldCreatedAt), entweb.Asc(membership.FieldID)).First(ctx)
	if entweb.IsNotFound(err) {
		h.failure(c, p.Email, u, "no organization")
		return h.loginFailed(c, p, msgNoOrg)
	}
	if err != nil {
		return fmt.Errorf("web: login: membership: %w", err)
	}
	if auth.NeedsRehash(u.PasswordHash) {
		h.rehash(c, u.ID, password)
	}
	if err := h.gate.signIn(c, u.ID, m.OrgID, p.Next); err != nil {
		return err
	}
	// With MFA on, the password step only passed: mfa.login or mfa.failed follows.
	name := audit.LoginSucceeded
	if sessionOf(c).str(keyMFAUser) != "" {
		name = audit.LoginMFARequired
	}
	h.audit(ctx, audit.Event{Name: name, OrgID: m.OrgID, ActorID: u.ID, ActorEmail: u.Email, TargetType: "user", Target: u.ID})
	return nil
}

// loginRefused shows the login form again with the rate limit's message.
func (h accounts) loginRefused(c fiber.Ctx, msg string) error {
	p := loginPage{Email: account.NormalizeEmail(c.FormValue("email")), Error: msg, Next: localPath(c.FormValue("next"))}
	return h.views.page(c, http.StatusTooManyRequests, "pages/login", p)
}

// signupRefused shows the signup form again with the rate limit's message.
func (h accounts) signupRefused(c fiber.Ctx, msg string) error {
	p := signupPage{
		Email: account.NormalizeEmail(c.FormValue("email")),
		Org:   strings.TrimSpace(c.FormValue("org")),
		Error: msg,
	}
	return h.views.page(c, http.StatusTooManyRequests, "pages/signup", p)
}

func (h accounts) loginFailed(c fiber.Ctx, p loginPage, msg string) error {
	p.Error = msg
	return h.views.page(c, http.StatusUnprocessableEntity, "pages/login", p)
}

// rehash stores a hash with the current parameters; failing only delays it.
func (h accounts) rehash(c fiber.Ctx, userID, password string) {
	hash, err := auth.HashPassword(password)
	if err == nil {
		err = h.db.User.UpdateOneID(userID).SetPasswordHash(hash).Exec(c.Context())
	}
	if err != nil {
		h.log.WarnContext(c.Context(), "web: login: rehash", slog.String("user_id", userID), slog.Any("error", err))
	}
}

// failure records a refused password sign-in: the attempted address, normalized, and
// the account when there is one; never the password.
func (h accounts) failure(c fiber.Ctx, email string, u *entweb.User, reason string) {
	e := audit.Event{Name: audit.LoginFailed, Details: map[string]string{"email": email, "reason": reason}}
	if u != nil {
		e.TargetType, e.Target, e.ActorEmail = "user", u.ID, u.Email
	}
	h.audit(c.Context(), e)
}

// logout deletes the session and goes back to the start page.
func (h accounts) logout(c fiber.Ctx) error {
	if userID := sessionOf(c).str(keyUserID); userID != "" {
		h.audit(c.Context(), audit.Event{Name: audit.Logout, OrgID: sessionOf(c).str(keyOrgID), ActorID: userID, TargetType: "user", Target: userID})
	}
	if err := h.sessions.logout(c); err != nil {
		return err
	}
	return redirect(c, "/")
}
