package jobs

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/ent/api/dataset"
)

// The reconciler purges the datasets past retention by its clock, at most once an hour.
func TestReconcilerRetention(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := sys()
		at := time.Now().UTC()
		deps := e.deps()
		deps.Clock = func() time.Time { return at }
		rc := newReconciler(NewPool(deps, testOptions()).runner)
		exists := func(id string) bool { return e.db.Dataset.Query().Where(dataset.ID(id)).ExistX(ctx) }

		first := e.dataset(t, testCSV(5), 0, true)
		require.NoError(t, rc.retention(ctx))
		require.True(t, exists(first.ID), "within retention")

		at = at.AddDate(0, 0, 8) // past Free's 7 days
		require.NoError(t, rc.retention(ctx))
		require.False(t, exists(first.ID))

		// A run within the hour of the last one does nothing; the next one purges.
		second := e.dataset(t, testCSV(5), 0, true)
		at = at.AddDate(0, 0, 8).Add(-30 * time.Minute)
		rc.retentionAt = at.Add(-30 * time.Minute)
		require.NoError(t, rc.retention(ctx))
		require.True(t, exists(second.ID), "throttled")
		at = at.Add(31 * time.Minute)
		require.NoError(t, rc.retention(ctx))
		require.False(t, exists(second.ID))
	})
}
