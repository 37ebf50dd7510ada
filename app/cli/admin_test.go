package cli

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/store"
	"github.com/assayhq/assay/app/store/storetest"
)

// `assay admin grant` makes a user staff and `assay admin revoke` takes it away, without
// touching anyone else or the user's organization role.
func TestAdminGrantRevoke(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		env := Env{Config: config.Config{Env: config.EnvTest, DataDir: t.TempDir(), WebDatabaseURL: dbURL, MaxUploadBytes: 1, ChunkRows: 1}}
		ids := map[string]string{}
		for _, email := range []string{"ann@example.com", "bob@example.com"} {
			code, out, stderr := run(env, "user", "create", "--email", email, "--password", "long enough pass", "--org", "Org")
			require.Equal(t, 0, code, stderr)
			var created struct {
				UserID string `json:"user_id"`
			}
			require.NoError(t, json.Unmarshal([]byte(out), &created))
			ids[email] = created.UserID
		}
		db, err := store.OpenWeb(ctx, env.Config)
		require.NoError(t, err)
		defer db.Close()
		type result struct {
			UserID string `json:"user_id"`
			Staff  bool   `json:"staff"`
		}

		code, out, stderr := run(env, "admin", "grant", "--email", "ANN@example.com")
		require.Equal(t, 0, code, stderr)
		var got result
		require.NoError(t, json.Unmarshal([]byte(out), &got))
		require.Equal(t, result{UserID: ids["ann@example.com"], Staff: true}, got)
		require.True(t, db.User.GetX(ctx, ids["ann@example.com"]).Staff)
		require.False(t, db.User.GetX(ctx, ids["bob@example.com"]).Staff)
		roles := db.Membership.Query().AllX(ctx)
		require.Len(t, roles, 2)
		for _, m := range roles {
			require.Equal(t, "owner", string(m.Role), "staff is not an organization role")
		}

		code, out, stderr = run(env, "admin", "revoke", "--email", "ann@example.com")
		require.Equal(t, 0, code, stderr)
		require.NoError(t, json.Unmarshal([]byte(out), &got))
		require.Equal(t, result{UserID: ids["ann@example.com"], Staff: false}, got)
		require.False(t, db.User.GetX(ctx, ids["ann@example.com"]).Staff)

		code, _, stderr = run(env, "admin", "grant", "--email", "nobody@example.com")
		require.Equal(t, 1, code)
		require.Contains(t, stderr, "no user with email")
		code, _, _ = run(env, "admin", "grant")
		require.Equal(t, 2, code, "--email is required")
		code, _, _ = run(env, "admin", "promote", "--email", "ann@example.com")
		require.Equal(t, 2, code, "unknown subcommand")
	})
}
