package auth

import (
	_ "embed"
	"strings"
	"sync"
)

// commonPasswordsText lists, one a line and lower-cased, the passwords of 8 or more
// characters among the 49,233 most frequent ones of the Xato/Burnett password corpus, as
// published by zxcvbn (Dan Wheeler, Dropbox; MIT licence) in the npm package
// @zxcvbn-ts/language-common 4.1.3, src/passwords.json: 17,950 entries, most frequent
// first. Shorter ones are already refused by the length rule.
//
//go:embed common_passwords.txt
var commonPasswordsText string

// commonPasswords parses the list once, on first use.
var commonPasswords = sync.OnceValue(func() map[string]struct{} {
	lines := strings.Split(strings.TrimSpace(commonPasswordsText), "\n")
	m := make(map[string]struct{}, len(lines))
	for _, w := range lines {
		m[w] = struct{}{}
	}
	return m
})
