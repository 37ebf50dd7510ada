package web

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/account"
	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/auth"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/membership"
	"github.com/assayhq/assay/ent/web/user"
)

// Session keys of a verified identity waiting for the password of the account its email
// belongs to.
const (
	keyLinkIssuer  = "link_issuer"
	keyLinkSubject = "link_subject"
	keyLinkEmail   = "link_email"
	keyLinkUserID  = "link_user_id"
	keyLinkExpires = "link_expires"
)

const oidcLinkPath = "/auth/oidc/link"

var errRetrySignIn = errors.New("web: oidc: sign-in raced, retry")

// parseIDClaims reads who signed in. An email that is not a plain valid address counts
// as no email at all.
func parseIDClaims(idt *oidc.IDToken) (account.Claims, error) {
	var raw struct {
		Email         string `json:"email"`
		EmailVerified any    `json:"email_verified"` // a bool, or "true" from some providers
		Name          string `json:"name"`
	}
	if err := idt.Claims(&raw); err != nil {
		return account.Claims{}, fmt.Errorf("web: oidc claims: %w", err)
	}
	c := account.Claims{
		Issuer: idt.Issuer, Subject: idt.Subject, Name: raw.Name,
		Email:         account.NormalizeEmail(raw.Email),
		EmailVerified: raw.EmailVerified == true || raw.EmailVerified == "true",
	}
	if c.Subject == "" || len(c.Subject) > 255 {
		return account.Claims{}, errors.New("web: oidc claims: subject missing or too long")
	}
	if len(c.Email) > 254 || !validEmail(c.Email) {
		c.Email, c.EmailVerified = "", false
	}
	return c, nil
}

// signIn decides who the verified identity is: the user it is linked to; or, when it is
// new, the account its verified email belongs to (after that account's password); or a
// new account. An unverified email never selects an existing account.
func (h *oidcFlow) signIn(c fiber.Ctx, cl account.Claims) error {
	err := h.trySignIn(c, cl)
	if errors.Is(err, errRetrySignIn) {
		// A concurrent callback created the identity or the email's user first.
		err = h.trySignIn(c, cl)
	}
	return err
}

func (h *oidcFlow) trySignIn(c fiber.Ctx, cl account.Claims) error {
	ctx := c.Context()
	id, err := account.FindIdentity(ctx, h.db, cl.Issuer, cl.Subject)
	if err != nil {
		return err
	}
	if id != nil {
		return h.signInExisting(c, id, cl)
	}
	if cl.EmailVerified {
		u, err := h.db.User.Query().Where(user.Email(cl.Email)).Only(ctx)
		if err != nil && !entweb.IsNotFound(err) {
			return fmt.Errorf("web: oidc: lookup email: %w", err)
		}
		if u != nil {
			return h.offerLink(c, u, cl)
		}
	}
	u, o, err := account.CreateIdentityOwner(ctx, h.db, cl)
	if errors.Is(err, account.ErrEmailTaken) || errors.Is(err, account.ErrIdentityTaken) {
		return errRetrySignIn
	}
	if err != nil {
		return err
	}
	h.event(c, "oidc.signup", slog.String("user_id", u.ID), slog.Bool("email_verified", cl.EmailVerified))
	if err := h.sessions.login(c, u.ID, o.ID); err != nil {
		return err
	}
	return redirect(c, "/dashboard")
}

func (h *oidcFlow) signInExisting(c fiber.Ctx, id *entweb.Identity, cl account.Claims) error {
	ctx := c.Context()
	u, err := h.db.User.Get(ctx, id.UserID)
	if err != nil {
		return fmt.Errorf("web: oidc: load user: %w", err)
	}
	if u.DisabledAt != nil {
		h.event(c, "oidc.refused", slog.String("reason", "user disabled"), slog.String("user_id", u.ID))
		return apperr.Forbidden("This account has been disabled.")
	}
	if err := account.TouchIdentity(ctx, h.db, id.ID, cl); err != nil {
		return err
	}
	h.event(c, "oidc.login", slog.String("user_id", u.ID))
	return h.login(c, u.ID)
}

// login starts a new session for the user in their first organization.
func (h *oidcFlow) login(c fiber.Ctx, userID string) error {
	m, err := h.db.Membership.Query().Where(membership.UserID(userID)).
		Order(entweb.Asc(membership.FieldCreatedAt), entweb.Asc(membership.FieldID)).First(c.Context())
	if entweb.IsNotFound(err) {
		return apperr.Forbidden(msgNoOrg)
	}
	if err != nil {
		return fmt.Errorf("web: oidc: membership: %w", err)
	}
	return h.gate.signIn(c, userID, m.OrgID, "")
}

