package infra

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stretchr/testify/require"
	"github.com/zclconf/go-cty/cty"
)

// PostgreSQL 16 with both databases, private access only, and a zone-redundant standby
// in production and nowhere else.
func TestTerraformPostgres(t *testing.T) {
	m := loadModule(t)
	pg := m.resource(t, "azurerm_postgresql_flexible_server.main")
	require.Equal(t, "16", literal(t, pg.Attributes["version"].Expr, nil).AsString())
	require.False(t, literal(t, pg.Attributes["public_network_access_enabled"].Expr, nil).True())
	require.Contains(t, pg.Attributes, "delegated_subnet_id")
	require.Contains(t, pg.Attributes, "private_dns_zone_id")

	dbs := literal(t, m.locals["databases"].Expr, nil)
	require.ElementsMatch(t, []string{"assay_web", "assay_api"}, stringList(t, dbs))
	m.resource(t, "azurerm_postgresql_flexible_server_database.app")

	var ha *hclsyntax.Block
	for _, b := range pg.Blocks {
		if b.Type == "dynamic" && b.Labels[0] == "high_availability" {
			ha = b
		}
	}
	require.NotNil(t, ha, "high_availability must be a dynamic block that only production gets")
	for _, env := range environments {
		environment := literal(t, tfvars(t, env)["environment"].Expr, nil)
		isProd := literal(t, m.locals["is_prod"].Expr, vars(map[string]cty.Value{"environment": environment}, nil))
		modes := literal(t, ha.Body.Attributes["for_each"].Expr, vars(nil, map[string]cty.Value{"is_prod": isProd}))
		if env == "prod" {
			require.Equal(t, []string{"ZoneRedundant"}, stringList(t, modes), "prod runs zone-redundant HA")
		} else {
			require.Empty(t, stringList(t, modes), "%s runs no standby", env)
		}
	}
}

// HTTPS comes in from the internet; Postgres (5432) and Redis (6380) only from the
// virtual network; the rules cover every subnet; Redis speaks TLS only, privately.
func TestTerraformNetwork(t *testing.T) {
	m := loadModule(t)
	type rule struct{ access, direction, source string }
	byPort := map[string][]rule{}
	nsg := m.resource(t, "azurerm_network_security_group.main")
	for _, b := range nsg.Blocks {
		if b.Type != "security_rule" {
			continue
		}
		a := b.Body.Attributes
		r := rule{
			access:    literal(t, a["access"].Expr, nil).AsString(),
			direction: literal(t, a["direction"].Expr, nil).AsString(),
			source:    literal(t, a["source_address_prefix"].Expr, nil).AsString(),
		}
		if p, ok := a["destination_port_range"]; ok {
			byPort[literal(t, p.Expr, nil).AsString()] = append(byPort[literal(t, p.Expr, nil).AsString()], r)
		}
		if p, ok := a["destination_port_ranges"]; ok {
			for _, port := range stringList(t, literal(t, p.Expr, nil)) {
				byPort[port] = append(byPort[port], r)
			}
		}
	}
	require.Contains(t, byPort["443"], rule{"Allow", "Inbound", "Internet"})
	for _, port := range []string{"5432", "6380"} {
		require.Contains(t, byPort[port], rule{"Allow", "Inbound", "VirtualNetwork"}, "port %s", port)
		for _, r := range byPort[port] {
			if r.access == "Allow" && r.direction == "Inbound" {
				require.Equal(t, "VirtualNetwork", r.source, "port %s is open beyond the virtual network", port)
			}
		}
	}
	for _, subnet := range []string{"apps", "postgres", "endpoints"} {
		m.resource(t, "azurerm_subnet_network_security_group_association."+subnet)
	}

	redis := m.resource(t, "azurerm_redis_cache.main")
	require.False(t, literal(t, redis.Attributes["non_ssl_port_enabled"].Expr, nil).True())
	require.False(t, literal(t, redis.Attributes["public_network_access_enabled"].Expr, nil).True())
	m.resource(t, "azurerm_private_endpoint.redis")
}

// vars builds an evaluation context with var.* and local.* values.
func vars(v, l map[string]cty.Value) *hcl.EvalContext {
	ctx := &hcl.EvalContext{Variables: map[string]cty.Value{}}
	if v != nil {
		ctx.Variables["var"] = cty.ObjectVal(v)
	}
	if l != nil {
		ctx.Variables["local"] = cty.ObjectVal(l)
	}
	return ctx
}

// stringList converts a list, set or tuple of strings.
func stringList(t *testing.T, v cty.Value) []string {
	t.Helper()
	require.True(t, v.CanIterateElements(), "not a collection: %#v", v)
	out := []string{}
	for it := v.ElementIterator(); it.Next(); {
		_, e := it.Element()
		require.Equal(t, cty.String, e.Type())
		out = append(out, e.AsString())
	}
	return out
}
