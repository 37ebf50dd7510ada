package api_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/ent/api/apikey"
	enttenant "github.com/assayhq/assay/ent/api/tenant"
)

func TestAuthRejects(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		org, key := e.org(t)
		ctx := tenant.With(context.Background(), org)

		revokedOrg, revoked := e.org(t)
		err := e.db.APIKey.Update().SetRevokedAt(time.Now()).Exec(tenant.With(context.Background(), revokedOrg))
		require.NoError(t, err)
		expiredOrg, expired := e.org(t)
		err = e.db.APIKey.Update().SetExpiresAt(time.Now().Add(-time.Minute)).Exec(tenant.With(context.Background(), expiredOrg))
		require.NoError(t, err)

		other, err := auth.NewSigner("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
		require.NoError(t, err)
		foreign, err := other.Mint("u1", org, "owner", "free", auth.Limits{})
		require.NoError(t, err)
		prefix, ok := auth.APIKeyPrefix(key)
		require.True(t, ok)
		wrongSecret := "assay_" + prefix + "_" + "0123456789abcdefghijklmnopqrstuvwxyzABCD"

		cases := []struct {
			name   string
			header string
		}{
			{"no header", ""},
			{"not bearer", "Basic dXNlcjpwdw=="},
			{"empty bearer", "Bearer "},
			{"unknown api key", "Bearer assay_AAAAAAAAAAAA_0123456789abcdefghijklmnopqrstuvwxyz"},
			{"wrong secret", "Bearer " + wrongSecret},
			{"revoked key", "Bearer " + revoked},
			{"expired key", "Bearer " + expired},
			{"garbage jwt", "Bearer not.a.jwt"},
			{"jwt of another signer", "Bearer " + foreign},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				res := e.do(t, http.MethodGet, "/v1/api/datasets", "", "", nil, "Authorization", tc.header)
				res.problem(t, http.StatusUnauthorized)
				require.Contains(t, res.Header.Get("WWW-Authenticate"), "Bearer")
			})
		}
		k, err := e.db.APIKey.Query().Where(apikey.RevokedAtIsNil()).Only(ctx)
		require.NoError(t, err)
		require.Nil(t, k.LastUsedAt, "a failed attempt does not count as use")
	})
}

func TestAuthAPIKeyRecordsUseOncePerMinute(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		org, key := e.org(t)
		ctx := tenant.With(context.Background(), org)

		res := e.do(t, http.MethodGet, "/v1/api/datasets", key, "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", res.body)
		k, err := e.db.APIKey.Query().Only(ctx)
		require.NoError(t, err)
		require.NotNil(t, k.LastUsedAt)
		first := *k.LastUsedAt

		res = e.do(t, http.MethodGet, "/v1/api/datasets", key, "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		k, err = e.db.APIKey.Query().Only(ctx)
		require.NoError(t, err)
		require.True(t, first.Equal(*k.LastUsedAt), "last_used_at is written at most once a minute")
	})
}

func TestAuthJWTUpsertsTenant(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		org := platform.NewID()
		sys := tenant.System(context.Background())

		res := e.do(t, http.MethodGet, "/v1/api/datasets", e.token(t, org, "pro", auth.Limits{MaxUploadBytes: 1 << 20}), "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", res.body)
		tn, err := e.db.Tenant.Query().Where(enttenant.ID(org)).Only(sys)
		require.NoError(t, err)
		require.Equal(t, "pro", tn.Plan)
		require.EqualValues(t, 1<<20, tn.MaxUploadBytes)

		// A new plan in the token updates the row.
		res = e.do(t, http.MethodGet, "/v1/api/datasets", e.token(t, org, "team", auth.Limits{}), "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		tn, err = e.db.Tenant.Query().Where(enttenant.ID(org)).Only(sys)
		require.NoError(t, err)
		require.Equal(t, "team", tn.Plan)
	})
}
