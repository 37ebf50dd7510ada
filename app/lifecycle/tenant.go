package lifecycle

import (
	"context"
	"fmt"

	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/store"
	"github.com/assayhq/assay/app/tenant"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/task"
	"github.com/assayhq/assay/schema"
)

// Blob prefixes of the API's files: a dataset's uploads live under
// datasets/<org>/<dataset>/, a task's intermediate results and report under tasks/<task>/.
func orgDatasetsPrefix(orgID string) string { return "datasets/" + orgID + "/" }
func datasetPrefix(orgID, datasetID string) string {
	return "datasets/" + orgID + "/" + datasetID + "/"
}
func taskPrefix(taskID string) string { return "tasks/" + taskID + "/" }

// tenantsTable is the API table whose id is the organization id.
const tenantsTable = "tenants"

// PurgeTenant hard-deletes everything the API database and blob storage hold for orgID:
// the blob files first (while the task rows still say where they are), then, in one
// transaction, every row with that org_id and the tenant itself. Running it again
// deletes nothing more and succeeds, so a failed attempt is simply retried.
func PurgeTenant(ctx context.Context, db *entapi.Client, blobs platform.Blobs, orgID string) (Summary, error) {
	var sum Summary
	if _, err := checkID(orgID); err != nil {
		return sum, err
	}
	tables, err := store.Tables(schema.API)
	if err != nil {
		return sum, err
	}
	taskIDs, err := db.Task.Query().Where(task.OrgID(orgID)).IDs(tenant.With(ctx, orgID))
	if err != nil {
		return sum, fmt.Errorf("lifecycle: purge tenant: tasks: %w", err)
	}
	for _, id := range taskIDs {
		if err := blobs.DeletePrefix(ctx, taskPrefix(id)); err != nil {
			return sum, fmt.Errorf("lifecycle: purge tenant: %w", err)
		}
		sum.BlobPrefixes++
	}
	if err := blobs.DeletePrefix(ctx, orgDatasetsPrefix(orgID)); err != nil {
		return sum, fmt.Errorf("lifecycle: purge tenant: %w", err)
	}
	sum.BlobPrefixes++
	tx, err := db.Tx(ctx)
	if err != nil {
		return sum, fmt.Errorf("lifecycle: purge tenant: %w", err)
	}
	err = deleteWhere(ctx, tx, TablesWith(tables, ColumnOrgID), ColumnOrgID, orgID, &sum)
	if err == nil {
		err = deleteWhere(ctx, tx, []string{tenantsTable}, "id", orgID, &sum)
	}
	if err != nil {
		return sum, rollback(tx, err)
	}
	if err := tx.Commit(); err != nil {
		return sum, fmt.Errorf("lifecycle: purge tenant: commit: %w", err)
	}
	return sum, nil
}

// rollback undoes tx after err and returns err.
func rollback(tx interface{ Rollback() error }, err error) error {
	if rerr := tx.Rollback(); rerr != nil {
		return fmt.Errorf("%w (rollback: %v)", err, rerr)
	}
	return err
}
