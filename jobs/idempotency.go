package jobs

import (
	"context"
	"fmt"

	"github.com/assayhq/assay/ent/api/idempotencykey"
)

// purgeIdempotencyKeys deletes Idempotency-Key rows past their expiry (24 hours after the
// request that claimed them), a batch per pass. A key still held by a running request is
// left until its lease lapses; the API treats an expired row as absent anyway, so purging
// only bounds the table.
func (rc *reconciler) purgeIdempotencyKeys(ctx context.Context) error {
	db := rc.r.db
	t := now()
	ids, err := db.IdempotencyKey.Query().
		Where(idempotencykey.ExpiresAtLT(t), idempotencykey.Or(
			idempotencykey.StatusEQ(idempotencykey.StatusCompleted),
			idempotencykey.LockedUntilLT(t),
		)).
		Limit(reconcileBatch).IDs(ctx)
	if err != nil {
		return fmt.Errorf("purge idempotency keys: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	// The expiry is checked again: a request may have taken a key over since.
	n, err := db.IdempotencyKey.Delete().
		Where(idempotencykey.IDIn(ids...), idempotencykey.ExpiresAtLT(t)).
		Exec(ctx)
	if err != nil {
		return fmt.Errorf("purge idempotency keys: %w", err)
	}
	rc.r.log.Debug("jobs: purged expired idempotency keys", "count", n)
	return nil
}
