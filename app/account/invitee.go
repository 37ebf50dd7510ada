package account

import (
	"context"
	"fmt"
	"time"

	"github.com/assayhq/assay/app/auth"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/user"
)

// CreateUserTx creates a user without an organization, inside the caller's transaction:
// someone signing up to accept an invitation joins the inviting organization instead of
// creating one. verified marks the email confirmed (the invitation was mailed to it).
// The password must already have passed auth.ValidatePassword; ErrEmailTaken means the
// email is in use.
func CreateUserTx(ctx context.Context, tx *entweb.Tx, email, password string, verified bool, now time.Time) (*entweb.User, error) {
	email = NormalizeEmail(email)
	hash, err := auth.HashPassword(password)
	if err != nil {
		return nil, fmt.Errorf("account: %w", err)
	}
	taken, err := tx.User.Query().Where(user.Email(email)).Exist(ctx)
	if err != nil {
		return nil, fmt.Errorf("account: lookup: %w", err)
	}
	if taken {
		return nil, ErrEmailTaken
	}
	uc := tx.User.Create().SetEmail(email).SetPasswordHash(hash)
	if verified {
		uc.SetEmailVerifiedAt(now)
	}
	u, err := uc.Save(ctx)
	if entweb.IsConstraintError(err) {
		return nil, ErrEmailTaken
	}
	if err != nil {
		return nil, fmt.Errorf("account: user: %w", err)
	}
	return u, nil
}
