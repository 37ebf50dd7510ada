package audit_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/store/storetest"
	"github.com/assayhq/assay/ent/web/auditentry"
)

// Wiping the personal fields of entries keeps the chain verifiable; editing an
// anonymized entry's hashed fields, or filling its wiped fields again, still breaks it.
func TestAnonymizeKeepsTheChainValid(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		db := openWeb(t, dbURL)
		appendN(t, db, 4) // u0…u3@example.com in details, with an IP and User-Agent
		tx, err := db.Tx(ctx)
		require.NoError(t, err)
		n, err := audit.Anonymize(ctx, tx, time.Now(), auditentry.IDIn(2, 3))
		require.NoError(t, err)
		require.Equal(t, 2, n)
		require.NoError(t, tx.Commit())
		e := db.AuditEntry.GetX(ctx, 2)
		require.Equal(t, "{}", e.Details)
		require.Empty(t, e.IP+e.UserAgent+e.PersonalSalt)
		require.NotNil(t, e.AnonymizedAt)
		rep, err := audit.Verify(ctx, db)
		require.NoError(t, err)
		require.Nil(t, rep.Break)

		// Outside Anonymize, the hook still refuses any update.
		require.Error(t, db.AuditEntry.UpdateOneID(1).SetIP("").Exec(ctx))

		_, err = db.ExecContext(ctx, `UPDATE audit_entries SET ip = '10.0.0.1' WHERE id = 3`)
		require.NoError(t, err)
		rep, err = audit.Verify(ctx, db)
		require.NoError(t, err)
		require.NotNil(t, rep.Break)
		require.EqualValues(t, 3, rep.Break.Seq)
		_, err = db.ExecContext(ctx, `UPDATE audit_entries SET ip = '', action = 'logout' WHERE id = 3`)
		require.NoError(t, err)
		rep, err = audit.Verify(ctx, db)
		require.NoError(t, err)
		require.NotNil(t, rep.Break)
		require.EqualValues(t, 3, rep.Break.Seq)
	})
}
