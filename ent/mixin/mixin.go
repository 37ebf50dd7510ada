// Package mixin holds the Ent mixins shared by the web and API schemas.
package mixin

import (
	"context"
	"fmt"
	"reflect"
	"time"

	"entgo.io/ent"
	"entgo.io/ent/dialect/sql"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"
	"entgo.io/ent/schema/mixin"

	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/tenant"
)

// ID gives an entity a UUIDv7 string primary key.
type ID struct{ mixin.Schema }

// Fields of ID.
func (ID) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").DefaultFunc(platform.NewID).Immutable().NotEmpty().MaxLen(36),
	}
}

// Time adds created_at and updated_at, in UTC.
type Time struct{ mixin.Schema }

func now() time.Time { return time.Now().UTC() }

// Fields of Time.
func (Time) Fields() []ent.Field {
	return []ent.Field{
		field.Time("created_at").Default(now).Immutable(),
		field.Time("updated_at").Default(now).UpdateDefault(now),
	}
}

// Tenant adds org_id and scopes every query and mutation by the tenant in the context.
// A context with neither a tenant nor the system scope touches nothing.
type Tenant struct{ mixin.Schema }

// Fields of Tenant.
func (Tenant) Fields() []ent.Field {
	return []ent.Field{field.String("org_id").NotEmpty().Immutable().MaxLen(36)}
}

// Indexes of Tenant.
func (Tenant) Indexes() []ent.Index {
	return []ent.Index{index.Fields("org_id")}
}

type wherePer interface {
	WhereP(...func(*sql.Selector))
}

// Interceptors of Tenant filter reads by org_id.
func (Tenant) Interceptors() []ent.Interceptor {
	return []ent.Interceptor{
		ent.TraverseFunc(func(ctx context.Context, q ent.Query) error {
			return scope(ctx, q)
		}),
	}
}

// Hooks of Tenant stamp creates with the tenant and filter updates and deletes.
func (Tenant) Hooks() []ent.Hook {
	return []ent.Hook{
		func(next ent.Mutator) ent.Mutator {
			return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
				if tenant.IsSystem(ctx) {
					return next.Mutate(ctx, m)
				}
				org, ok := tenant.OrgID(ctx)
				if !ok {
					return nil, tenant.ErrMissing
				}
				if m.Op().Is(ent.OpCreate) {
					if v, ok := m.Field("org_id"); ok && v != org {
						return nil, fmt.Errorf("tenant: create for org %v inside org %s", v, org)
					}
					if err := m.SetField("org_id", org); err != nil {
						return nil, err
					}
					return next.Mutate(ctx, m)
				}
				if err := scope(ctx, m); err != nil {
					return nil, err
				}
				return next.Mutate(ctx, m)
			})
		},
	}
}

func scope(ctx context.Context, q any) error {
	if tenant.IsSystem(ctx) {
		return nil
	}
	org, ok := tenant.OrgID(ctx)
	if !ok {
		return tenant.ErrMissing
	}
	p := sql.FieldEQ("org_id", org)
	if w, ok := q.(wherePer); ok { // mutations
		w.WhereP(p)
		return nil
	}
	return whereQuery(q, p)
}

// whereQuery adds p to a generated query builder. Builders take their own predicate type
// (a named func(*sql.Selector)), which differs per entity and per client, so the
// shared mixin converts p through reflection, as the generated intercept package does
// with generics.
func whereQuery(q any, p func(*sql.Selector)) error {
	m := reflect.ValueOf(q).MethodByName("Where")
	if !m.IsValid() || !m.Type().IsVariadic() || m.Type().NumIn() != 1 {
		return fmt.Errorf("tenant: %T cannot be scoped", q)
	}
	pt := m.Type().In(0).Elem()
	pv := reflect.ValueOf(p)
	if !pv.Type().ConvertibleTo(pt) {
		return fmt.Errorf("tenant: %T takes no storage predicate", q)
	}
	m.Call([]reflect.Value{pv.Convert(pt)})
	return nil
}
