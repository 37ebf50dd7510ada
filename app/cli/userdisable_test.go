package cli

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/store"
	"github.com/assayhq/assay/app/store/storetest"
	"github.com/assayhq/assay/ent/web/session"
)

// `assay user disable` disables the user and ends their sessions, and no one else's.
func TestUserDisable(t *testing.T) {
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
		now := time.Now().UTC()
		for i, email := range []string{"ann@example.com", "ann@example.com", "bob@example.com"} {
			db.Session.Create().SetID(string(rune('a'+i)) + "-row").SetUserID(ids[email]).SetData([]byte{}).
				SetCreatedAt(now).SetLastSeenAt(now).SetExpiresAt(now.Add(time.Hour)).ExecX(ctx)
		}

		code, out, stderr := run(env, "user", "disable", "--email", "ANN@example.com")
		require.Equal(t, 0, code, stderr)
		var got struct {
			UserID        string `json:"user_id"`
			SessionsEnded int    `json:"sessions_ended"`
		}
		require.NoError(t, json.Unmarshal([]byte(out), &got))
		require.Equal(t, ids["ann@example.com"], got.UserID)
		require.Equal(t, 2, got.SessionsEnded)
		require.NotNil(t, db.User.GetX(ctx, ids["ann@example.com"]).DisabledAt)
		require.Nil(t, db.User.GetX(ctx, ids["bob@example.com"]).DisabledAt)
		require.Zero(t, db.Session.Query().Where(session.UserID(ids["ann@example.com"])).CountX(ctx))
		require.Equal(t, 1, db.Session.Query().Where(session.UserID(ids["bob@example.com"])).CountX(ctx))

		code, _, stderr = run(env, "user", "disable", "--email", "nobody@example.com")
		require.Equal(t, 1, code)
		require.Contains(t, stderr, "no user with email")
		code, _, _ = run(env, "user", "disable")
		require.Equal(t, 2, code, "--email is required")
	})
}
