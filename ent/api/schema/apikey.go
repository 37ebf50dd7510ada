package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/assayhq/assay/ent/mixin"
)

// APIKey is a REST credential of one organization. Only a hash of the secret is stored.
type APIKey struct{ ent.Schema }

// Mixin of APIKey.
func (APIKey) Mixin() []ent.Mixin { return []ent.Mixin{mixin.ID{}, mixin.Time{}, mixin.Tenant{}} }

// Fields of APIKey.
func (APIKey) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(100),
		field.String("prefix").NotEmpty().Unique().Immutable().Comment("public lookup part of the key"),
		field.String("secret_hash").Sensitive().NotEmpty().Immutable().Comment("SHA-256 of the whole key, hex"),
		field.Strings("scopes").Optional(),
		field.Time("last_used_at").Optional().Nillable(),
		field.Time("expires_at").Optional().Nillable(),
		field.Time("revoked_at").Optional().Nillable(),
	}
}

// Indexes of APIKey.
func (APIKey) Indexes() []ent.Index { return []ent.Index{index.Fields("org_id", "created_at")} }
