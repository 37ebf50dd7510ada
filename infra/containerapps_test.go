package infra

import (
	"sort"
	"testing"

	"github.com/alicebob/miniredis/v2"
	"github.com/gocraft/work"
	"github.com/gomodule/redigo/redis"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stretchr/testify/require"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"

	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/jobs"
)

// appContainer returns the container block of a Container App or job and its template.
func appContainer(t *testing.T, m *tfModule, addr string) (template, container *hclsyntax.Body) {
	t.Helper()
	for _, b := range m.resource(t, addr).Blocks {
		if b.Type == "template" {
			template = b.Body
		}
	}
	require.NotNil(t, template, "%s has no template", addr)
	for _, b := range template.Blocks {
		if b.Type == "container" {
			container = b.Body
		}
	}
	require.NotNil(t, container, "%s has no container", addr)
	return template, container
}

// envOf collects the environment a container gets from its dynamic env blocks: literal
// values as written, values computed at apply time or read from Key Vault as placeholders.
// It also returns the role_secrets entries the container reads.
func envOf(t *testing.T, m *tfModule, container *hclsyntax.Body) (vars map[string]string, secretRoles []string) {
	t.Helper()
	vars = map[string]string{}
	var add func(expr hclsyntax.Expression)
	add = func(expr hclsyntax.Expression) {
		switch e := expr.(type) {
		case *hclsyntax.FunctionCallExpr: // merge(a, b, …)
			require.Equal(t, "merge", e.Name, "env for_each at %s", e.Range())
			for _, arg := range e.Args {
				add(arg)
			}
		case *hclsyntax.ObjectConsExpr:
			for _, k := range objectKeys(t, e) {
				v, diags := objectItem(t, e, k).Value(funcs())
				vars[k] = placeholder(k)
				if !diags.HasErrors() && v.Type() == cty.String {
					vars[k] = v.AsString()
				}
			}
		case *hclsyntax.ScopeTraversalExpr:
			tr := e.Traversal
			require.Equal(t, "local", tr.RootName(), "env for_each at %s", e.Range())
			obj := m.locals[step(tr, 1)].Expr
			if step(tr, 1) != "role_secrets" {
				add(obj)
				return
			}
			// Values there are secret names; the variables get the secrets' values.
			secretRoles = append(secretRoles, step(tr, 2))
			for _, k := range objectKeys(t, objectItem(t, obj, step(tr, 2))) {
				vars[k] = placeholder(k)
			}
		default:
			t.Fatalf("env for_each at %s: unsupported expression", expr.Range())
		}
	}
	for _, b := range container.Blocks {
		if b.Type == "dynamic" && b.Labels[0] == "env" {
			add(b.Body.Attributes["for_each"].Expr)
		}
	}
	return vars, secretRoles
}

// funcs is an evaluation context with the one function these expressions call.
func funcs() *hcl.EvalContext {
	return &hcl.EvalContext{Functions: map[string]function.Function{"tostring": stdlib.MakeToFunc(cty.String)}}
}

// Each app and the migration job run the role their args name, and the environment
// Terraform gives them satisfies that role in production: nothing falls back to an
// embedded default, and every secret they read is one Terraform writes to Key Vault.
func TestTerraformAppsGetWhatTheirRoleNeeds(t *testing.T) {
	m := loadModule(t)
	written := append(objectKeys(t, m.locals["seeded_secrets"].Expr), objectKeys(t, m.locals["derived_secrets"].Expr)...)
	cases := []struct {
		addr string
		role config.Role
		args []string
	}{
		{"azurerm_container_app.web", config.RoleWeb, []string{"web"}},
		{"azurerm_container_app.api", config.RoleAPI, []string{"api"}},
		{"azurerm_container_app.worker", config.RoleWorker, []string{"worker"}},
		{"azurerm_container_app_job.migrate", config.RoleMigrate, []string{"migrate", "up"}},
	}
	for _, tc := range cases {
		t.Run(tc.addr, func(t *testing.T) {
			_, container := appContainer(t, m, tc.addr)
			require.Equal(t, tc.args, stringList(t, literal(t, container.Attributes["args"].Expr, nil)))
			env, secretRoles := envOf(t, m, container)
			require.Equal(t, []string{tc.args[0]}, secretRoles, "reads the secrets of its own role")
			requireRole(t, tc.addr, tc.role, env)
			for _, name := range secretNames(t, m, tc.args[0]) {
				require.Contains(t, written, name, "secret %s is never written to Key Vault", name)
			}
		})
	}
}

