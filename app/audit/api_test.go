package audit_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/store"
	"github.com/assayhq/assay/app/store/storetest"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/auditentry"
	_ "github.com/assayhq/assay/ent/api/runtime"
)

func openAPI(t *testing.T, dbURL string) *entapi.Client {
	t.Helper()
	db, err := store.OpenAPI(context.Background(), config.Config{Env: config.EnvTest, APIDatabaseURL: dbURL})
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

// The API database's chain is written and checked by the same code as the web
// database's: concurrent appends stay linear, a rolled-back change leaves no entry, the
// application cannot edit or delete an entry, anonymizing keeps it verifiable, and a
// row tampered with behind the application's back is named.
func TestAPIChain(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		ctx := audit.WithRequest(context.Background(), audit.Request{IP: "203.0.113.5", UserAgent: "curl/8"})
		db := openAPI(t, dbURL)
		l := audit.NewAPILog(db, slog.New(slog.NewTextHandler(io.Discard, nil)))

		tx, err := db.Tx(ctx)
		require.NoError(t, err)
		_, err = l.AppendTx(ctx, tx, audit.Event{Name: audit.DatasetDeleted, OrgID: "o1"})
		require.NoError(t, err)
		require.NoError(t, tx.Rollback())
		require.Zero(t, db.AuditEntry.Query().CountX(ctx))

		var wg sync.WaitGroup
		errs := make(chan error, 20)
		for w := range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := range 5 {
					_, err := l.Append(ctx, audit.Event{Name: audit.TaskCreated, OrgID: fmt.Sprintf("o%d", w%2),
						Target: fmt.Sprintf("%d-%d", w, i), Details: map[string]string{"dataset_id": "d"}})
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			require.NoError(t, err)
		}
		rep, err := audit.VerifyAPI(ctx, db)
		require.NoError(t, err)
		require.Nil(t, rep.Break)
		require.EqualValues(t, 20, rep.Entries)

		require.Error(t, db.AuditEntry.DeleteOneID(1).Exec(ctx))
		require.Error(t, db.AuditEntry.UpdateOneID(1).SetIP("").Exec(ctx))

		tx, err = db.Tx(ctx)
		require.NoError(t, err)
		n, err := audit.AnonymizeAPI(ctx, tx, time.Now(), auditentry.OrgID("o1"))
		require.NoError(t, err)
		require.Equal(t, 10, n)
		require.NoError(t, tx.Commit())
		rep, err = audit.VerifyAPI(ctx, db)
		require.NoError(t, err)
		require.Nil(t, rep.Break, "anonymized entries verify")
		require.Equal(t, "{}", db.AuditEntry.Query().Where(auditentry.OrgID("o1")).FirstX(ctx).Details)

		page, err := audit.APIEntries(ctx, db, audit.APIFilter{OrgID: "o0"}, 0, 3)
		require.NoError(t, err)
		require.Len(t, page, 3)
		require.Greater(t, page[0].Seq, page[1].Seq, "newest first")
		for _, e := range page {
			require.Equal(t, "o0", *e.OrgID)
		}

		_, err = db.ExecContext(ctx, `UPDATE audit_entries SET target_id = 'x' WHERE id = 7`)
		require.NoError(t, err)
		rep, err = audit.VerifyAPI(ctx, db)
		require.NoError(t, err)
		require.NotNil(t, rep.Break)
		require.EqualValues(t, 7, rep.Break.Seq)
		require.Contains(t, rep.Break.Reason, "edited")
	})
}
