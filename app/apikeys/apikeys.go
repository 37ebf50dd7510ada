// Package apikeys issues REST credentials in the API database.
package apikeys

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/tenant"
	entapi "github.com/assayhq/assay/ent/api"
)

// Org is the tenant a key is issued for, as the web database knows it.
type Org struct {
	ID, Name, Plan string
}

// Issue makes sure the tenant exists and creates a key with the read and write scopes.
// It returns the key itself, which is never stored and cannot be shown again.
func Issue(ctx context.Context, db *entapi.Client, org Org, name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" {
		return "", errors.New("apikeys: a key needs a name")
	}
	if err := EnsureTenant(ctx, db, org); err != nil {
		return "", err
	}
	key, prefix, hash := auth.NewAPIKey()
	_, err := db.APIKey.Create().SetName(name).SetPrefix(prefix).SetSecretHash(hash).
		SetScopes([]string{"read", "write"}).Save(tenant.With(ctx, org.ID))
	if err != nil {
		return "", fmt.Errorf("apikeys: create: %w", err)
	}
	return key, nil
}

// EnsureTenant inserts the tenant row when it is missing.
func EnsureTenant(ctx context.Context, db *entapi.Client, org Org) error {
	plan := org.Plan
	if plan == "" {
		plan = "free"
	}
	err := db.Tenant.Create().SetID(org.ID).SetName(org.Name).SetPlan(plan).
		OnConflictColumns("id").DoNothing().Exec(tenant.System(ctx))
	// An upsert that did nothing returns no row on Postgres (RETURNING is empty).
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("apikeys: tenant: %w", err)
	}
	return nil
}
