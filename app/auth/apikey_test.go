package auth

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestNewAPIKey(t *testing.T) {
	seen := map[string]bool{}
	chars := map[rune]bool{}
	for range 500 {
		key, prefix, hash := NewAPIKey()
		require.Len(t, prefix, 12)
		require.Len(t, key, len("assay_")+12+1+43)
		require.Equal(t, "assay_"+prefix+"_", key[:19])
		require.Equal(t, HashAPIKey(key), hash)
		require.Len(t, hash, 64)
		got, ok := APIKeyPrefix(key)
		require.True(t, ok, key)
		require.Equal(t, prefix, got)
		require.False(t, seen[prefix], "prefix repeated")
		seen[prefix] = true
		for _, c := range key[19:] {
			chars[c] = true
		}
	}
	require.Len(t, chars, 62, "every base62 character shows up")
}

func TestAPIKeyPrefix(t *testing.T) {
	secret := strings.Repeat("s", 43)
	tests := []struct {
		name string
		key  string
		ok   bool
	}{
		{"valid", "assay_ABCDEFabc123_" + secret, true},
		{"shortest secret", "assay_ABCDEFabc123_" + strings.Repeat("s", 32), true},
		{"longest secret", "assay_ABCDEFabc123_" + strings.Repeat("s", 64), true},
		{"empty", "", false},
		{"scheme only", "assay_", false},
		{"wrong scheme", "asay_ABCDEFabc123_" + secret, false},
		{"upper-case scheme", "ASSAY_ABCDEFabc123_" + secret, false},
		{"prefix too short", "assay_ABCDEFabc12_" + secret, false},
		{"prefix too long", "assay_ABCDEFabc1234_" + secret, false},
		{"prefix alphabet", "assay_ABCDEF-bc123_" + secret, false},
		{"secret too short", "assay_ABCDEFabc123_" + strings.Repeat("s", 31), false},
		{"secret too long", "assay_ABCDEFabc123_" + strings.Repeat("s", 65), false},
		{"secret alphabet", "assay_ABCDEFabc123_" + secret[:42] + "/", false},
		{"underscore in secret", "assay_ABCDEFabc123_" + secret[:20] + "_" + secret[:22], false},
		{"missing separator", "assay_ABCDEFabc123" + secret, false},
		{"trailing newline", "assay_ABCDEFabc123_" + secret + "\n", false},
		{"leading space", " assay_ABCDEFabc123_" + secret, false},
		{"non-ascii", "assay_ABCDEFabc12é_" + secret, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix, ok := APIKeyPrefix(tt.key)
			require.Equal(t, tt.ok, ok)
			if ok {
				require.Equal(t, "ABCDEFabc123", prefix)
			} else {
				require.Empty(t, prefix)
			}
		})
	}
}

func TestHashAPIKey(t *testing.T) {
	// printf %s assay_test | sha256sum
	require.Equal(t, "c86ff318dfc6f176f5c4ce3249f69931add9b75693acf793d363c623836a1e60", HashAPIKey("assay_test"))
}

func TestEqualHash(t *testing.T) {
	a := HashAPIKey("a")
	tests := []struct {
		name string
		x, y string
		want bool
	}{
		{"same", a, a, true},
		{"different", a, HashAPIKey("b"), false},
		{"prefix", a, a[:63], false},
		{"empty", "", a, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.Equal(t, tt.want, EqualHash(tt.x, tt.y))
		})
	}
}
