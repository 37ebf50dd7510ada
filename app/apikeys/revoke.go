package apikeys

import (
	"context"
	"fmt"
	"time"

	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/apikey"
)

// Revoke ends a key of the context's organization at once: the next request with it is
// refused. Revoking a revoked key changes nothing; changed says whether this call did
// it. A key of another organization is not found (entapi.IsNotFound).
func Revoke(ctx context.Context, db *entapi.Client, id string, now time.Time) (k *entapi.APIKey, changed bool, err error) {
	n, err := db.APIKey.Update().Where(apikey.ID(id), apikey.RevokedAtIsNil()).
		SetRevokedAt(now.UTC()).Save(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("apikeys: revoke: %w", err)
	}
	k, err = db.APIKey.Get(ctx, id)
	if err != nil {
		return nil, false, fmt.Errorf("apikeys: revoke: %w", err)
	}
	return k, n > 0, nil
}
