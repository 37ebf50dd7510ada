package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/assayhq/assay/app/lifecycle"
)

// retentionEvery is how often the reconciler purges the datasets past their
// organization's retention. Retention counts in days, so an hourly run deletes a
// dataset within the hour after the date shown on it.
const retentionEvery = time.Hour

// retention purges the datasets whose retention is over, at most once per
// retentionEvery of the pool's clock. The reconciler's Redis lock keeps it to one
// process; every delete is conditional, so a second run deletes nothing more.
func (rc *reconciler) retention(ctx context.Context) error {
	at := rc.r.deps.Clock().UTC()
	if !rc.retentionAt.IsZero() && at.Sub(rc.retentionAt) < retentionEvery {
		return nil
	}
	rc.retentionAt = at
	ret := lifecycle.Retention{DB: rc.r.db, Blobs: rc.r.deps.Blobs, Now: rc.r.deps.Clock, Log: rc.r.log}
	n, err := ret.RunDue(ctx)
	if err != nil {
		return fmt.Errorf("retention: %w", err)
	}
	if n > 0 {
		rc.r.log.Info("jobs: purged datasets past retention", "count", n)
	}
	return nil
}
