package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/assayhq/assay/ent/mixin"
)

// SupportGrant is an organization owner's consent to staff entering the organization as
// a member until expires_at, or until revoked.
type SupportGrant struct{ ent.Schema }

// Mixin of SupportGrant.
func (SupportGrant) Mixin() []ent.Mixin { return []ent.Mixin{mixin.ID{}, mixin.Time{}} }

// Fields of SupportGrant.
func (SupportGrant) Fields() []ent.Field {
	return []ent.Field{
		field.String("org_id").NotEmpty().Immutable().MaxLen(36),
		field.String("granted_by").NotEmpty().Immutable().MaxLen(36).Comment("the owner's user id"),
		field.Time("expires_at"),
		field.Time("revoked_at").Optional().Nillable(),
	}
}

// Indexes of SupportGrant.
func (SupportGrant) Indexes() []ent.Index {
	return []ent.Index{index.Fields("org_id", "expires_at")}
}
