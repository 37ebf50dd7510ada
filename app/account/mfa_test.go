package account

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/store/storetest"
)

const testSecret = "test-session-secret-0123456789abcdef"

func TestSealerRefusesTamperedSecrets(t *testing.T) {
	box, err := newSealer(testSecret)
	require.NoError(t, err)
	sealed, err := box.seal("user-1", []byte("raw secret"))
	require.NoError(t, err)
	plain, err := box.open("user-1", sealed)
	require.NoError(t, err)
	require.Equal(t, "raw secret", string(plain))

	other, err := newSealer(testSecret + "-rotated")
	require.NoError(t, err)
	flipped := []byte(sealed)
	flipped[len(flipped)-2] ^= 1
	cases := []struct {
		name, user, sealed string
		box                sealer
	}{
		{"another user's row", "user-2", sealed, box},
		{"a rotated key", "user-1", sealed, other},
		{"a flipped byte", "user-1", string(flipped), box},
		{"no version prefix", "user-1", strings.TrimPrefix(sealed, sealPrefix), box},
		{"not base64", "user-1", sealPrefix + "!!", box},
		{"too short", "user-1", sealPrefix + "AAAA", box},
	}
	for _, tc := range cases {
		_, err := tc.box.open(tc.user, tc.sealed)
		require.ErrorIs(t, err, errUnseal, tc.name)
	}
	_, err = newSealer("")
	require.Error(t, err)
}

func TestRecoveryCodesAreRandomAndFormatted(t *testing.T) {
	codes, hashes, err := newRecoveryCodes()
	require.NoError(t, err)
	require.Len(t, codes, recoveryCount)
	seen := map[string]bool{}
	for i, c := range codes {
		require.Len(t, c, recoveryLen+1)
		require.Equal(t, byte('-'), c[5])
		for _, r := range strings.ReplaceAll(c, "-", "") {
			require.Contains(t, recoveryAlphabet, string(r))
		}
		require.Equal(t, hashCode(normalizeCode(strings.ToUpper(c))), hashes[i])
		require.False(t, seen[c])
		seen[c] = true
	}
}

// Through the database: enrollment, a code good once, codes before the last one
// refused, recovery codes single use, disabling.
func TestMFALifecycle(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		db := openWeb(t, dbURL)
		u := db.User.Create().SetEmail("mfa@example.com").SaveX(ctx)
		m, err := NewMFA(db, testSecret)
		require.NoError(t, err)
		now := time.Now().UTC()
		m.SetClock(func() time.Time { return now })
		at := func(d time.Duration) string {
			code, err := totp.GenerateCode(strings.TrimSpace(m.mustKey(t, ctx, u.ID)), now.Add(d))
			require.NoError(t, err)
			return code
		}

		_, err = m.Verify(ctx, u.ID, "123456")
		require.ErrorIs(t, err, ErrMFANotActive)
		_, err = m.Enable(ctx, u.ID, "123456")
		require.ErrorIs(t, err, ErrMFANoSetup)
		key, err := m.Begin(ctx, u.ID, u.Email)
		require.NoError(t, err)
		require.NotContains(t, *db.User.GetX(ctx, u.ID).MfaSecret, key.Secret(), "sealed at rest")
		_, err = m.Enable(ctx, u.ID, at(-2*time.Minute))
		require.ErrorIs(t, err, ErrMFACode)
		codes, err := m.Enable(ctx, u.ID, at(0))
		require.NoError(t, err)
		require.Len(t, codes, recoveryCount)
		_, err = m.Begin(ctx, u.ID, u.Email)
		require.ErrorIs(t, err, ErrMFAActive)

		cases := []struct {
			name string
			code string
			want error
		}{
			{"the enrollment's code again", at(0), ErrMFAReplayed},
			{"the previous period's code", at(-30 * time.Second), ErrMFAReplayed},
			{"two periods ahead", at(time.Minute), ErrMFACode},
			{"the next period's code", at(30 * time.Second), nil},
			{"the next period's code again", at(30 * time.Second), ErrMFAReplayed},
			{"letters", "abcdef", ErrMFACode},
			{"empty", "", ErrMFACode},
			{"a recovery code", codes[3], nil},
			{"the same recovery code", codes[3], ErrMFACode},
			{"a made-up recovery code", "abcde-fghjk", ErrMFACode},
		}
		for _, tc := range cases {
			_, err := m.Verify(ctx, u.ID, tc.code)
			if tc.want == nil {
				require.NoError(t, err, tc.name)
			} else {
				require.ErrorIs(t, err, tc.want, tc.name)
			}
		}
		n, err := m.RemainingCodes(ctx, u.ID)
		require.NoError(t, err)
		require.Equal(t, recoveryCount-1, n)

		fresh, err := m.RegenerateCodes(ctx, u.ID)
		require.NoError(t, err)
		_, err = m.Verify(ctx, u.ID, codes[0])
		require.ErrorIs(t, err, ErrMFACode, "old codes are gone")
		_, err = m.Verify(ctx, u.ID, fresh[0])
		require.NoError(t, err)

		require.NoError(t, m.Disable(ctx, u.ID))
		require.ErrorIs(t, m.Disable(ctx, u.ID), ErrMFANotActive)
		got := db.User.GetX(ctx, u.ID)
		require.Nil(t, got.MfaSecret)
		require.Nil(t, got.MfaEnabledAt)
		require.Zero(t, db.RecoveryCode.Query().CountX(ctx))
	})
}

// mustKey reads the user's secret back (tests only).
func (m *MFA) mustKey(t *testing.T, ctx context.Context, userID string) string {
	t.Helper()
	u, err := m.db.User.Get(ctx, userID)
	require.NoError(t, err)
	raw, err := m.box.open(u.ID, *u.MfaSecret)
	require.NoError(t, err)
	key, err := totp.Generate(totp.GenerateOpts{Issuer: mfaIssuer, AccountName: "x", Secret: raw})
	require.NoError(t, err)
	return key.Secret()
}
