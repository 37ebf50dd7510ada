package account

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/assayhq/assay/app/auth"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/session"
	"github.com/assayhq/assay/ent/web/user"
)

// ErrNoUser means no user has the given email.
var ErrNoUser = errors.New("account: no such user")

// DisableUser disables the user with email and ends every session of theirs, in one
// transaction: a disabled user can neither log in nor go on with a session they had.
// Disabling a disabled user keeps the first disabled_at and changes nothing else. It
// returns the user and how many sessions it ended.
func DisableUser(ctx context.Context, db *entweb.Client, email string, now time.Time) (*entweb.User, int, error) {
	tx, err := db.Tx(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("account: disable: begin: %w", err)
	}
	u, n, err := disableUser(ctx, tx, NormalizeEmail(email), now.UTC())
	if err != nil {
		tx.Rollback()
		return nil, 0, err
	}
	if err := tx.Commit(); err != nil {
		return nil, 0, fmt.Errorf("account: disable: commit: %w", err)
	}
	return u, n, nil
}

func disableUser(ctx context.Context, tx *entweb.Tx, email string, now time.Time) (*entweb.User, int, error) {
	if email == "" {
		return nil, 0, ErrNoUser
	}
	u, err := tx.User.Query().Where(user.Email(email)).Only(ctx)
	if entweb.IsNotFound(err) {
		return nil, 0, ErrNoUser
	}
	if err != nil {
		return nil, 0, fmt.Errorf("account: disable: load: %w", err)
	}
	if u.DisabledAt == nil {
		if u, err = tx.User.UpdateOne(u).SetDisabledAt(now).Save(ctx); err != nil {
			return nil, 0, fmt.Errorf("account: disable: %w", err)
		}
	}
	n, err := tx.Session.Delete().Where(session.UserID(u.ID)).Exec(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("account: disable: end sessions: %w", err)
	}
	return u, n, nil
}

// ChangePassword stores a new password for the user and ends every session of theirs, in
// one transaction: whoever held a session with the old password holds none now. The
// caller signs the user's current browser in again (with a new session id). The password
// must already have passed auth.ValidatePassword. Each of also runs inside the
// transaction (the audit entry of the change), and its error rolls the change back.
func ChangePassword(ctx context.Context, db *entweb.Client, userID, password string, also ...func(*entweb.Tx) error) error {
	hash, err := auth.HashPassword(password)
	if err != nil {
		return fmt.Errorf("account: change password: %w", err)
	}
	tx, err := db.Tx(ctx)
	if err != nil {
		return fmt.Errorf("account: change password: begin: %w", err)
	}
	if err := tx.User.UpdateOneID(userID).SetPasswordHash(hash).Exec(ctx); err != nil {
		tx.Rollback()
		return fmt.Errorf("account: change password: %w", err)
	}
	if _, err := tx.Session.Delete().Where(session.UserID(userID)).Exec(ctx); err != nil {
		tx.Rollback()
		return fmt.Errorf("account: change password: end sessions: %w", err)
	}
	for _, f := range also {
		if err := f(tx); err != nil {
			tx.Rollback()
			return fmt.Errorf("account: change password: %w", err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("account: change password: commit: %w", err)
	}
	return nil
}
