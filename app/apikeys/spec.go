package apikeys

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Scopes of an API key: read allows the API's GET endpoints (server-sent events and
// reports included), write its POST and DELETE endpoints. They are independent: a
// write-only key can send data in but not read anything back.
const (
	ScopeRead  = "read"
	ScopeWrite = "write"
)

// Limits of a key's fields.
const (
	MaxNameLen = 100
	// MaxLifetime is the furthest expiry a key may be given.
	MaxLifetime = 365 * 24 * time.Hour
)

// AllScopes returns every scope, in display order.
func AllScopes() []string { return []string{ScopeRead, ScopeWrite} }

// Effective returns the scopes a key acts with. Keys issued before scopes existed have
// none stored and keep the full access they were issued with: read and write.
func Effective(stored []string) []string {
	if len(stored) == 0 {
		return AllScopes()
	}
	return stored
}

// Allows reports whether a key with the stored scopes has scope.
func Allows(stored []string, scope string) bool {
	return slices.Contains(Effective(stored), scope)
}

// ParseScopes reads a comma-separated scope list such as "read,write".
func ParseScopes(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// Spec is what a new key is made of.
type Spec struct {
	Name      string
	Scopes    []string
	ExpiresAt *time.Time // nil: never expires
}

// InvalidError lists every problem of a Spec, each as a sentence for people.
type InvalidError struct{ Problems []string }

func (e *InvalidError) Error() string { return strings.Join(e.Problems, " ") }

// IsInvalid reports whether err is an *InvalidError.
func IsInvalid(err error) bool {
	var ie *InvalidError
	return errors.As(err, &ie)
}

// Validate returns s with its name trimmed, its scopes deduplicated in display order
// and its expiry in UTC, or an *InvalidError naming every problem.
func (s Spec) Validate(now time.Time) (Spec, error) {
	var problems []string
	s.Name = strings.TrimSpace(s.Name)
	switch n := utf8.RuneCountInString(s.Name); {
	case n == 0:
		problems = append(problems, "Give the key a name.")
	case !utf8.ValidString(s.Name) || strings.IndexFunc(s.Name, unicode.IsControl) >= 0:
		problems = append(problems, "The name may not contain control characters.")
	case n > MaxNameLen:
		problems = append(problems, fmt.Sprintf("The name must be at most %d characters long.", MaxNameLen))
	}
	var scopes []string
	for _, sc := range s.Scopes {
		if !slices.Contains(AllScopes(), sc) {
			problems = append(problems, fmt.Sprintf("Unknown scope %q: scopes are read and write.", clip(sc)))
			scopes = nil
			break
		}
	}
	for _, sc := range AllScopes() {
		if slices.Contains(s.Scopes, sc) {
			scopes = append(scopes, sc)
		}
	}
	if len(s.Scopes) == 0 {
		problems = append(problems, "Choose at least one scope: read, write or both.")
	}
	s.Scopes = scopes
	if s.ExpiresAt != nil {
		at := s.ExpiresAt.UTC()
		s.ExpiresAt = &at
		switch {
		case !at.After(now):
			problems = append(problems, "The expiry must be in the future.")
		case at.After(now.Add(MaxLifetime)):
			problems = append(problems, "The expiry may be at most one year away.")
		}
	}
	if len(problems) > 0 {
		return s, &InvalidError{Problems: problems}
	}
	return s, nil
}

// clip shortens what a client sent before it is quoted back.
func clip(s string) string {
	if !utf8.ValidString(s) {
		return "?"
	}
	if r := []rune(s); len(r) > 20 {
		return string(r[:20]) + "…"
	}
	return s
}
