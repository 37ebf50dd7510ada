package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/apptest"
	"github.com/assayhq/assay/app/cli"
)

// The operator commands run against the same databases while the servers are up, and
// keep their output contract: one JSON line, and the key alone on the last line.
func TestOperatorCommandsWhileRunning(t *testing.T) {
	apptest.EachBackend(t, func(t *testing.T, env *apptest.Env) {
		run := func(args ...string) (string, int) {
			var out, errOut bytes.Buffer
			code := cli.Run(context.Background(), cli.Env{Config: env.Config, Stdout: &out, Stderr: &errOut}, args)
			if code != 0 {
				t.Logf("stderr: %s", errOut.String())
			}
			return out.String(), code
		}
		out, code := run("user", "create", "--email", "Ops@Example.com", "--password", apptest.Password, "--org", "Ops")
		require.Equal(t, 0, code)
		require.Equal(t, 1, strings.Count(out, "\n"), "one JSON line: %q", out)
		var ids struct {
			UserID string `json:"user_id"`
			OrgID  string `json:"org_id"`
		}
		require.NoError(t, json.Unmarshal([]byte(out), &ids))
		require.NotEmpty(t, ids.UserID)
		require.NotEmpty(t, ids.OrgID)

		_, code = run("user", "create", "--email", "ops@example.com", "--password", apptest.Password, "--org", "Again")
		require.Equal(t, 1, code, "a second user with the same email is refused")

		out, code = run("apikey", "create", "--org", ids.OrgID, "--name", "ci")
		require.Equal(t, 0, code)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		key := lines[len(lines)-1]
		res := env.API(t, http.MethodGet, "/v1/api/tasks", key, "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.Body)

		_, code = run("apikey", "create", "--org", "00000000-0000-0000-0000-000000000000", "--name", "x")
		require.Equal(t, 1, code, "unknown organization")
		out, code = run("apikey", "create", "--org", ids.OrgID, "--name", "reader", "--scopes", "read")
		require.Equal(t, 0, code)
		lines = strings.Split(strings.TrimSpace(out), "\n")
		reader := lines[len(lines)-1]
		res = env.API(t, http.MethodGet, "/v1/api/tasks", reader, "", nil)
		require.Equal(t, http.StatusOK, res.StatusCode, "%s", res.Body)
		res = env.API(t, http.MethodPost, "/v1/api/tasks", reader, "application/json", `{"dataset_id":"x","rules":[]}`)
		require.Equal(t, http.StatusForbidden, res.StatusCode, "a read-only key may not write: %s", res.Body)
		_, code = run("apikey", "create", "--org", ids.OrgID, "--name", "x", "--scopes", "admin")
		require.Equal(t, 2, code, "an unknown scope is a usage error")
		_, code = run("user", "create", "--email", "x@example.com")
		require.Equal(t, 2, code, "missing flags is a usage error")
		out, code = run("migrate", "status")
		require.Equal(t, 0, code)
		require.Contains(t, out, "web\tapplied\t")
		require.Contains(t, out, "api\tapplied\t")
		require.NotContains(t, out, "pending")
		out, code = run("migrate", "up")
		require.Equal(t, 0, code, "applying again is a no-op")
		require.NotContains(t, out, "pending")
		_, code = run("migrate", "sideways")
		require.Equal(t, 2, code)

		out, code = run("version")
		require.Equal(t, 0, code)
		require.True(t, strings.HasPrefix(out, "assay "))
	})
}
