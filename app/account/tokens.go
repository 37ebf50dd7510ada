package account

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/assayhq/assay/app/auth"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/onetimetoken"
)

// Token purposes.
const (
	PurposeVerifyEmail   = onetimetoken.PurposeVerifyEmail
	PurposeResetPassword = onetimetoken.PurposeResetPassword
	PurposeChangeEmail   = onetimetoken.PurposeChangeEmail
)

// TokenTTL is how long a link of each purpose works.
var TokenTTL = map[onetimetoken.Purpose]time.Duration{
	PurposeVerifyEmail:   24 * time.Hour,
	PurposeResetPassword: time.Hour,
	PurposeChangeEmail:   24 * time.Hour,
}

// Token errors; TokenMessage says each to the person who opened the link.
var (
	ErrTokenInvalid = errors.New("account: token not valid")
	ErrTokenUsed    = errors.New("account: token already used")
	ErrTokenExpired = errors.New("account: token expired")
)

// TokenMessage is what to tell the person who opened a link refused with err, or "" when
// err is not a token error.
func TokenMessage(err error) string {
	switch {
	case errors.Is(err, ErrTokenInvalid):
		return "This link is not valid. Check that you opened the whole link from the email, or ask for a new one."
	case errors.Is(err, ErrTokenUsed):
		return "This link was already used. Links from our emails work only once; ask for a new one if you need it."
	case errors.Is(err, ErrTokenExpired):
		return "This link has expired. Ask for a new one."
	}
	return ""
}

// IssueToken creates a token for userID and returns the secret to put in the link: 32
// random bytes, of which only the SHA-256 is stored. email is the address the link goes
// to (the new address for PurposeChangeEmail).
func IssueToken(ctx context.Context, db *entweb.Client, purpose onetimetoken.Purpose, userID, email string, now time.Time) (string, error) {
	raw, hash := auth.NewLinkToken()
	err := db.OneTimeToken.Create().SetPurpose(purpose).SetUserID(userID).SetTokenHash(hash).
		SetEmail(email).SetExpiresAt(now.Add(TokenTTL[purpose])).Exec(ctx)
	if err != nil {
		return "", fmt.Errorf("account: issue %s token: %w", purpose, err)
	}
	return raw, nil
}

// PeekToken returns the token for raw if it may still be used, without using it: for the
// page that asks to confirm. The errors are ErrTokenInvalid, ErrTokenUsed, ErrTokenExpired
// or a database failure.
func PeekToken(ctx context.Context, db *entweb.Client, purpose onetimetoken.Purpose, raw string, now time.Time) (*entweb.OneTimeToken, error) {
	if raw == "" || len(raw) > 128 {
		return nil, ErrTokenInvalid
	}
	t, err := db.OneTimeToken.Query().
		Where(onetimetoken.TokenHash(auth.HashLinkToken(raw)), onetimetoken.PurposeEQ(purpose)).Only(ctx)
	if entweb.IsNotFound(err) {
		return nil, ErrTokenInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("account: load token: %w", err)
	}
	switch {
	case !now.Before(t.ExpiresAt):
		return nil, ErrTokenExpired
	case t.UsedAt != nil:
		return nil, ErrTokenUsed
	}
	return t, nil
}

// UseToken marks the token for raw used, once: of two concurrent uses only one succeeds.
// Call it in the transaction that makes the change the token allows, so a failure leaves
// the token unused.
func UseToken(ctx context.Context, db *entweb.Client, purpose onetimetoken.Purpose, raw string, now time.Time) (*entweb.OneTimeToken, error) {
	t, err := PeekToken(ctx, db, purpose, raw, now)
	if err != nil {
		return nil, err
	}
	n, err := db.OneTimeToken.Update().
		Where(onetimetoken.ID(t.ID), onetimetoken.UsedAtIsNil(), onetimetoken.ExpiresAtGT(now)).
		SetUsedAt(now).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("account: use token: %w", err)
	}
	if n == 0 {
		return nil, ErrTokenUsed
	}
	t.UsedAt = &now
	return t, nil
}

// RevokeTokens marks every unused token of userID for purpose used, so older links stop
// working (after a password reset, the other reset links).
func RevokeTokens(ctx context.Context, db *entweb.Client, purpose onetimetoken.Purpose, userID string, now time.Time) error {
	err := db.OneTimeToken.Update().
		Where(onetimetoken.UserID(userID), onetimetoken.PurposeEQ(purpose), onetimetoken.UsedAtIsNil()).
		SetUsedAt(now).Exec(ctx)
	if err != nil {
		return fmt.Errorf("account: revoke %s tokens: %w", purpose, err)
	}
	return nil
}
