package web

import (
	"context"
	"time"

	"github.com/assayhq/assay/app/lifecycle"
)

// datasetExpiry is when retention deletes a dataset, as its pages say it: the API's
// expires_at and the days of the organization's plan it follows from.
type datasetExpiry struct {
	At   time.Time
	Days int64
}

// expiryOf is the expiry of a dataset of an organization on planID whose API JSON said
// expires at; nil when the API did not say.
func expiryOf(planID string, at time.Time) *datasetExpiry {
	if at.IsZero() {
		return nil
	}
	return &datasetExpiry{At: at.UTC(), Days: lifecycle.RetentionDays(planID, 0)}
}

// datasetExpiry reads when retention deletes datasetID; nil when the API does not say
// (the dataset is gone, or the API did not answer: the page shows without it).
func (a *apiClient) datasetExpiry(ctx context.Context, acc *member, datasetID string) *datasetExpiry {
	if datasetID == "" {
		return nil
	}
	ds, err := a.dataset(ctx, acc, datasetID)
	if err != nil {
		return nil
	}
	return expiryOf(acc.Plan, ds.ExpiresAt)
}
