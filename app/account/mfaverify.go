package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/pquerna/otp/totp"

	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/recoverycode"
	"github.com/assayhq/assay/ent/web/user"
)

// Method is how a second factor was proven.
type Method string

// Second-factor methods.
const (
	MethodTOTP     Method = "totp"
	MethodRecovery Method = "recovery_code"
)

// recoveryCount is how many recovery codes a user holds after enabling or regenerating.
const recoveryCount = 10

// recoveryAlphabet has no 0/O or 1/I/L to misread.
const recoveryAlphabet = "abcdefghjkmnpqrstuvwxyz23456789"

// Verify checks a second factor of a user with MFA on: a TOTP code (within one step
// either side of now, and newer than the last one accepted: a code is good once) or an
// unused recovery code (then used up). Anything else is ErrMFACode or ErrMFAReplayed
// and changes nothing.
func (m *MFA) Verify(ctx context.Context, userID, code string) (Method, error) {
	u, err := m.db.User.Get(ctx, userID)
	if err != nil {
		return "", fmt.Errorf("account: mfa: verify: %w", err)
	}
	if !Enabled(u) || u.MfaSecret == nil {
		return "", ErrMFANotActive
	}
	code = normalizeCode(code)
	if len(code) == recoveryLen {
		return MethodRecovery, m.useRecovery(ctx, userID, code)
	}
	raw, err := m.box.open(u.ID, *u.MfaSecret)
	if err != nil {
		// The key changed (a rotated session secret): only recovery codes work now.
		return "", ErrMFACode
	}
	step, ok := m.matchStep(raw, code)
	if !ok {
		return "", ErrMFACode
	}
	n, err := m.db.User.Update().Where(user.ID(userID), user.MfaLastStepLT(step), user.MfaEnabledAtNotNil()).
		SetMfaLastStep(step).Save(ctx)
	if err != nil {
		return "", fmt.Errorf("account: mfa: record step: %w", err)
	}
	if n == 0 {
		return "", ErrMFAReplayed
	}
	return MethodTOTP, nil
}

// matchStep returns the time step (of the previous, current or next 30 s) whose code
// is code.
func (m *MFA) matchStep(secret []byte, code string) (int64, bool) {
	if len(code) != 6 {
		return 0, false
	}
	b32 := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(secret)
	const period = totpPeriod
	cur := m.now().Unix() / period
	var found int64
	ok := false
	for step := cur - 1; step <= cur+1; step++ {
		want, err := totp.GenerateCodeCustom(b32, time.Unix(step*period, 0), m.opts)
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			found, ok = step, true
		}
	}
	return found, ok
}

func (m *MFA) useRecovery(ctx context.Context, userID, code string) error {
	n, err := m.db.RecoveryCode.Update().
		Where(recoverycode.UserID(userID), recoverycode.CodeHash(hashCode(code)), recoverycode.UsedAtIsNil()).
		SetUsedAt(m.now()).Save(ctx)
	if err != nil {
		return fmt.Errorf("account: mfa: use recovery code: %w", err)
	}
	if n == 0 {
		return ErrMFACode
	}
	return nil
}

// recoveryLen is the length of a recovery code without its dash.
const recoveryLen = 10

// normalizeCode drops spaces and dashes and lowers the case.
func normalizeCode(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '-', '\t':
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(s)))
}

func hashCode(code string) string {
	h := sha256.Sum256([]byte(code))
	return hex.EncodeToString(h[:])
}

// newRecoveryCodes returns ten random codes as shown ("xxxxx-xxxxx") and their hashes.
func newRecoveryCodes() (codes, hashes []string, err error) {
	// Bytes at or above the largest multiple of the alphabet's size are drawn again, so
	// every letter is equally likely.
	limit := byte(256 / len(recoveryAlphabet) * len(recoveryAlphabet))
	buf := make([]byte, 64)
	for range recoveryCount {
		b := make([]byte, 0, recoveryLen)
		for len(b) < recoveryLen {
			if _, err := rand.Read(buf); err != nil {
				return nil, nil, fmt.Errorf("account: mfa: recovery code: %w", err)
			}
			for _, x := range buf {
				if x < limit && len(b) < recoveryLen {
					b = append(b, recoveryAlphabet[int(x)%len(recoveryAlphabet)])
				}
			}
		}
		codes = append(codes, string(b[:5])+"-"+string(b[5:]))
		hashes = append(hashes, hashCode(string(b)))
	}
	return codes, hashes, nil
}

func replaceCodes(ctx context.Context, tx *entweb.Tx, userID string, hashes []string) error {
	if _, err := tx.RecoveryCode.Delete().Where(recoverycode.UserID(userID)).Exec(ctx); err != nil {
		return fmt.Errorf("account: mfa: delete codes: %w", err)
	}
	rows := make([]*entweb.RecoveryCodeCreate, len(hashes))
	for i, h := range hashes {
		rows[i] = tx.RecoveryCode.Create().SetUserID(userID).SetCodeHash(h)
	}
	if err := tx.RecoveryCode.CreateBulk(rows...).Exec(ctx); err != nil {
		return fmt.Errorf("account: mfa: store codes: %w", err)
	}
	return nil
}

func decodeSecret(b32 string) ([]byte, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(strings.ToUpper(b32))
	if err != nil {
		return nil, fmt.Errorf("account: mfa: secret: %w", err)
	}
	return raw, nil
}
