package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/identity"
	"github.com/assayhq/assay/ent/web/membership"
	"github.com/assayhq/assay/ent/web/user"
)

// ErrIdentityTaken means the provider identity is already linked to a user.
var ErrIdentityTaken = errors.New("account: identity already linked")

// Claims is who an OpenID Connect provider says signed in: the issuer and subject name
// the person; the email is only as trustworthy as EmailVerified says.
type Claims struct {
	Issuer        string
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
}

// FindIdentity returns the identity for the issuer and subject, or nil when none exists.
func FindIdentity(ctx context.Context, db *entweb.Client, iss, sub string) (*entweb.Identity, error) {
	id, err := db.Identity.Query().Where(identity.Issuer(iss), identity.Subject(sub)).Only(ctx)
	if entweb.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("account: find identity: %w", err)
	}
	return id, nil
}

// TouchIdentity records a sign-in: what the provider now says about the email, and when.
func TouchIdentity(ctx context.Context, db *entweb.Client, id string, c Claims) error {
	err := db.Identity.UpdateOneID(id).SetEmail(NormalizeEmail(c.Email)).
		SetEmailVerified(c.EmailVerified).SetLastUsedAt(time.Now().UTC()).Exec(ctx)
	if err != nil {
		return fmt.Errorf("account: touch identity: %w", err)
	}
	return nil
}

// CreateIdentityOwner creates a user without a password, their organization, the owner
// membership and the identity, in one transaction. The user gets the email only when the
// provider verified it; an unverified email stays on the identity, so it can neither
// claim an address nor be matched to an existing account. ErrEmailTaken means a user
// with that verified email exists (the caller offers linking instead); ErrIdentityTaken
// that a concurrent sign-in created the identity first.
func CreateIdentityOwner(ctx context.Context, db *entweb.Client, c Claims) (*entweb.User, *entweb.Organization, error) {
	email := NormalizeEmail(c.Email)
	tx, err := db.Tx(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("account: begin: %w", err)
	}
	u, o, err := createIdentityOwner(ctx, tx, c, email)
	if err != nil {
		tx.Rollback()
		return nil, nil, err
	}
	if err := tx.Commit(); err != nil {
		return nil, nil, fmt.Errorf("account: commit: %w", err)
	}
	return u, o, nil
}

func createIdentityOwner(ctx context.Context, tx *entweb.Tx, c Claims, email string) (*entweb.User, *entweb.Organization, error) {
	uc := tx.User.Create()
	if c.EmailVerified && email != "" {
		taken, err := tx.User.Query().Where(user.Email(email)).Exist(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("account: lookup: %w", err)
		}
		if taken {
			return nil, nil, ErrEmailTaken
		}
		uc.SetEmail(email).SetEmailVerifiedAt(time.Now().UTC())
	}
	u, err := uc.Save(ctx)
	if entweb.IsConstraintError(err) {
		return nil, nil, ErrEmailTaken
	}
	if err != nil {
		return nil, nil, fmt.Errorf("account: user: %w", err)
	}
	o, err := tx.Organization.Create().SetName(orgNameFor(c.Name, email)).Save(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("account: organization: %w", err)
	}
	if _, err := tx.Membership.Create().SetUserID(u.ID).SetOrgID(o.ID).SetRole(membership.RoleOwner).Save(ctx); err != nil {
		return nil, nil, fmt.Errorf("account: membership: %w", err)
	}
	if err := createIdentity(ctx, tx.Identity, u.ID, c, email); err != nil {
		return nil, nil, err
	}
	return u, o, nil
}

// LinkIdentity links the provider identity to an existing user, who has just proven
// their password, and marks the user's email verified when the provider verified it.
func LinkIdentity(ctx context.Context, db *entweb.Client, userID string, c Claims) error {
	email := NormalizeEmail(c.Email)
	tx, err := db.Tx(ctx)
	if err != nil {
		return fmt.Errorf("account: begin: %w", err)
	}
	if err := createIdentity(ctx, tx.Identity, userID, c, email); err != nil {
		tx.Rollback()
		return err
	}
	if c.EmailVerified && email != "" {
		err := tx.User.Update().Where(user.ID(userID), user.Email(email), user.EmailVerifiedAtIsNil()).
			SetEmailVerifiedAt(time.Now().UTC()).Exec(ctx)
		if err != nil {
			tx.Rollback()
			return fmt.Errorf("account: verify email: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("account: commit: %w", err)
	}
	return nil
}

func createIdentity(ctx context.Context, ic *entweb.IdentityClient, userID string, c Claims, email string) error {
	err := ic.Create().SetIssuer(c.Issuer).SetSubject(c.Subject).SetUserID(userID).
		SetEmail(email).SetEmailVerified(c.EmailVerified).SetLastUsedAt(time.Now().UTC()).Exec(ctx)
	if entweb.IsConstraintError(err) {
		return ErrIdentityTaken
	}
	if err != nil {
		return fmt.Errorf("account: identity: %w", err)
	}
	return nil
}

// orgNameFor names the organization of a provider sign-up after the person.
func orgNameFor(name, email string) string {
	who := strings.TrimSpace(name)
	if who == "" {
		who, _, _ = strings.Cut(email, "@")
	}
	if who == "" {
		return "My organization"
	}
	if utf8.RuneCountInString(who) > 80 {
		who = string([]rune(who)[:80])
	}
	return who + "'s organization"
}
