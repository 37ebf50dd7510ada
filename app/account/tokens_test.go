package account

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/store"
	"github.com/assayhq/assay/app/store/storetest"
	entweb "github.com/assayhq/assay/ent/web"
	_ "github.com/assayhq/assay/ent/web/runtime" // schema defaults
)

func openWeb(t *testing.T, dbURL string) *entweb.Client {
	t.Helper()
	db, err := store.OpenWeb(context.Background(), config.Config{Env: config.EnvTest, WebDatabaseURL: dbURL})
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

func TestTokensAreSingleUseAndExpire(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		db := openWeb(t, dbURL)
		u := db.User.Create().SetEmail("t@example.com").SaveX(ctx)
		now := time.Now().UTC()

		raw, err := IssueToken(ctx, db, PurposeResetPassword, u.ID, u.Email, now)
		require.NoError(t, err)
		require.GreaterOrEqual(t, len(raw), 43, "32 random bytes")
		row := db.OneTimeToken.Query().OnlyX(ctx)
		require.NotEqual(t, raw, row.TokenHash, "only the hash is stored")
		require.Equal(t, now.Add(time.Hour).Unix(), row.ExpiresAt.Unix())

		_, err = PeekToken(ctx, db, PurposeVerifyEmail, raw, now)
		require.ErrorIs(t, err, ErrTokenInvalid, "another purpose's token")
		_, err = PeekToken(ctx, db, PurposeResetPassword, raw+"x", now)
		require.ErrorIs(t, err, ErrTokenInvalid)
		_, err = PeekToken(ctx, db, PurposeResetPassword, raw, now.Add(time.Hour))
		require.ErrorIs(t, err, ErrTokenExpired)

		// Of concurrent uses, one wins.
		var wg sync.WaitGroup
		results := make(chan error, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := UseToken(ctx, db, PurposeResetPassword, raw, now)
				results <- err
			}()
		}
		wg.Wait()
		close(results)
		won := 0
		for err := range results {
			if err == nil {
				won++
				continue
			}
			require.ErrorIs(t, err, ErrTokenUsed)
		}
		require.Equal(t, 1, won)
		_, err = UseToken(ctx, db, PurposeResetPassword, raw, now)
		require.ErrorIs(t, err, ErrTokenUsed)

		other, err := IssueToken(ctx, db, PurposeResetPassword, u.ID, u.Email, now)
		require.NoError(t, err)
		require.NoError(t, RevokeTokens(ctx, db, PurposeResetPassword, u.ID, now))
		_, err = UseToken(ctx, db, PurposeResetPassword, other, now)
		require.ErrorIs(t, err, ErrTokenUsed)
		require.NotEmpty(t, TokenMessage(err))
		require.Empty(t, TokenMessage(context.Canceled))
	})
}
