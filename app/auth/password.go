// Package auth holds the credentials of Assay: password hashing and policy, API keys,
// and the short-lived EdDSA JWTs the web app mints for the API.
package auth

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
)

// Password length bounds. The upper bound is in bytes: it keeps hashing cheap to bound and
// is far above any passphrase; longer input is rejected, never truncated.
const (
	MinPasswordRunes = 8
	MaxPasswordBytes = 1024
)

// hashParams are the argon2id parameters for new hashes. 64 MiB with one pass and two lanes
// is above OWASP's minimum (46 MiB, t=1, p=1) and follows RFC 9106's advice of t=1 with as
// much memory as the host affords. A fixed parallelism (unlike argon2id.DefaultParams, which
// uses NumCPU) keeps the cost of a hash independent of the machine that wrote it. Tests
// lower hashParams; stored hashes carry their own parameters, so verification is unaffected.
var defaultHashParams = argon2id.Params{
	Memory:      64 * 1024,
	Iterations:  1,
	Parallelism: 2,
	SaltLength:  16,
	KeyLength:   32,
}

var hashParams = &defaultHashParams

// hashSlots bounds concurrent argon2id computations so a burst of logins costs at most
// GOMAXPROCS × 64 MiB instead of exhausting memory.
var hashSlots = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

// PasswordError is a password policy violation; its text is safe to show to the user.
type PasswordError string

func (e PasswordError) Error() string { return string(e) }

// Policy violations returned by ValidatePassword.
const (
	ErrPasswordTooShort PasswordError = "Password must be at least 8 characters long."
	ErrPasswordTooLong  PasswordError = "Password must be at most 1024 bytes long."
	ErrPasswordInvalid  PasswordError = "Password contains invalid characters."
	ErrPasswordCommon   PasswordError = "This password is too common. Please choose a less predictable one."
)

// ValidatePassword checks a new password against the policy: 8 or more characters, at most
// 1024 bytes, valid UTF-8, not on the list of the most common passwords. There are no
// composition rules. The returned error is a PasswordError.
func ValidatePassword(pw string) error {
	switch {
	case len(pw) > MaxPasswordBytes:
		return ErrPasswordTooLong
	case !utf8.ValidString(pw):
		return ErrPasswordInvalid
	case utf8.RuneCountInString(pw) < MinPasswordRunes:
		return ErrPasswordTooShort
	case isCommonPassword(pw):
		return ErrPasswordCommon
	}
	return nil
}

// HashPassword returns an argon2id hash in PHC string format. It refuses passwords longer
// than MaxPasswordBytes rather than truncating them.
func HashPassword(pw string) (string, error) {
	if len(pw) > MaxPasswordBytes {
		return "", fmt.Errorf("auth: hash password: %w", ErrPasswordTooLong)
	}
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	h, err := argon2id.CreateHash(pw, hashParams)
	if err != nil {
		return "", fmt.Errorf("auth: hash password: %w", err)
	}
	return h, nil
}

// CheckPassword reports whether pw matches hash, in constant time. A malformed hash is an
// error; a password over MaxPasswordBytes never matches.
func CheckPassword(hash, pw string) (bool, error) {
	if len(pw) > MaxPasswordBytes {
		return false, nil
	}
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	ok, err := argon2id.ComparePasswordAndHash(pw, hash)
	if err != nil {
		return false, fmt.Errorf("auth: check password: %w", err)
	}
	return ok, nil
}

// NeedsRehash reports whether hash was made with other parameters than new hashes use, so
// a login can store a fresh hash of the password it just verified.
func NeedsRehash(hash string) bool {
	p, _, _, err := argon2id.DecodeHash(hash)
	if err != nil {
		return true
	}
	return p.Memory != hashParams.Memory || p.Iterations != hashParams.Iterations ||
		p.Parallelism != hashParams.Parallelism || p.KeyLength != hashParams.KeyLength
}

var dummy struct {
	once sync.Once
	hash string
}

// DummyCheckPassword spends the time of a CheckPassword without a real hash. Call it when
// a login names an unknown user, so response times do not tell which emails exist.
func DummyCheckPassword(pw string) {
	dummy.once.Do(func() {
		h, err := HashPassword("assay-dummy-password")
		if err != nil {
			panic(fmt.Errorf("auth: dummy hash: %w", err)) // argon2id only fails if crypto/rand does
		}
		dummy.hash = h
	})
	_, _ = CheckPassword(dummy.hash, pw)
}

// IsPasswordError reports whether err is a password policy violation.
func IsPasswordError(err error) bool {
	var pe PasswordError
	return errors.As(err, &pe)
}

func isCommonPassword(pw string) bool {
	_, ok := commonPasswords()[strings.ToLower(pw)]
	return ok
}
