// Package apikeys issues REST credentials in the API database.
package apikeys

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

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
	key, _, err := IssueSpec(ctx, db, org, Spec{Name: name, Scopes: AllScopes()})
	return key, err
}

// IssueSpec makes sure the tenant exists and creates a key as spec says (see Create).
func IssueSpec(ctx context.Context, db *entapi.Client, org Org, spec Spec) (string, *entapi.APIKey, error) {
	if _, err := spec.Validate(time.Now()); err != nil {
		return "", nil, fmt.Errorf("apikeys: %w", err)
	}
	if err := EnsureTenant(ctx, db, org); err != nil {
		return "", nil, err
	}
	return Create(tenant.With(ctx, org.ID), db, spec, time.Now())
}

// Create validates spec and stores a new key of the context's organization. It returns
// the key itself, which is never stored and cannot be shown again, and its row; a spec
// that breaks a rule is an *InvalidError and stores nothing.
func Create(ctx context.Context, db *entapi.Client, spec Spec, now time.Time) (string, *entapi.APIKey, error) {
	spec, err := spec.Validate(now)
	if err != nil {
		return "", nil, fmt.Errorf("apikeys: %w", err)
	}
	key, prefix, hash := auth.NewAPIKey()
	k, err := db.APIKey.Create().SetName(spec.Name).SetPrefix(prefix).SetSecretHash(hash).
		SetScopes(spec.Scopes).SetNillableExpiresAt(spec.ExpiresAt).Save(ctx)
	if err != nil {
		return "", nil, fmt.Errorf("apikeys: create: %w", err)
	}
	return key, k, nil
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
