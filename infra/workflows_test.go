package infra

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

const workflowDir = "../.github/workflows"

// Every workflow passes actionlint with no findings. shellcheck and pyflakes are not
// run: this check must work on machines that have neither.
func TestWorkflowsPassActionlint(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(workflowDir, "*.y*ml"))
	require.NoError(t, err)
	for _, name := range []string{"ci.yml", "web-deploy.yaml", "api-deploy.yaml", "terraform.yaml"} {
		require.Contains(t, files, filepath.Join(workflowDir, name))
	}
	var out bytes.Buffer
	linter, err := actionlint.NewLinter(&out, &actionlint.LinterOptions{Shellcheck: "", Pyflakes: ""})
	require.NoError(t, err)
	findings, err := linter.LintFiles(files, nil)
	require.NoError(t, err)
	require.Empty(t, findings, "actionlint:\n%s", out.String())
}

// workflow reads a workflow file as plain YAML.
func workflow(t *testing.T, name string) (map[string]any, string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(workflowDir, name))
	require.NoError(t, err)
	var w map[string]any
	require.NoError(t, yaml.Unmarshal(b, &w), name)
	return w, string(b)
}

// dig walks nested maps by key.
func dig(t *testing.T, v any, keys ...string) any {
	t.Helper()
	for _, k := range keys {
		m, ok := v.(map[string]any)
		require.True(t, ok, "no map at %q (path %v)", k, keys)
		v, ok = m[k]
		require.True(t, ok, "no key %q (path %v)", k, keys)
	}
	return v
}

// CI runs the same checks as .ci/run against Postgres and Redis service containers,
// plus lint, the security lint, the vulnerability scan, fuzzing and a build.
func TestCIWorkflow(t *testing.T) {
	w, text := workflow(t, "ci.yml")
	job := dig(t, w, "jobs", "test")
	require.Equal(t, "postgres:16", dig(t, job, "services", "postgres", "image"))
	require.Equal(t, "redis:7", dig(t, job, "services", "redis", "image"))
	require.Equal(t, "1", dig(t, job, "env", "TEST_REQUIRE_ALL"))
	for _, key := range []string{"TEST_POSTGRES_URL", "TEST_REDIS_URL"} {
		dig(t, job, "env", key)
	}
	for _, want := range []string{"gofmt -l", "go generate ./...", "go vet ./...", "staticcheck@",
		"make lint", "make vuln", "make fuzz", "go test -race", "make build", "apt-get install", "CHROMIUM_PATH"} {
		require.Contains(t, text, want)
	}
}

// Deploys and Terraform sign in to Azure with OIDC (no stored cloud secrets) and pick
// the environment from the branch: main is production, dev is development.
func TestDeployWorkflows(t *testing.T) {
	for _, name := range []string{"web-deploy.yaml", "api-deploy.yaml", "terraform.yaml"} {
		t.Run(name, func(t *testing.T) {
			w, text := workflow(t, name)
			require.Equal(t, "write", dig(t, w, "permissions", "id-token"))
			require.NotContains(t, text, "secrets.", "cloud access is federated, not stored")
			require.Contains(t, text, "azure/login@v2")
			for _, v := range []string{"vars.AZURE_CLIENT_ID", "vars.AZURE_TENANT_ID", "vars.AZURE_SUBSCRIPTION_ID"} {
				require.Contains(t, text, v)
			}
			env := ""
			for _, job := range dig(t, w, "jobs").(map[string]any) {
				env = dig(t, job, "environment").(string)
			}
			for _, want := range []string{"'main'", "'production'", "'development'"} {
				require.Contains(t, env, want)
			}
		})
	}
	for _, name := range []string{"web-deploy.yaml", "api-deploy.yaml"} {
		w, text := workflow(t, name)
		// yaml.v3 reads the bare key `on` as the string "on".
		paths := dig(t, w, "on", "push", "paths").([]any)
		require.Contains(t, paths, "infra/Dockerfile", name)
		require.Contains(t, text, "infra/scripts/run-migrations.sh", "%s migrates before it updates the apps", name)
		require.Less(t, strings.Index(text, "run-migrations.sh"), strings.Index(text, "az containerapp update"), name)
	}
	w, text := workflow(t, "terraform.yaml")
	dig(t, w, "on", "pull_request")
	dig(t, w, "on", "push")
	require.Contains(t, text, "terraform plan")
	require.Contains(t, text, "if: github.event_name != 'pull_request'\n        run: terraform apply -auto-approve tfplan")
	_, err := os.Stat(filepath.Join("scripts", "run-migrations.sh"))
	require.NoError(t, err)
}
