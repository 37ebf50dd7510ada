package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/mail"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/account"
	"github.com/assayhq/assay/app/auth"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/membership"
	"github.com/assayhq/assay/ent/web/user"
)

// Messages shown on the account forms.
const (
	msgLoginFailed = "Wrong email or password."
	msgNoOrg       = "This account does not belong to any organization yet."
	msgEmailTaken  = "We could not create an account with that email. If you already have one, log in instead."
)

// accounts handles signup, login and logout.
type accounts struct {
	db       *entweb.Client
	sessions *sessionManager
	views    *renderer
	log      *slog.Logger
}

type signupPage struct {
	Email  string
	Org    string
	Errors map[string]string
}

type loginPage struct {
	Email string
	Error string
}

func (h accounts) signupForm(c fiber.Ctx) error {
	if _, err := h.sessions.ensureCSRF(c); err != nil {
		return err
	}
	return h.views.page(c, http.StatusOK, "pages/signup", signupPage{})
}

// signup creates the user, their organization and the owner membership in one
// transaction, then signs them in.
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
	u, o, err := account.CreateOwner(c.Context(), h.db, account.NewOwner{Email: p.Email, Password: password, OrgName: p.Org})
	if errors.Is(err, account.ErrEmailTaken) {
		p.Errors["email"] = msgEmailTaken
		return h.views.page(c, http.StatusUnprocessableEntity, "pages/signup", p)
	}
	if err != nil {
		return fmt.Errorf("web: signup: %w", err)
	}
	if err := h.sessions.login(c, u.ID, o.ID); err != nil {
		return err
	}
	return redirect(c, "/dashboard")
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
	return h.views.page(c, http.StatusOK, "pages/login", loginPage{})
}

// login answers an unknown email and a wrong password alike, in about the same time.
func (h accounts) login(c fiber.Ctx) error {
	ctx := c.Context()
	p := loginPage{Email: account.NormalizeEmail(c.FormValue("email"))}
	password := c.FormValue("password")
	u, err := h.db.User.Query().Where(user.Email(p.Email)).Only(ctx)
	if entweb.IsNotFound(err) {
		auth.DummyCheckPassword(password)
		return h.loginFailed(c, p, msgLoginFailed)
	}
	if err != nil {
		return fmt.Errorf("web: login: %w", err)
	}
	ok, err := auth.CheckPassword(u.PasswordHash, password)
	if err != nil {
		// A user without a usable hash (e.g. created by an operator) cannot log in.
		h.log.WarnContext(ctx, "web: login: unusable password hash", slog.String("user_id", u.ID))
	}
	if !ok || u.DisabledAt != nil {
		return h.loginFailed(c, p, msgLoginFailed)
	}
	m, err := h.db.Membership.Query().Where(membership.UserID(u.ID)).
		Order(entweb.Asc(membership.FieldCreatedAt), entweb.Asc(membership.FieldID)).First(ctx)
	if entweb.IsNotFound(err) {
		return h.loginFailed(c, p, msgNoOrg)
	}
	if err != nil {
		return fmt.Errorf("web: login: membership: %w", err)
	}
	if auth.NeedsRehash(u.PasswordHash) {
		h.rehash(c, u.ID, password)
	}
	if err := h.sessions.login(c, u.ID, m.OrgID); err != nil {
		return err
	}
	return redirect(c, "/dashboard")
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

// logout deletes the session and goes back to the start page.
func (h accounts) logout(c fiber.Ctx) error {
	if err := h.sessions.logout(c); err != nil {
		return err
	}
	return redirect(c, "/")
}
