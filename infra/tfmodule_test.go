package infra

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stretchr/testify/require"
	"github.com/zclconf/go-cty/cty"
)

// tfDir is the Terraform module of the Azure Container Apps deployment.
const tfDir = "terraform/azure-container-apps"

// tfModule is a parsed Terraform module: its files and what they declare.
type tfModule struct {
	files     map[string]*hclsyntax.Body // by file name
	vars      map[string]*hclsyntax.Block
	locals    map[string]*hclsyntax.Attribute
	resources map[string]*hclsyntax.Block // "type.name"
	data      map[string]*hclsyntax.Block // "type.name"
	blocks    map[string]int              // top-level block types seen
}

// parseHCL parses one HCL file (Terraform, tfvars or backend config) and fails the test
// on any syntax error.
func parseHCL(t *testing.T, path string) *hclsyntax.Body {
	t.Helper()
	f, diags := hclparse.NewParser().ParseHCLFile(path)
	require.False(t, diags.HasErrors(), "%s: %s", path, diags.Error())
	return f.Body.(*hclsyntax.Body)
}

func loadModule(t *testing.T) *tfModule {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(tfDir, "*.tf"))
	require.NoError(t, err)
	require.NotEmpty(t, paths, "no .tf files in %s", tfDir)
	m := &tfModule{
		files: map[string]*hclsyntax.Body{}, vars: map[string]*hclsyntax.Block{},
		locals: map[string]*hclsyntax.Attribute{}, resources: map[string]*hclsyntax.Block{},
		data: map[string]*hclsyntax.Block{}, blocks: map[string]int{},
	}
	for _, p := range paths {
		body := parseHCL(t, p)
		m.files[filepath.Base(p)] = body
		for _, b := range body.Blocks {
			m.blocks[b.Type]++
			switch b.Type {
			case "variable":
				require.NotContains(t, m.vars, b.Labels[0], "variable declared twice")
				m.vars[b.Labels[0]] = b
			case "locals":
				for name, a := range b.Body.Attributes {
					require.NotContains(t, m.locals, name, "local declared twice")
					m.locals[name] = a
				}
			case "resource":
				m.resources[b.Labels[0]+"."+b.Labels[1]] = b
			case "data":
				m.data[b.Labels[0]+"."+b.Labels[1]] = b
			}
		}
	}
	return m
}

// resource returns the resource block "type.name" or fails.
func (m *tfModule) resource(t *testing.T, addr string) *hclsyntax.Body {
	t.Helper()
	b, ok := m.resources[addr]
	require.True(t, ok, "resource %s is not declared", addr)
	return b.Body
}

// has reports whether m holds k (require.Contains would print every block of m).
func has[V any](m map[string]V, k string) bool {
	_, ok := m[k]
	return ok
}

// hasDefault reports whether variable name declares a default.
func (m *tfModule) hasDefault(name string) bool {
	_, ok := m.vars[name].Body.Attributes["default"]
	return ok
}

// eachBlock calls fn for every block in body, depth first, with the names that dynamic
// blocks bring into scope for their content.
func eachBlock(body *hclsyntax.Body, scope map[string]bool, fn func(b *hclsyntax.Block, scope map[string]bool)) {
	for _, b := range body.Blocks {
		inner := scope
		if b.Type == "dynamic" {
			inner = map[string]bool{}
			for k := range scope {
				inner[k] = true
			}
			iter := b.Labels[0]
			if a, ok := b.Body.Attributes["iterator"]; ok {
				iter = hcl.ExprAsKeyword(a.Expr)
			}
			inner[iter] = true
		}
		fn(b, inner)
		eachBlock(b.Body, inner, fn)
	}
}

// references calls fn with every variable reference of body's expressions and the names
// in scope there. Paths in lifecycle.ignore_changes are attribute names, not references.
func references(body *hclsyntax.Body, fn func(tr hcl.Traversal, scope map[string]bool)) {
	visit := func(attrs hclsyntax.Attributes, scope map[string]bool, skip string) {
		for name, a := range attrs {
			if name == skip {
				continue
			}
			for _, tr := range a.Expr.Variables() {
				fn(tr, scope)
			}
		}
	}
	visit(body.Attributes, map[string]bool{}, "")
	eachBlock(body, map[string]bool{}, func(b *hclsyntax.Block, scope map[string]bool) {
		skip := ""
		switch b.Type {
		case "lifecycle":
			skip = "ignore_changes"
		case "variable":
			skip = "type" // a type constraint, not an expression
		}
		visit(b.Body.Attributes, scope, skip)
	})
}

// step returns the attribute name of the i-th step of a traversal, or "".
func step(tr hcl.Traversal, i int) string {
	if i >= len(tr) {
		return ""
	}
	if a, ok := tr[i].(hcl.TraverseAttr); ok {
		return a.Name
	}
	return ""
}

// objectKeys returns the keys of an object constructor expression such as a map local.
func objectKeys(t *testing.T, expr hclsyntax.Expression) []string {
	t.Helper()
	obj, ok := expr.(*hclsyntax.ObjectConsExpr)
	require.True(t, ok, "expected an object literal at %s", expr.Range())
	var keys []string
	for _, item := range obj.Items {
		k, diags := item.KeyExpr.Value(nil)
		require.False(t, diags.HasErrors(), "object key at %s is not a literal", item.KeyExpr.Range())
		keys = append(keys, k.AsString())
	}
	sort.Strings(keys)
	return keys
}

// objectItem returns the value expression under key in an object constructor.
func objectItem(t *testing.T, expr hclsyntax.Expression, key string) hclsyntax.Expression {
	t.Helper()
	obj, ok := expr.(*hclsyntax.ObjectConsExpr)
	require.True(t, ok, "expected an object literal at %s", expr.Range())
	for _, item := range obj.Items {
		if k, _ := item.KeyExpr.Value(nil); k.Type() == cty.String && k.AsString() == key {
			return item.ValueExpr
		}
	}
	t.Fatalf("no key %q in the object at %s", key, expr.Range())
	return nil
}

// literal evaluates an expression that references nothing (or only what ctx holds).
func literal(t *testing.T, expr hcl.Expression, ctx *hcl.EvalContext) cty.Value {
	t.Helper()
	v, diags := expr.Value(ctx)
	require.False(t, diags.HasErrors(), "%s: %s", expr.Range(), diags.Error())
	return v
}

// tfvars parses environments/<env>.tfvars into its attributes.
func tfvars(t *testing.T, env string) hclsyntax.Attributes {
	t.Helper()
	return parseHCL(t, filepath.Join(tfDir, "environments", env+".tfvars")).Attributes
}

// hclFiles lists every HCL file of the module: .tf, .tfvars and backend configs.
func hclFiles(t *testing.T) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(tfDir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		for _, ext := range []string{".tf", ".tfvars", ".hcl"} {
			if strings.HasSuffix(p, ext) {
				out = append(out, p)
			}
		}
		return nil
	})
	require.NoError(t, err)
	return out
}
