package account

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestOrgNameFor(t *testing.T) {
	cases := []struct{ name, email, want string }{
		{"Jane Doe", "jane@example.com", "Jane Doe's organization"},
		{"  ", "jane@example.com", "jane's organization"},
		{"", "", "My organization"},
		{strings.Repeat("é", 120), "", strings.Repeat("é", 80) + "'s organization"},
	}
	for _, tc := range cases {
		got := orgNameFor(tc.name, tc.email)
		require.Equal(t, tc.want, got)
		require.LessOrEqual(t, len([]rune(got)), 100, "organization names hold at most 100 characters")
	}
}
