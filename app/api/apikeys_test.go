package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/ent/api/auditentry"
)

const keysPath = "/v1/internal/api-keys"

// apiKeyJSON is the API's key JSON; Key is set only in a create's answer.
type apiKeyJSON struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"`
	Scopes     []string   `json:"scopes"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
	Key        string     `json:"key"`
}

type apiKeyListJSON struct {
	Data       []apiKeyJSON `json:"data"`
	NextCursor *string      `json:"next_cursor"`
}

// roleToken mints a web → API JWT of a user with role in org.
func (e *env) roleToken(t *testing.T, org, role string) string {
	t.Helper()
	tok, err := e.signer.Mint("user-"+role+"-"+org, org, role, "free", auth.Limits{})
	require.NoError(t, err)
	return tok
}

func (e *env) createKey(t *testing.T, token string, body any) apiKeyJSON {
	t.Helper()
	res := e.do(t, http.MethodPost, keysPath, token, "", body)
	require.Equal(t, http.StatusCreated, res.StatusCode, "body: %s", res.body)
	var k apiKeyJSON
	res.json(t, &k)
	return k
}

func (e *env) listKeys(t *testing.T, token, query string) apiKeyListJSON {
	t.Helper()
	res := e.do(t, http.MethodGet, keysPath+query, token, "", nil)
	require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", res.body)
	var l apiKeyListJSON
	res.json(t, &l)
	return l
}

func (e *env) countKeys(t *testing.T, org string) int {
	t.Helper()
	n, err := e.db.APIKey.Query().Count(tenant.With(context.Background(), org))
	require.NoError(t, err)
	return n
}

func TestInternalAPIKeysLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		org := platform.NewID()
		owner := e.roleToken(t, org, "owner")
		expires := time.Now().UTC().Add(30 * 24 * time.Hour).Truncate(time.Second)

		k := e.createKey(t, owner, map[string]any{"name": " CI deploys ", "scopes": []string{"read"}, "expires_at": expires.Format(time.RFC3339)})
		require.Equal(t, "CI deploys", k.Name)
		require.Equal(t, []string{"read"}, k.Scopes)
		require.True(t, expires.Equal(*k.ExpiresAt), "%v", k.ExpiresAt)
		require.Nil(t, k.LastUsedAt)
		require.Nil(t, k.RevokedAt)
		prefix, ok := auth.APIKeyPrefix(k.Key)
		require.True(t, ok, "the key has the shape of an API key: %q", k.Key)
		require.Equal(t, k.Prefix, prefix)
		require.NotContains(t, e.logs.String(), k.Key, "the key is never logged")
		require.True(t, e.db.AuditEntry.Query().Where(auditentry.Action(audit.APIKeyCreated), auditentry.OrgID(org),
			auditentry.TargetID(k.ID)).ExistX(context.Background()), "the API's audit log has the key's creation")

		// Only a hash is stored.
		row, err := e.db.APIKey.Get(tenant.With(context.Background(), org), k.ID)
		require.NoError(t, err)
		require.Equal(t, auth.HashAPIKey(k.Key), row.SecretHash)
		require.NotContains(t, row.SecretHash, k.Key[len("assay_"+prefix+"_"):])

		res := e.do(t, http.MethodGet, "/v1/api/datasets", k.Key, "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", res.body)

		l := e.listKeys(t, owner, "")
		require.Len(t, l.Data, 1)
		require.Nil(t, l.NextCursor)
		got := l.Data[0]
		require.Empty(t, got.Key, "a list never shows the key")
		require.Equal(t, k.ID, got.ID)
		require.NotNil(t, got.LastUsedAt, "the use was recorded")

		res = e.do(t, http.MethodPost, keysPath+"/"+k.ID+"/revoke", owner, "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode, "body: %s", res.body)
		var revoked apiKeyJSON
		res.json(t, &revoked)
		require.NotNil(t, revoked.RevokedAt)
		revokes := func() int {
			return e.db.AuditEntry.Query().Where(auditentry.Action(audit.APIKeyRevoked), auditentry.TargetID(k.ID)).
				CountX(context.Background())
		}
		require.Equal(t, 1, revokes())

		// The very next request with the key fails.
		res = e.do(t, http.MethodGet, "/v1/api/datasets", k.Key, "", nil)
		require.Contains(t, res.problem(t, http.StatusUnauthorized), "revoked")

		// Revoking again changes nothing.
		res = e.do(t, http.MethodPost, keysPath+"/"+k.ID+"/revoke", owner, "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
		var again apiKeyJSON
		res.json(t, &again)
		require.True(t, revoked.RevokedAt.Equal(*again.RevokedAt))
		require.Equal(t, 1, revokes())
		require.NotNil(t, e.listKeys(t, owner, "").Data[0].RevokedAt, "revoked keys stay listed")
	})
}

func TestInternalAPIKeysPages(t *testing.T) {
	e := newEnv(t, sqliteURL(t))
	org := platform.NewID()
	owner := e.roleToken(t, org, "admin")
	var ids []string
	for _, name := range []string{"a", "b", "c"} {
		ids = append(ids, e.createKey(t, owner, map[string]any{"name": name, "scopes": []string{"read", "write"}}).ID)
	}
	first := e.listKeys(t, owner, "?limit=2")
	require.Len(t, first.Data, 2)
	require.NotNil(t, first.NextCursor)
	require.Equal(t, ids[2], first.Data[0].ID, "newest first")
	second := e.listKeys(t, owner, "?limit=2&cursor="+*first.NextCursor)
	require.Len(t, second.Data, 1)
	require.Nil(t, second.NextCursor)
	require.Equal(t, ids[0], second.Data[0].ID)
}

func TestInternalAPIKeysRefused(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		org, key := e.org(t) // the org has one key, issued by the operator command
		other, otherKey := e.org(t)
		otherRow, err := e.db.APIKey.Query().Only(tenant.With(context.Background(), other))
		require.NoError(t, err)
		ownKey, err := e.db.APIKey.Query().Only(tenant.With(context.Background(), org))
		require.NoError(t, err)
		member := e.roleToken(t, org, "member")
		owner := e.roleToken(t, org, "owner")
		create := map[string]any{"name": "x", "scopes": []string{"read"}}

		cases := []struct {
			name, method, path, token string
			body                      any
			status                    int
			detail                    string
		}{
			{"member lists", http.MethodGet, keysPath, member, nil, 403, "member role may not manage API keys"},
			{"member creates", http.MethodPost, keysPath, member, create, 403, "may not manage API keys"},
			{"member revokes", http.MethodPost, keysPath + "/" + ownKey.ID + "/revoke", member, nil, 403, "may not manage API keys"},
			{"api key lists", http.MethodGet, keysPath, key, nil, 403, "API keys cannot call /v1/internal"},
			{"api key creates", http.MethodPost, keysPath, key, create, 403, "API keys cannot call /v1/internal"},
			{"api key of another org revokes", http.MethodPost, keysPath + "/" + ownKey.ID + "/revoke", otherKey, nil, 403, "API keys cannot"},
			{"unknown api key", http.MethodGet, keysPath, "assay_AAAAAAAAAAAA_0123456789abcdefghijklmnopqrstuvwxyz", nil, 401, ""},
			{"owner revokes a key of another org", http.MethodPost, keysPath + "/" + otherRow.ID + "/revoke", owner, nil, 404, "API key not found"},
			{"owner revokes an unknown key", http.MethodPost, keysPath + "/" + platform.NewID() + "/revoke", owner, nil, 404, "API key not found"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				res := e.do(t, tc.method, tc.path, tc.token, "", tc.body)
				require.Contains(t, res.problem(t, tc.status), tc.detail)
			})
		}
		t.Run("no credentials", func(t *testing.T) {
			res := e.do(t, http.MethodGet, keysPath, "", "", nil)
			res.problem(t, http.StatusUnauthorized)
		})
		require.Equal(t, 1, e.countKeys(t, org), "nothing was created")
		for _, id := range []string{ownKey.ID, otherRow.ID} {
			k, err := e.db.APIKey.Get(tenant.System(context.Background()), id)
			require.NoError(t, err)
			require.Nil(t, k.RevokedAt, "nothing was revoked")
		}
		require.Len(t, e.listKeys(t, owner, "").Data, 1, "another organization's keys are not listed")
		// The refused API keys still work: the internal endpoints did not record their use.
		res := e.do(t, http.MethodGet, "/v1/api/datasets", key, "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode)
	})
}

func TestInternalAPIKeysValidation(t *testing.T) {
	eachBackend(t, func(t *testing.T, url string) {
		e := newEnv(t, url)
		org := platform.NewID()
		owner := e.roleToken(t, org, "owner")
		soon := func(d time.Duration) string { return time.Now().UTC().Add(d).Format(time.RFC3339) }
		cases := []struct {
			name string
			body string
			// malformed: the body breaks the OpenAPI document too, on purpose.
			malformed bool
			status    int
			detail    string
		}{
			{"blank name", `{"name":"   ","scopes":["read"]}`, false, 422, "Give the key a name."},
			{"name too long", `{"name":"` + strings.Repeat("n", 101) + `","scopes":["read"]}`, true, 422, "at most 100 characters"},
			{"control character", `{"name":"a\u0007b","scopes":["read"]}`, false, 422, "control characters"},
			{"no scopes", `{"name":"x","scopes":[]}`, true, 422, "at least one scope"},
			{"missing scopes", `{"name":"x"}`, true, 422, "at least one scope"},
			{"unknown scope", `{"name":"x","scopes":["read","admin"]}`, true, 422, `Unknown scope "admin"`},
			{"expiry in the past", `{"name":"x","scopes":["read"],"expires_at":"` + soon(-time.Hour) + `"}`, false, 422, "in the future"},
			{"expiry too far", `{"name":"x","scopes":["read"],"expires_at":"` + soon(400*24*time.Hour) + `"}`, false, 422, "at most one year away"},
			{"expiry not a time", `{"name":"x","scopes":["read"],"expires_at":"next week"}`, true, 422, "RFC 3339"},
			{"every problem at once", `{"name":"","scopes":[],"expires_at":"` + soon(-time.Hour) + `"}`, true, 422, "Give the key a name. Choose at least one scope: read, write or both. The expiry must be in the future."},
			{"unknown field", `{"name":"x","scopes":["read"],"admin":true}`, true, 422, "unknown field"},
			{"not json", `name=x`, true, 422, "not valid JSON"},
			{"oversized body", `{"name":"` + strings.Repeat("n", 2<<20) + `","scopes":["read"]}`, true, 413, "larger than the limit"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				var res response
				if tc.malformed {
					res = e.doMalformed(t, http.MethodPost, keysPath, owner, "application/json", tc.body)
				} else {
					res = e.do(t, http.MethodPost, keysPath, owner, "application/json", tc.body)
				}
				require.Contains(t, res.problem(t, tc.status), tc.detail)
				require.Zero(t, e.countKeys(t, org), "nothing was stored")
			})
		}
		t.Run("not json content type", func(t *testing.T) {
			res := e.doMalformed(t, http.MethodPost, keysPath, owner, "text/plain", `{"name":"x","scopes":["read"]}`)
			res.problem(t, http.StatusUnsupportedMediaType)
			require.Zero(t, e.countKeys(t, org))
		})
	})
}
