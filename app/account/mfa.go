package account

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/recoverycode"
	"github.com/assayhq/assay/ent/web/user"
)

// mfaIssuer is the name authenticator apps show next to the account.
const mfaIssuer = "Assay"

// totpPeriod is the length of a TOTP time step, in seconds (what apps use by default).
const totpPeriod = 30

// Errors of the MFA operations; their texts are written for users.
var (
	ErrMFACode      = errors.New("That code is not valid. Enter the 6-digit code from your authenticator app, or one of your recovery codes.")
	ErrMFAReplayed  = errors.New("That code was already used. Wait for the next code from your authenticator app.")
	ErrMFANotActive = errors.New("Two-factor authentication is not turned on for this account.")
	ErrMFAActive    = errors.New("Two-factor authentication is already turned on for this account.")
	ErrMFANoSetup   = errors.New("The setup expired or was replaced. Start the setup again.")
)

// MFA keeps users' TOTP secrets (sealed at rest) and recovery codes.
type MFA struct {
	db   *entweb.Client
	box  sealer
	now  func() time.Time
	opts totp.ValidateOpts
}

// NewMFA returns the MFA operations over db; secret (the session secret) derives the key
// the TOTP secrets are sealed with.
func NewMFA(db *entweb.Client, secret string) (*MFA, error) {
	box, err := newSealer(secret)
	if err != nil {
		return nil, err
	}
	return &MFA{
		db: db, box: box, now: func() time.Time { return time.Now().UTC() },
		opts: totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1},
	}, nil
}

// SetClock replaces the clock codes are checked against (tests).
func (m *MFA) SetClock(now func() time.Time) { m.now = now }

// Enabled reports whether u signs in with a second factor.
func Enabled(u *entweb.User) bool { return u.MfaEnabledAt != nil }

// Begin starts an enrollment: a new random secret replaces any unfinished one. It
// returns the key (its URL for the QR code, its secret as text). Refused while MFA is on.
func (m *MFA) Begin(ctx context.Context, userID, accountName string) (*otp.Key, error) {
	key, err := totp.Generate(totp.GenerateOpts{Issuer: mfaIssuer, AccountName: accountName, SecretSize: 20})
	if err != nil {
		return nil, fmt.Errorf("account: mfa: generate: %w", err)
	}
	raw, err := decodeSecret(key.Secret())
	if err != nil {
		return nil, err
	}
	sealed, err := m.box.seal(userID, raw)
	if err != nil {
		return nil, err
	}
	n, err := m.db.User.Update().Where(user.ID(userID), user.MfaEnabledAtIsNil()).
		SetMfaSecret(sealed).Save(ctx)
	if err != nil {
		return nil, fmt.Errorf("account: mfa: begin: %w", err)
	}
	if n == 0 {
		return nil, ErrMFAActive
	}
	return key, nil
}

// PendingKey returns the key of the unfinished enrollment of u, or ErrMFANoSetup.
func (m *MFA) PendingKey(u *entweb.User, accountName string) (*otp.Key, error) {
	if Enabled(u) || u.MfaSecret == nil {
		return nil, ErrMFANoSetup
	}
	raw, err := m.box.open(u.ID, *u.MfaSecret)
	if err != nil {
		return nil, ErrMFANoSetup
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: mfaIssuer, AccountName: accountName, Secret: raw})
	if err != nil {
		return nil, fmt.Errorf("account: mfa: key: %w", err)
	}
	return key, nil
}

// Enable finishes the enrollment when code is valid for the pending secret: MFA is on
// and ten new recovery codes, returned in clear this once, replace any old ones. A wrong
// code changes nothing.
func (m *MFA) Enable(ctx context.Context, userID, code string) ([]string, error) {
	u, err := m.db.User.Get(ctx, userID)
	if err != nil {
		return nil, fmt.Errorf("account: mfa: enable: %w", err)
	}
	if Enabled(u) {
		return nil, ErrMFAActive
	}
	if u.MfaSecret == nil {
		return nil, ErrMFANoSetup
	}
	raw, err := m.box.open(u.ID, *u.MfaSecret)
	if err != nil {
		return nil, ErrMFANoSetup
	}
	step, ok := m.matchStep(raw, normalizeCode(code))
	if !ok {
		return nil, ErrMFACode
	}
	codes, hashes, err := newRecoveryCodes()
	if err != nil {
		return nil, err
	}
	err = m.inTx(ctx, func(tx *entweb.Tx) error {
		n, err := tx.User.Update().
			Where(user.ID(userID), user.MfaEnabledAtIsNil(), user.MfaSecret(*u.MfaSecret)).
			SetMfaEnabledAt(m.now()).SetMfaLastStep(step).Save(ctx)
		if err != nil {
			return fmt.Errorf("account: mfa: enable: %w", err)
		}
		if n == 0 { // enabled or restarted meanwhile
			return ErrMFANoSetup
		}
		return replaceCodes(ctx, tx, userID, hashes)
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// Disable turns MFA off: the secret and the recovery codes are deleted.
func (m *MFA) Disable(ctx context.Context, userID string) error {
	return m.inTx(ctx, func(tx *entweb.Tx) error {
		n, err := tx.User.Update().Where(user.ID(userID), user.MfaEnabledAtNotNil()).
			ClearMfaSecret().ClearMfaEnabledAt().SetMfaLastStep(0).Save(ctx)
		if err != nil {
			return fmt.Errorf("account: mfa: disable: %w", err)
		}
		if n == 0 {
			return ErrMFANotActive
		}
		if _, err := tx.RecoveryCode.Delete().Where(recoverycode.UserID(userID)).Exec(ctx); err != nil {
			return fmt.Errorf("account: mfa: delete codes: %w", err)
		}
		return nil
	})
}

// RegenerateCodes replaces the recovery codes of a user with MFA on by ten new ones,
// returned in clear this once.
func (m *MFA) RegenerateCodes(ctx context.Context, userID string) ([]string, error) {
	codes, hashes, err := newRecoveryCodes()
	if err != nil {
		return nil, err
	}
	err = m.inTx(ctx, func(tx *entweb.Tx) error {
		on, err := tx.User.Query().Where(user.ID(userID), user.MfaEnabledAtNotNil()).Exist(ctx)
		if err != nil {
			return fmt.Errorf("account: mfa: regenerate: %w", err)
		}
		if !on {
			return ErrMFANotActive
		}
		return replaceCodes(ctx, tx, userID, hashes)
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}

// RemainingCodes counts the unused recovery codes of a user.
func (m *MFA) RemainingCodes(ctx context.Context, userID string) (int, error) {
	n, err := m.db.RecoveryCode.Query().
		Where(recoverycode.UserID(userID), recoverycode.UsedAtIsNil()).Count(ctx)
	if err != nil {
		return 0, fmt.Errorf("account: mfa: count codes: %w", err)
	}
	return n, nil
}

func (m *MFA) inTx(ctx context.Context, f func(tx *entweb.Tx) error) error {
	tx, err := m.db.Tx(ctx)
	if err != nil {
		return fmt.Errorf("account: mfa: begin: %w", err)
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("account: mfa: commit: %w", err)
	}
	return nil
}
