package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/store"
	"github.com/assayhq/assay/app/store/storetest"
)

// chainLines decodes the lines `assay audit verify` prints, by database.
func chainLines(t *testing.T, out string) map[string]chainResult {
	t.Helper()
	got := map[string]chainResult{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var r chainResult
		require.NoError(t, json.Unmarshal(sc.Bytes(), &r), sc.Text())
		got[r.DB] = r
	}
	require.Len(t, got, 2, out)
	return got
}

// `assay audit verify` checks the web and the API database's chains: it exits 0 when
// both are intact and 1, naming the database and the entry, when one was edited or had
// entries deleted behind the application's back.
func TestAuditVerify(t *testing.T) {
	cases := []struct {
		name   string
		db     string
		tamper string
		seq    int64
		reason string
	}{
		{"web edited", "web", `UPDATE audit_entries SET action = 'logout' WHERE id = 2`, 2, "edited"},
		{"web middle deleted", "web", `DELETE FROM audit_entries WHERE id = 2`, 2, "deleted"},
		{"web last deleted", "web", `DELETE FROM audit_entries WHERE id = 3`, 3, "deleted"},
		{"api edited", "api", `UPDATE audit_entries SET target_id = 'other' WHERE id = 2`, 2, "edited"},
		{"api personal field edited", "api", `UPDATE audit_entries SET ip = '10.0.0.9' WHERE id = 1`, 1, "edited"},
		{"api middle deleted", "api", `DELETE FROM audit_entries WHERE id = 2`, 2, "deleted"},
		{"api last deleted", "api", `DELETE FROM audit_entries WHERE id = 3`, 3, "deleted"},
		{"api reordered", "api", `UPDATE audit_entries SET action = CASE id WHEN 1 THEN 'task.created' ELSE 'dataset.created' END WHERE id IN (1, 2)`, 1, "edited"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, webURL string) {
				ctx := context.Background()
				apiURL := storetest.SQLite(t)
				if strings.HasPrefix(webURL, "postgres") {
					apiURL = storetest.Postgres(t)
				}
				env := Env{Config: config.Config{Env: config.EnvTest, DataDir: t.TempDir(), WebDatabaseURL: webURL,
					APIDatabaseURL: apiURL, MaxUploadBytes: 1, ChunkRows: 1}}
				discard := slog.New(slog.NewTextHandler(io.Discard, nil))
				web, err := store.OpenWeb(ctx, env.Config)
				require.NoError(t, err)
				defer web.Close()
				api, err := store.OpenAPI(ctx, env.Config)
				require.NoError(t, err)
				defer api.Close()
				wl, al := audit.NewLog(web, discard), audit.NewAPILog(api, discard)
				for _, name := range []string{audit.SignedUp, audit.LoginFailed, audit.LoginSucceeded} {
					_, err := wl.Append(ctx, audit.Event{Name: name})
					require.NoError(t, err)
				}
				ctx = audit.WithRequest(ctx, audit.Request{IP: "203.0.113.4"})
				for _, name := range []string{audit.DatasetCreated, audit.TaskCreated, audit.TaskCancelled} {
					_, err := al.Append(ctx, audit.Event{Name: name, OrgID: "o1", Target: "x1"})
					require.NoError(t, err)
				}
				code, out, stderr := run(env, "audit", "verify")
				require.Equal(t, 0, code, stderr)
				for db, r := range chainLines(t, out) {
					require.True(t, r.OK, db)
					require.EqualValues(t, 3, r.Entries, db)
				}

				if tc.db == "web" {
					_, err = web.ExecContext(ctx, tc.tamper)
				} else {
					_, err = api.ExecContext(ctx, tc.tamper)
				}
				require.NoError(t, err)
				code, out, stderr = run(env, "audit", "verify")
				require.Equal(t, 1, code)
				for db, r := range chainLines(t, out) {
					if db != tc.db {
						require.True(t, r.OK, "the other database's chain is intact")
						continue
					}
					require.False(t, r.OK)
					require.Equal(t, tc.seq, r.Seq, r.Reason)
					require.Contains(t, r.Reason, tc.reason)
				}
				require.Contains(t, stderr, "chain broken")
				require.Contains(t, stderr, tc.db+" database at entry")
			})
		})
	}
	code, _, _ := run(Env{Config: config.Config{Env: config.EnvTest}}, "audit", "nope")
	require.Equal(t, 2, code)
}
