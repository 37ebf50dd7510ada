package lifecycle

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/assayhq/assay/app/audit"

	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/store"
	"github.com/assayhq/assay/app/tenant"
	entapi "github.com/assayhq/assay/ent/api"
	apiauditentry "github.com/assayhq/assay/ent/api/auditentry"
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

// tenantsTable is the API table whose id is the organization id; apiAuditEntries is
// the API's audit log, anonymized rather than deleted, as the web app's is.
const (
	tenantsTable    = "tenants"
	apiAuditEntries = "audit_entries"
)

// PurgeTenant hard-deletes everything the API database and blob storage hold for orgID:
// the blob files first (while the task rows still say where they are), then, in one
// transaction, every row with that org_id and the tenant itself, except the tenant's
// audit entries: their personal fields are wiped, and a tenant.purged entry joins
// them. Running it again deletes nothing more and succeeds, so a failed attempt is
// simply retried.
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
	err = deleteWhere(ctx, tx, TablesWith(tables, ColumnOrgID, apiAuditEntries), ColumnOrgID, orgID, &sum)
	if err == nil {
		err = deleteWhere(ctx, tx, []string{tenantsTable}, "id", orgID, &sum)
	}
	if err == nil && len(sum.Rows) > 0 {
		err = anonymizeTenant(ctx, tx, orgID, sum)
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

// anonymizeTenant wipes the personal fields of orgID's API audit entries and records
// the purge, with what it deleted, in the same transaction.
func anonymizeTenant(ctx context.Context, tx *entapi.Tx, orgID string, sum Summary) error {
	if _, err := audit.AnonymizeAPI(ctx, tx, time.Now(), apiauditentry.OrgID(orgID)); err != nil {
		return err
	}
	rows := 0
	for _, n := range sum.Rows {
		rows += int(n)
	}
	_, err := audit.AppendAPITx(ctx, tx, audit.Event{Name: audit.TenantPurged, OrgID: orgID, TargetType: "tenant",
		Target: orgID, Details: map[string]string{audit.DetailActorType: audit.ActorTypeWebApp, "rows": strconv.Itoa(rows)}})
	return err
}
