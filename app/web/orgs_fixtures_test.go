package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/ent/web/membership"
)

// joined adds a new user to orgID with role and returns them as an owner fixture (the
// user, with OrgID the organization joined).
func (e *testEnv) joined(t *testing.T, orgID string, role membership.Role) owner {
	t.Helper()
	ctx := context.Background()
	email := fmt.Sprintf("%s%d-%d@example.com", role, fixtureSeq.Add(1), time.Now().UnixNano())
	u, err := e.db.User.Create().SetEmail(email).SetPasswordHash(fixtureHash()).SetEmailVerifiedAt(time.Now()).Save(ctx)
	require.NoError(t, err)
	require.NoError(t, e.db.Membership.Create().SetUserID(u.ID).SetOrgID(orgID).SetRole(role).Exec(ctx))
	return owner{UserID: u.ID, OrgID: orgID, Email: email}
}

// roleOf is userID's role in orgID, or "" when not a member.
func (e *testEnv) roleOf(t *testing.T, userID, orgID string) string {
	t.Helper()
	m, err := e.db.Membership.Query().Where(membership.UserID(userID), membership.OrgID(orgID)).Only(context.Background())
	if err != nil {
		return ""
	}
	return string(m.Role)
}

func (e *testEnv) orgName(t *testing.T, orgID string) string {
	t.Helper()
	return e.db.Organization.GetX(context.Background(), orgID).Name
}

// openInvite opens an invitation link in c and returns the invitation page.
func (c *client) openInvite(link string) response {
	c.t.Helper()
	u, err := url.Parse(link)
	require.NoError(c.t, err)
	res := c.get(u.RequestURI())
	if res.StatusCode != http.StatusSeeOther {
		return res
	}
	require.Equal(c.t, pathInviteAccept, res.Header.Get("Location"), "the token leaves the address")
	return c.get(pathInviteAccept)
}
