package mixin_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/store"
	"github.com/assayhq/assay/app/store/storetest"
	"github.com/assayhq/assay/app/tenant"
	entapi "github.com/assayhq/assay/ent/api"
)

// The tenant mixin is the one place API data is scoped: reads, updates and deletes see
// only the context's organization, creates are stamped with it, and a context without
// a tenant touches nothing.
func TestTenantScoping(t *testing.T) {
	storetest.Each(t, testTenantScoping)
}

func testTenantScoping(t *testing.T, dbURL string) {
	ctx := context.Background()
	c, err := store.OpenAPI(ctx, config.Config{Env: config.EnvTest, APIDatabaseURL: dbURL})
	require.NoError(t, err)
	defer c.Close()

	a, b := tenant.With(ctx, "org-a"), tenant.With(ctx, "org-b")
	mk := func(ctx context.Context, name string) *entapi.Dataset {
		d, err := c.Dataset.Create().SetName(name).SetBlobKey("k").Save(ctx)
		require.NoError(t, err)
		return d
	}
	da := mk(a, "a")
	require.Equal(t, "org-a", da.OrgID)
	mk(b, "b")

	n, err := c.Dataset.Query().Count(a)
	require.NoError(t, err)
	require.Equal(t, 1, n)
	_, err = c.Dataset.Get(b, da.ID)
	require.True(t, entapi.IsNotFound(err), "another tenant's row is not found")
	err = c.Dataset.UpdateOneID(da.ID).SetName("x").Exec(b)
	require.True(t, entapi.IsNotFound(err), "another tenant cannot update: %v", err)
	m, err := c.Dataset.Delete().Exec(b)
	require.NoError(t, err)
	require.Equal(t, 1, m, "deleting everything in b deletes only b's row")
	n, err = c.Dataset.Query().Count(tenant.System(ctx))
	require.NoError(t, err)
	require.Equal(t, 1, n)

	_, err = c.Dataset.Query().All(ctx)
	require.ErrorIs(t, err, tenant.ErrMissing)
	_, err = c.Dataset.Create().SetName("z").SetBlobKey("k").Save(ctx)
	require.ErrorIs(t, err, tenant.ErrMissing)
	_, err = c.Dataset.Create().SetName("z").SetBlobKey("k").SetOrgID("org-b").Save(a)
	require.Error(t, err, "creating for another org inside a tenant context is refused")
}
