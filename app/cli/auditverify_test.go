package cli

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/store"
	"github.com/assayhq/assay/app/store/storetest"
)

// `assay audit verify` exits 0 on an intact chain and 1, naming the entry, on a tampered one.
func TestAuditVerify(t *testing.T) {
	cases := []struct {
		name   string
		tamper string
		seq    int64
	}{
		{"edited", `UPDATE audit_entries SET action = 'logout' WHERE id = 2`, 2},
		{"middle deleted", `DELETE FROM audit_entries WHERE id = 2`, 2},
		{"last deleted", `DELETE FROM audit_entries WHERE id = 3`, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, dbURL string) {
				ctx := context.Background()
				env := Env{Config: config.Config{Env: config.EnvTest, DataDir: t.TempDir(), WebDatabaseURL: dbURL, MaxUploadBytes: 1, ChunkRows: 1}}
				db, err := store.OpenWeb(ctx, env.Config)
				require.NoError(t, err)
				defer db.Close()
				l := audit.NewLog(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
				for _, name := range []string{audit.SignedUp, audit.LoginFailed, audit.LoginSucceeded} {
					_, err := l.Append(ctx, audit.Event{Name: name})
					require.NoError(t, err)
				}
				code, out, stderr := run(env, "audit", "verify")
				require.Equal(t, 0, code, stderr)
				var got struct {
					OK      bool   `json:"ok"`
					Entries int64  `json:"entries"`
					Seq     int64  `json:"broken_seq"`
					Reason  string `json:"reason"`
				}
				require.NoError(t, json.Unmarshal([]byte(out), &got))
				require.True(t, got.OK)
				require.EqualValues(t, 3, got.Entries)

				_, err = db.ExecContext(ctx, tc.tamper)
				require.NoError(t, err)
				code, out, stderr = run(env, "audit", "verify")
				require.Equal(t, 1, code)
				require.NoError(t, json.Unmarshal([]byte(out), &got))
				require.False(t, got.OK)
				require.Equal(t, tc.seq, got.Seq)
				require.NotEmpty(t, got.Reason)
				require.Contains(t, stderr, "chain broken")
			})
		})
	}
	code, _, _ := run(Env{Config: config.Config{Env: config.EnvTest}}, "audit", "nope")
	require.Equal(t, 2, code)
}