// offerLink keeps the identity in the session and asks for the password of the account
// its verified email belongs to. Without a password there is nothing to prove, so such
// an account is never linked.
func (h *oidcFlow) offerLink(c fiber.Ctx, u *entweb.User, cl account.Claims) error {
	if u.DisabledAt != nil {
		h.event(c, "oidc.refused", slog.String("reason", "user disabled"), slog.String("user_id", u.ID))
		return apperr.Forbidden("This account has been disabled.")
	}
	if u.PasswordHash == "" {
		h.event(c, "oidc.refused", slog.String("reason", "email taken by account without password"), slog.String("user_id", u.ID))
		return apperr.Conflict(fmt.Sprintf("An Assay account with this email already exists and has no password to confirm it is yours, so it cannot be linked to this %s account. Log in the way you first signed up.", h.name()))
	}
	ws := sessionOf(c)
	ws.sess.Values[keyLinkIssuer] = cl.Issuer
	ws.sess.Values[keyLinkSubject] = cl.Subject
	ws.sess.Values[keyLinkEmail] = cl.Email
	ws.sess.Values[keyLinkUserID] = u.ID
	ws.sess.Values[keyLinkExpires] = strconv.FormatInt(h.now().Add(oidcFlowTTL).Unix(), 10)
	if _, err := h.sessions.ensureCSRF(c); err != nil {
		return err
	}
	if err := h.sessions.save(c); err != nil {
		return err
	}
	h.event(c, "oidc.link_offered", slog.String("user_id", u.ID))
	return redirect(c, oidcLinkPath)
}

// pendingLink is the identity waiting to be linked, or nil.
type pendingLink struct {
	claims account.Claims
	userID string
}

func (h *oidcFlow) pending(c fiber.Ctx) *pendingLink {
	ws := sessionOf(c)
	p := pendingLink{
		claims: account.Claims{
			Issuer: ws.str(keyLinkIssuer), Subject: ws.str(keyLinkSubject),
			Email: ws.str(keyLinkEmail), EmailVerified: true,
		},
		userID: ws.str(keyLinkUserID),
	}
	expires, _ := strconv.ParseInt(ws.str(keyLinkExpires), 10, 64)
	if p.userID == "" || p.claims.Issuer == "" || p.claims.Subject == "" || h.now().Unix() >= expires {
		return nil
	}
	return &p
}

type linkPage struct {
	Provider string
	Email    string
	Error    string
}

func (h *oidcFlow) errNoLink() error {
	return apperr.BadRequest(fmt.Sprintf("There is no %s account waiting to be linked, or it waited too long. Start again from the login page.", h.name()))
}

// linkForm asks for the password of the account the identity's email belongs to.
func (h *oidcFlow) linkForm(c fiber.Ctx) error {
	if h.provider == nil {
		return apperr.NotFound("page")
	}
	p := h.pending(c)
	if p == nil {
		return h.errNoLink()
	}
	if _, err := h.sessions.ensureCSRF(c); err != nil {
		return err
	}
	return h.views.page(c, http.StatusOK, "pages/oidc_link", linkPage{Provider: h.name(), Email: p.claims.Email})
}

// linkRefused shows the link form again with the rate limit's message.
func (h *oidcFlow) linkRefused(c fiber.Ctx, msg string) error {
	p := h.pending(c)
	if p == nil {
		return h.errNoLink()
	}
	return h.views.page(c, http.StatusTooManyRequests, "pages/oidc_link",
		linkPage{Provider: h.name(), Email: p.claims.Email, Error: msg})
}

// link checks the account's password, then links the identity and signs the user in.
// A wrong password links nothing and may be tried again (within the rate limit).
func (h *oidcFlow) link(c fiber.Ctx) error {
	if h.provider == nil {
		return apperr.NotFound("page")
	}
	p := h.pending(c)
	if p == nil {
		return h.errNoLink()
	}
	ctx := c.Context()
	password := c.FormValue("password")
	u, err := h.db.User.Get(ctx, p.userID)
	if err != nil && !entweb.IsNotFound(err) {
		return fmt.Errorf("web: oidc link: load user: %w", err)
	}
	ok := false
	if u != nil && u.PasswordHash != "" && u.Email == p.claims.Email {
		ok, _ = auth.CheckPassword(u.PasswordHash, password)
	} else {
		auth.DummyCheckPassword(password)
	}
	if !ok || u.DisabledAt != nil {
		h.event(c, "oidc.link_failed", slog.String("user_id", p.userID))
		return h.views.page(c, http.StatusUnprocessableEntity, "pages/oidc_link",
			linkPage{Provider: h.name(), Email: p.claims.Email, Error: "Wrong password."})
	}
	err = account.LinkIdentity(ctx, h.db, u.ID, p.claims)
	if errors.Is(err, account.ErrIdentityTaken) {
		h.event(c, "oidc.refused", slog.String("reason", "identity already linked"), slog.String("user_id", u.ID))
		return apperr.Conflict(fmt.Sprintf("This %s account is already linked to an Assay account. Start again from the login page.", h.name()))
	}
	if err != nil {
		return err
	}
	h.event(c, "oidc.link", slog.String("user_id", u.ID))
	return h.login(c, u.ID)
}
