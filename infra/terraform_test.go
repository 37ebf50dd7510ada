package infra

import (
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/stretchr/testify/require"
)

// environments are the deployments the module is applied to, one tfvars file each.
var environments = []string{"dev", "prod"}

// Every HCL file parses and is formatted as `terraform fmt -check` (CI) wants it.
func TestTerraformFilesParseAndAreFormatted(t *testing.T) {
	files := hclFiles(t)
	require.GreaterOrEqual(t, len(files), 10, "the module, two tfvars and two backend configs")
	for _, p := range files {
		t.Run(filepath.ToSlash(p), func(t *testing.T) {
			parseHCL(t, p)
			src, err := os.ReadFile(p)
			require.NoError(t, err)
			require.Equal(t, string(hclwrite.Format(src)), string(src), "%s is not formatted: run terraform fmt", p)
		})
	}
}

// Every var.X, local.X, data.T.N and T.N reference resolves to a declaration, and every
// variable is used.
func TestTerraformReferencesResolve(t *testing.T) {
	m := loadModule(t)
	for _, kind := range []string{"terraform", "provider", "variable", "locals", "resource", "output"} {
		require.NotZero(t, m.blocks[kind], "the module has no %s block", kind)
	}
	used := map[string]bool{}
	builtin := map[string]bool{"each": true, "count": true, "self": true, "path": true, "terraform": true}
	for name, body := range m.files {
		references(body, func(tr hcl.Traversal, scope map[string]bool) {
			root, at := tr.RootName(), tr.SourceRange().String()
			switch {
			case root == "var":
				used[step(tr, 1)] = true
				require.True(t, has(m.vars, step(tr, 1)), "%s: undeclared variable", at)
			case root == "local":
				require.True(t, has(m.locals, step(tr, 1)), "%s: undeclared local", at)
			case root == "data":
				require.True(t, has(m.data, step(tr, 1)+"."+step(tr, 2)), "%s: undeclared data source", at)
			case builtin[root] || scope[root]:
			default:
				_, ok := m.resources[root+"."+step(tr, 1)]
				require.True(t, ok, "%s (%s): unknown reference %s.%s", at, name, root, step(tr, 1))
			}
		})
	}
	for v := range m.vars {
		require.True(t, used[v], "variable %s is declared but never used", v)
	}
	for name, v := range m.vars {
		require.Contains(t, v.Body.Attributes, "description", "variable %s has no description", name)
		require.Contains(t, v.Body.Attributes, "type", "variable %s has no type", name)
	}
}

// Each environment sets only declared variables, sets every variable without a default,
// names itself, and keeps its state under its own key.
func TestTerraformEnvironments(t *testing.T) {
	m := loadModule(t)
	var required []string
	for name := range m.vars {
		if !m.hasDefault(name) {
			required = append(required, name)
		}
	}
	sort.Strings(required)
	require.NotEmpty(t, required)
	stateKeys := map[string]string{}
	for _, env := range environments {
		t.Run(env, func(t *testing.T) {
			vals := tfvars(t, env)
			for key, a := range vals {
				require.True(t, has(m.vars, key), "%s.tfvars sets undeclared variable %s", env, key)
				literal(t, a.Expr, nil) // tfvars hold values, never references
			}
			for _, name := range required {
				require.True(t, has(vals, name), "%s.tfvars does not set %s, which has no default", env, name)
			}
			require.Equal(t, env, literal(t, vals["environment"].Expr, nil).AsString())

			backend := parseHCL(t, filepath.Join(tfDir, "environments", env+".backend.hcl")).Attributes
			for _, key := range []string{"resource_group_name", "storage_account_name", "container_name", "key"} {
				require.True(t, has(backend, key), "%s.backend.hcl lacks %s", env, key)
			}
			key := literal(t, backend["key"].Expr, nil).AsString()
			require.NotContains(t, stateKeys, key, "%s shares its state key with %s", env, stateKeys[key])
			stateKeys[key] = env
		})
	}
	// The remote state is configured partially in versions.tf and completed per environment.
	var backends int
	for _, b := range m.files["versions.tf"].Blocks {
		if b.Type == "terraform" {
			for _, inner := range b.Body.Blocks {
				if inner.Type == "backend" && inner.Labels[0] == "azurerm" {
					backends++
				}
			}
		}
	}
	require.Equal(t, 1, backends, `versions.tf must hold one backend "azurerm" block`)
}
