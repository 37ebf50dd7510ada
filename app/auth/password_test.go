package auth

import (
	"os"
	"strings"
	"testing"

	"github.com/alexedwards/argon2id"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) {
	// Production parameters cost 64 MiB per hash; tests only need the code paths.
	hashParams = &argon2id.Params{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32}
	os.Exit(m.Run())
}

func TestValidatePassword(t *testing.T) {
	tests := []struct {
		name string
		pw   string
		want error
	}{
		{"empty", "", ErrPasswordTooShort},
		{"seven", "abcdefg", ErrPasswordTooShort},
		{"seven emoji are 28 bytes", strings.Repeat("😀", 7), ErrPasswordTooShort},
		{"eight runes", "abcdefgx", nil},
		{"eight cyrillic runes", "абвгдежз", nil},
		{"spaces allowed", "correct horse battery staple", nil},
		{"1024 bytes", strings.Repeat("x", 1024), nil},
		{"1025 bytes", strings.Repeat("x", 1025), ErrPasswordTooLong},
		{"invalid utf-8", "abcdefgh\xff", ErrPasswordInvalid},
		{"common", "password", ErrPasswordCommon},
		{"common any case", "PassWord123", ErrPasswordCommon},
		{"common digits", "12345678", ErrPasswordCommon},
		{"common keyboard", "QWERTY123", ErrPasswordCommon},
		{"common with suffix is fine", "password-for-assay", nil},
		{"listed deep in the list", "Nick1234", ErrPasswordCommon},
		{"last of the list", "dimazarya", ErrPasswordCommon},
		{"64 characters", strings.Repeat("0123456789abcdef", 4), nil},
		{"200 characters, never truncated", strings.Repeat("long passphrase ", 12) + "ends", nil},
		{"no composition rules: lower case only", "purplemonkeydishwasher", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ValidatePassword(tt.pw)
			if tt.want == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.want)
			require.True(t, IsPasswordError(err))
		})
	}
}

func TestCommonPasswordsAreLowerCaseAndLong(t *testing.T) {
	require.Len(t, commonPasswords(), 17950)
	for pw := range commonPasswords() {
		require.Equal(t, strings.ToLower(pw), pw)
		require.GreaterOrEqual(t, len(pw), MinPasswordRunes, pw)
	}
}

func TestHashAndCheckPassword(t *testing.T) {
	h1, err := HashPassword("correct horse battery staple")
	require.NoError(t, err)
	h2, err := HashPassword("correct horse battery staple")
	require.NoError(t, err)
	require.NotEqual(t, h1, h2, "salted")
	require.True(t, strings.HasPrefix(h1, "$argon2id$v=19$"))

	tests := []struct {
		name    string
		hash    string
		pw      string
		want    bool
		wantErr bool
	}{
		{"match", h1, "correct horse battery staple", true, false},
		{"other hash of the same password", h2, "correct horse battery staple", true, false},
		{"mismatch", h1, "correct horse battery stapl", false, false},
		{"over the limit never matches", h1, strings.Repeat("x", 1025), false, false},
		{"malformed hash", "$argon2id$nope", "whatever", false, true},
		{"empty hash", "", "whatever", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := CheckPassword(tt.hash, tt.pw)
			require.Equal(t, tt.wantErr, err != nil, "err: %v", err)
			require.Equal(t, tt.want, ok)
		})
	}
}

func TestHashPasswordRefusesTooLong(t *testing.T) {
	_, err := HashPassword(strings.Repeat("x", 1025))
	require.ErrorIs(t, err, ErrPasswordTooLong)
	h, err := HashPassword(strings.Repeat("x", 1024))
	require.NoError(t, err)
	ok, err := CheckPassword(h, strings.Repeat("x", 1024))
	require.NoError(t, err)
	require.True(t, ok)
}

func TestNeedsRehash(t *testing.T) {
	h, err := HashPassword("correct horse battery staple")
	require.NoError(t, err)
	require.False(t, NeedsRehash(h))
	old, err := argon2id.CreateHash("correct horse battery staple", &argon2id.Params{Memory: 32, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32})
	require.NoError(t, err)
	require.True(t, NeedsRehash(old))
	require.True(t, NeedsRehash("garbage"))
}

func TestDummyCheckPassword(t *testing.T) {
	DummyCheckPassword("anything")
	DummyCheckPassword(strings.Repeat("x", 2000))
}

func TestProductionParams(t *testing.T) {
	p := defaultHashParams
	require.Equal(t, argon2id.Params{Memory: 64 * 1024, Iterations: 1, Parallelism: 2, SaltLength: 16, KeyLength: 32}, p)
	h, err := argon2id.CreateHash("correct horse battery staple", &p)
	require.NoError(t, err)
	got, _, _, err := argon2id.DecodeHash(h)
	require.NoError(t, err)
	require.Equal(t, p, *got)
	ok, err := CheckPassword(h, "correct horse battery staple")
	require.NoError(t, err)
	require.True(t, ok)
}

// Long passwords are hashed whole: no prefix of one matches it (bcrypt, say, stops at 72 bytes).
func TestLongPasswordsAreNotTruncated(t *testing.T) {
	pw := strings.Repeat("0123456789", 20) + "tail"
	h, err := HashPassword(pw)
	require.NoError(t, err)
	for _, n := range []int{64, 72, 128, 200} {
		ok, err := CheckPassword(h, pw[:n])
		require.NoError(t, err)
		require.False(t, ok, "prefix of %d bytes", n)
	}
	ok, err := CheckPassword(h, pw)
	require.NoError(t, err)
	require.True(t, ok)
}
