package audit_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/store"
	"github.com/assayhq/assay/app/store/storetest"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/auditentry"
	_ "github.com/assayhq/assay/ent/web/runtime"
)

func openWeb(t *testing.T, dbURL string) *entweb.Client {
	t.Helper()
	db, err := store.OpenWeb(context.Background(), config.Config{Env: config.EnvTest, WebDatabaseURL: dbURL})
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

func newLog(db *entweb.Client) *audit.Log {
	return audit.NewLog(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
}

// appendN writes n events, each with request data, and returns the log.
func appendN(t *testing.T, db *entweb.Client, n int) {
	t.Helper()
	l := newLog(db)
	ctx := audit.WithRequest(context.Background(), audit.Request{IP: "203.0.113.7", UserAgent: "Firefox"})
	for i := range n {
		_, err := l.Append(ctx, audit.Event{Name: audit.LoginFailed, Details: map[string]string{"email": fmt.Sprintf("u%d@example.com", i)}})
		require.NoError(t, err)
	}
}

// Appends from many goroutines at once still form one linear chain.
func TestConcurrentAppendsKeepTheChainLinear(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		db := openWeb(t, dbURL)
		l := newLog(db)
		const workers, each = 8, 6
		var wg sync.WaitGroup
		errs := make(chan error, workers*each)
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range each {
					_, err := l.Append(ctx, audit.Event{Name: audit.LoginSucceeded, Target: fmt.Sprintf("%d-%d", w, i)})
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		rep, err := audit.Verify(ctx, db)
		require.NoError(t, err)
		require.Nil(t, rep.Break)
		require.EqualValues(t, workers*each, rep.Entries)
		require.EqualValues(t, workers*each, rep.Head)
	})
}

// An entry is written with the request's IP and User-Agent, and a change made inside a
// transaction that rolls back leaves no entry.
func TestAppendTxCommitsWithTheChange(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		ctx := audit.WithRequest(context.Background(), audit.Request{IP: "198.51.100.1", UserAgent: "curl/8"})
		db := openWeb(t, dbURL)
		l := newLog(db)
		tx, err := db.Tx(ctx)
		require.NoError(t, err)
		_, err = l.AppendTx(ctx, tx, audit.Event{Name: audit.PasswordChanged, ActorID: "u1"})
		require.NoError(t, err)
		require.NoError(t, tx.Rollback())
		require.Zero(t, db.AuditEntry.Query().CountX(ctx))

		tx, err = db.Tx(ctx)
		require.NoError(t, err)
		_, err = l.AppendTx(ctx, tx, audit.Event{Name: audit.PasswordChanged, ActorID: "u1", OrgID: "o1",
			Details: map[string]string{"password": "hunter2", "via": "settings"}})
		require.NoError(t, err)
		require.NoError(t, tx.Commit())
		e := db.AuditEntry.Query().OnlyX(ctx)
		require.Equal(t, "198.51.100.1", e.IP)
		require.Equal(t, "curl/8", e.UserAgent)
		require.Equal(t, "u1", *e.ActorID)
		require.Equal(t, "o1", *e.OrgID)
		require.JSONEq(t, `{"via":"settings"}`, e.Details, "keys naming credentials are dropped")

		rep, err := audit.Verify(ctx, db)
		require.NoError(t, err)
		require.Nil(t, rep.Break)
	})
}

// The application cannot update or delete an entry.
func TestEntriesAreAppendOnly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		db := openWeb(t, dbURL)
		appendN(t, db, 2)
		require.Error(t, db.AuditEntry.DeleteOneID(1).Exec(ctx))
		_, err := db.AuditEntry.Delete().Where(auditentry.ID(2)).Exec(ctx)
		require.Error(t, err)
		require.Error(t, db.AuditEntry.UpdateOneID(1).Exec(ctx))
		require.Equal(t, 2, db.AuditEntry.Query().CountX(ctx))
	})
}

// Verify names the first entry that was edited, deleted or reordered behind the app's back.
func TestVerifyFindsTampering(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(t *testing.T, db *entweb.Client)
		seq    int64
		reason string
	}{
		{"field edited", sql(`UPDATE audit_entries SET ip = '10.0.0.1' WHERE id = 3`), 3, "edited"},
		{"details edited", sql(`UPDATE audit_entries SET details = '{}' WHERE id = 2`), 2, "edited"},
		{"middle deleted", sql(`DELETE FROM audit_entries WHERE id = 3`), 3, "deleted"},
		{"first deleted", sql(`DELETE FROM audit_entries WHERE id = 1`), 1, "deleted"},
		{"last deleted", sql(`DELETE FROM audit_entries WHERE id = 5`), 5, "deleted"},
		{"last two deleted", sql(`DELETE FROM audit_entries WHERE id >= 4`), 4, "deleted"},
		{"edited and rehashed", rehash(3), 4, "prev_hash"},
		{"reordered", sql(`UPDATE audit_entries SET action = CASE id WHEN 2 THEN 'signup' ELSE 'login.failed' END WHERE id IN (2, 3)`), 2, "edited"},
		{"head removed", sql(`DELETE FROM audit_heads`), 1, "head"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, dbURL string) {
				ctx := context.Background()
				db := openWeb(t, dbURL)
				appendN(t, db, 5)
				rep, err := audit.Verify(ctx, db)
				require.NoError(t, err)
				require.Nil(t, rep.Break, "intact before tampering")
				tc.tamper(t, db)
				rep, err = audit.Verify(ctx, db)
				require.NoError(t, err)
				require.NotNil(t, rep.Break)
				require.Equal(t, tc.seq, rep.Break.Seq, rep.Break.Reason)
				require.Contains(t, rep.Break.Reason, tc.reason)
			})
		})
	}
}

func sql(stmt string) func(t *testing.T, db *entweb.Client) {
	return func(t *testing.T, db *entweb.Client) {
		t.Helper()
		_, err := db.ExecContext(context.Background(), stmt)
		require.NoError(t, err)
	}
}

// rehash edits entry seq and writes its recomputed hash: only the next link shows it.
func rehash(seq int64) func(t *testing.T, db *entweb.Client) {
	return func(t *testing.T, db *entweb.Client) {
		t.Helper()
		r := db.AuditEntry.GetX(context.Background(), seq)
		e := audit.Entry{Seq: r.ID, At: r.At, Action: r.Action, ActorID: r.ActorID, ActorEmail: r.ActorEmail,
			OrgID: r.OrgID, IP: "10.9.9.9", UserAgent: r.UserAgent, TargetType: r.TargetType,
			TargetID: r.TargetID, Details: r.Details, PrevHash: r.PrevHash,
			Version: r.Version, PersonalSalt: r.PersonalSalt}
		e.Seal()
		sql(fmt.Sprintf(`UPDATE audit_entries SET ip = '10.9.9.9', personal_digest = '%s', hash = '%s' WHERE id = %d`,
			e.PersonalDigest, e.Hash, seq))(t, db)
	}
}