func secretNames(t *testing.T, m *tfModule, role string) []string {
	t.Helper()
	v := literal(t, objectItem(t, m.locals["role_secrets"].Expr, role), nil)
	var out []string
	for it := v.ElementIterator(); it.Next(); {
		_, s := it.Element()
		out = append(out, s.AsString())
	}
	return out
}

// Liveness and readiness probes ask the roles' health endpoints.
func TestTerraformProbes(t *testing.T) {
	m := loadModule(t)
	cases := []struct {
		addr, probe, transport, path string
		port                         int64
	}{
		{"azurerm_container_app.web", "liveness_probe", "HTTP", "/livez", 8080},
		{"azurerm_container_app.web", "readiness_probe", "HTTP", "/readyz", 8080},
		{"azurerm_container_app.api", "liveness_probe", "HTTP", "/livez", 8787},
		{"azurerm_container_app.api", "readiness_probe", "HTTP", "/readyz", 8787},
	}
	for _, tc := range cases {
		_, container := appContainer(t, m, tc.addr)
		var probe *hclsyntax.Body
		for _, b := range container.Blocks {
			if b.Type == tc.probe {
				probe = b.Body
			}
		}
		require.NotNil(t, probe, "%s has no %s", tc.addr, tc.probe)
		require.Equal(t, tc.transport, literal(t, probe.Attributes["transport"].Expr, nil).AsString())
		port, _ := literal(t, probe.Attributes["port"].Expr, nil).AsBigFloat().Int64()
		require.Equal(t, tc.port, port, "%s %s", tc.addr, tc.probe)
		if tc.path != "" {
			require.Equal(t, tc.path, literal(t, probe.Attributes["path"].Expr, nil).AsString())
		}
	}
}

// Workers scale on queue depth: one redis scaler per pipeline job, each watching the
// very list gocraft/work pushes that job onto.
func TestTerraformWorkersScaleOnTheQueues(t *testing.T) {
	m := loadModule(t)
	namespace := literal(t, m.locals["redis_namespace"].Expr, nil)
	template, _ := appContainer(t, m, "azurerm_container_app.worker")
	var rule *hclsyntax.Block
	for _, b := range template.Blocks {
		if b.Type == "dynamic" && b.Labels[0] == "custom_scale_rule" {
			rule = b
		}
	}
	require.NotNil(t, rule, "the worker has no custom_scale_rule")
	var content *hclsyntax.Body
	for _, b := range rule.Body.Blocks {
		if b.Type == "content" {
			content = b.Body
		}
	}
	require.NotNil(t, content)
	require.Equal(t, "redis", literal(t, content.Attributes["custom_rule_type"].Expr, nil).AsString())

	var watched []string
	for _, job := range stringList(t, literal(t, m.locals["pipeline_jobs"].Expr, nil)) {
		ctx := funcs()
		ctx.Variables = map[string]cty.Value{
			"local":             cty.ObjectVal(map[string]cty.Value{"redis_namespace": namespace, "redis_addr": cty.StringVal("redis:6380")}),
			"var":               cty.ObjectVal(map[string]cty.Value{"worker_queue_length": cty.NumberIntVal(20)}),
			"custom_scale_rule": cty.ObjectVal(map[string]cty.Value{"value": cty.StringVal(job)}),
		}
		meta := literal(t, content.Attributes["metadata"].Expr, ctx)
		require.Equal(t, "true", meta.GetAttr("enableTLS").AsString())
		watched = append(watched, meta.GetAttr("listName").AsString())
	}
	sort.Strings(watched)
	require.Equal(t, gocraftQueues(t, namespace.AsString()), watched)
}

// gocraftQueues enqueues every pipeline job with gocraft/work and returns the Redis
// lists they landed in.
func gocraftQueues(t *testing.T, namespace string) []string {
	t.Helper()
	mr := miniredis.RunT(t)
	pool := &redis.Pool{Dial: func() (redis.Conn, error) { return redis.Dial("tcp", mr.Addr()) }}
	t.Cleanup(func() { _ = pool.Close() })
	enq := work.NewEnqueuer(namespace, pool)
	for _, name := range []string{jobs.Fetch, jobs.Transform, jobs.Normalize, jobs.Enrich, jobs.Validate, jobs.Aggregate, jobs.Save, jobs.Notify} {
		_, err := enq.Enqueue(name, work.Q{"step_id": "s"})
		require.NoError(t, err)
	}
	var lists []string
	for _, k := range mr.Keys() {
		if typ := mr.Type(k); typ == "list" {
			lists = append(lists, k)
		}
	}
	sort.Strings(lists)
	require.Len(t, lists, 8)
	return lists
}
