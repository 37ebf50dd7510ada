package web

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/account"
)

// Disabling a user ends every session of theirs at once, in the same transaction, and
// no other user's.
func TestDisableUserEndsAllSessions(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		ctx := context.Background()
		o, other := env.owner(t), env.owner(t)
		browsers := []*client{env.loginFrom(t, o, uaFirefoxWindows, ""), env.loginFrom(t, o, uaChromeAndroid, "")}
		theirs := env.loginFrom(t, other, uaSafariMac, "")

		u, n, err := account.DisableUser(ctx, env.db, " "+o.Email+" ", time.Now())
		require.NoError(t, err)
		require.Equal(t, o.UserID, u.ID)
		require.Equal(t, 2, n)
		require.NotNil(t, u.DisabledAt)
		require.Zero(t, sessionCount(t, env, o.UserID), "the rows are gone, not only refused on the next request")
		for _, c := range browsers {
			sentToLogin(t, c)
		}
		stillSignedIn(t, theirs)

		// Again: the first disabled_at stays, nothing else to end.
		first := *env.db.User.GetX(ctx, o.UserID).DisabledAt
		_, n, err = account.DisableUser(ctx, env.db, o.Email, time.Now().Add(time.Hour))
		require.NoError(t, err)
		require.Zero(t, n)
		require.True(t, first.Equal(*env.db.User.GetX(ctx, o.UserID).DisabledAt))

		_, _, err = account.DisableUser(ctx, env.db, "nobody@example.com", time.Now())
		require.ErrorIs(t, err, account.ErrNoUser)
		stillSignedIn(t, theirs)
	})
}
