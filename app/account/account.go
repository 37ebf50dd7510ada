// Package account creates users and their organizations in the web database.
package account

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/assayhq/assay/app/auth"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/membership"
	"github.com/assayhq/assay/ent/web/user"
)

// ErrEmailTaken means a user with that email already exists.
var ErrEmailTaken = errors.New("account: email already registered")

// NewOwner is a signup: a user, the organization they create, and whether the email is
// already verified (operator-created users are).
type NewOwner struct {
	Email    string
	Password string
	OrgName  string
	Verified bool
}

// NormalizeEmail lower-cases and trims an address.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// CreateOwner creates the user, the organization and the owner membership in one
// transaction. The password must already have passed auth.ValidatePassword.
func CreateOwner(ctx context.Context, db *entweb.Client, n NewOwner) (*entweb.User, *entweb.Organization, error) {
	hash, err := auth.HashPassword(n.Password)
	if err != nil {
		return nil, nil, fmt.Errorf("account: %w", err)
	}
	email := NormalizeEmail(n.Email)
	tx, err := db.Tx(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("account: begin: %w", err)
	}
	u, o, err := createOwner(ctx, tx, email, hash, strings.TrimSpace(n.OrgName), n.Verified)
	if err != nil {
		tx.Rollback()
		return nil, nil, err
	}
	if err := tx.Commit(); err != nil {
		if entweb.IsConstraintError(err) {
			return nil, nil, ErrEmailTaken
		}
		return nil, nil, fmt.Errorf("account: commit: %w", err)
	}
	return u, o, nil
}

func createOwner(ctx context.Context, tx *entweb.Tx, email, hash, orgName string, verified bool) (*entweb.User, *entweb.Organization, error) {
	taken, err := tx.User.Query().Where(user.Email(email)).Exist(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("account: lookup: %w", err)
	}
	if taken {
		return nil, nil, ErrEmailTaken
	}
	uc := tx.User.Create().SetEmail(email).SetPasswordHash(hash)
	if verified {
		uc.SetEmailVerifiedAt(time.Now().UTC())
	}
	u, err := uc.Save(ctx)
	if entweb.IsConstraintError(err) {
		return nil, nil, ErrEmailTaken
	}
	if err != nil {
		return nil, nil, fmt.Errorf("account: user: %w", err)
	}
	o, err := tx.Organization.Create().SetName(orgName).Save(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("account: organization: %w", err)
	}
	if _, err := tx.Membership.Create().SetUserID(u.ID).SetOrgID(o.ID).SetRole(membership.RoleOwner).Save(ctx); err != nil {
		return nil, nil, fmt.Errorf("account: membership: %w", err)
	}
	return u, o, nil
}
