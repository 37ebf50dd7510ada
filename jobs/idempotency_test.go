package jobs

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/ent/api/idempotencykey"
)

func TestReconcilerPurgesExpiredIdempotencyKeys(t *testing.T) {
	cases := []struct {
		name      string
		status    idempotencykey.Status
		expiresIn time.Duration
		lockedFor time.Duration
		purged    bool
	}{
		{"completed and expired", idempotencykey.StatusCompleted, -time.Second, -time.Hour, true},
		{"completed, still kept", idempotencykey.StatusCompleted, time.Hour, -time.Hour, false},
		{"expired, its request still running", idempotencykey.StatusInProgress, -time.Second, time.Minute, false},
		{"expired and abandoned", idempotencykey.StatusInProgress, -time.Second, -time.Second, true},
	}
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := sys()
		ids := make([]string, len(cases))
		for i, tc := range cases {
			row, err := e.db.IdempotencyKey.Create().SetOrgID(e.org).
				SetKey(tc.name).SetMethod("POST").SetPath("/v1/api/datasets").
				SetStatus(tc.status).SetLockToken("t").
				SetLockedUntil(now().Add(tc.lockedFor)).SetExpiresAt(now().Add(tc.expiresIn)).
				Save(ctx)
			require.NoError(t, err)
			ids[i] = row.ID
		}
		rc := newReconciler(e.newPool(t, testOptions()).runner)
		require.NoError(t, rc.purgeIdempotencyKeys(ctx))
		for i, tc := range cases {
			n, err := e.db.IdempotencyKey.Query().Where(idempotencykey.ID(ids[i])).Count(ctx)
			require.NoError(t, err)
			if tc.purged {
				require.Zero(t, n, tc.name)
			} else {
				require.Equal(t, 1, n, tc.name)
			}
		}
	})
}
