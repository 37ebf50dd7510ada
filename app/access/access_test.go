package access_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/access"
)

func TestCan(t *testing.T) {
	all := []access.Action{access.Invite, access.ChangeRoles, access.ManageBilling, access.ManageAPIKeys, access.DeleteData, access.RemoveMembers, access.ManageWebhooks}
	cases := []struct {
		role    string
		allowed []access.Action
	}{
		{access.RoleOwner, all},
		{access.RoleAdmin, []access.Action{access.Invite, access.ChangeRoles, access.ManageAPIKeys, access.RemoveMembers, access.ManageWebhooks}},
		{access.RoleMember, nil},
		{"", nil},
		{"superuser", nil},
	}
	for _, tc := range cases {
		t.Run(tc.role, func(t *testing.T) {
			for _, a := range all {
				want := false
				for _, ok := range tc.allowed {
					want = want || ok == a
				}
				require.Equal(t, want, access.Can(tc.role, a), "%q may %s", tc.role, a)
			}
		})
	}
	require.False(t, access.Can(access.RoleOwner, "fly"), "unknown actions are refused")
}
