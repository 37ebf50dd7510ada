package jobs

import (
	"context"
	"fmt"

	"entgo.io/ent/dialect/sql"

	"github.com/assayhq/assay/app/tenant"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/predicate"
	"github.com/assayhq/assay/ent/api/task"
	enttenant "github.com/assayhq/assay/ent/api/tenant"
)

// suspended reports whether staff suspended org: its waiting tasks are not admitted
// (they stay pending, and the reconciler admits them once it is restored), while runs
// already admitted finish.
func suspended(ctx context.Context, tx *entapi.Tx, org string) (bool, error) {
	ok, err := tx.Tenant.Query().Where(enttenant.ID(org), enttenant.SuspendedAtNotNil()).Exist(tenant.System(ctx))
	if err != nil {
		return false, fmt.Errorf("jobs: admit: suspension: %w", err)
	}
	return ok, nil
}

// ofLiveTenant matches tasks whose organization is not suspended, so the reconciler's
// search for waiting tasks is not filled with tasks that must keep waiting.
func ofLiveTenant() predicate.Task {
	return func(s *sql.Selector) {
		tt := sql.Table(enttenant.Table)
		s.Where(sql.NotIn(s.C(task.FieldOrgID),
			sql.Select(tt.C(enttenant.FieldID)).From(tt).Where(sql.NotNull(tt.C(enttenant.FieldSuspendedAt)))))
	}
}
