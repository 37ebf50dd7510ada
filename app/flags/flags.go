// Package flags are feature flags: a key with a global default that staff turn on or off,
// and per-organization overrides that win over the default.
package flags

import (
	"context"
	"fmt"

	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/featureflagoverride"
)

// Enabled reports whether the flag key is on for orgID: the organization's override if it
// has one, else the flag's global default. An unknown flag is off.
func Enabled(ctx context.Context, db *entweb.Client, key, orgID string) (bool, error) {
	if orgID != "" {
		o, err := db.FeatureFlagOverride.Query().
			Where(featureflagoverride.FlagKey(key), featureflagoverride.OrgID(orgID)).Only(ctx)
		if err == nil {
			return o.Enabled, nil
		}
		if !entweb.IsNotFound(err) {
			return false, fmt.Errorf("flags: override %s: %w", key, err)
		}
	}
	f, err := db.FeatureFlag.Get(ctx, key)
	if entweb.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("flags: %s: %w", key, err)
	}
	return f.Enabled, nil
}

// SetOverride sets the flag key for orgID, whatever the global default.
func SetOverride(ctx context.Context, db *entweb.Client, key, orgID string, on bool) error {
	err := db.FeatureFlagOverride.Create().SetFlagKey(key).SetOrgID(orgID).SetEnabled(on).
		OnConflictColumns(featureflagoverride.FieldFlagKey, featureflagoverride.FieldOrgID).
		UpdateEnabled().UpdateUpdatedAt().Exec(ctx)
	if err != nil {
		return fmt.Errorf("flags: set override %s: %w", key, err)
	}
	return nil
}

// ClearOverride removes the override of key for orgID: the default applies again.
func ClearOverride(ctx context.Context, db *entweb.Client, key, orgID string) error {
	_, err := db.FeatureFlagOverride.Delete().
		Where(featureflagoverride.FlagKey(key), featureflagoverride.OrgID(orgID)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("flags: clear override %s: %w", key, err)
	}
	return nil
}
