package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/assayhq/assay/ent/mixin"
)

// Invitation lets people join an organization with a role. An email invitation is sent
// to one address and works once (max_uses 1); a link invitation has no address and works
// up to max_uses times. Only the SHA-256 of the random token is stored. Either kind stops
// working at expires_at or once revoked_at is set.
type Invitation struct{ ent.Schema }

// Mixin of Invitation.
func (Invitation) Mixin() []ent.Mixin {
	return []ent.Mixin{mixin.ID{}, mixin.Time{}, mixin.Tenant{}}
}

// Fields of Invitation.
func (Invitation) Fields() []ent.Field {
	return []ent.Field{
		field.String("email").Default("").MaxLen(254).Immutable().
			Comment("lower case; empty for a link invitation"),
		field.Enum("role").Values("owner", "admin", "member").Immutable(),
		field.String("token_hash").NotEmpty().Unique().Immutable().MaxLen(64).Sensitive().
			Comment("hex SHA-256 of the token"),
		field.String("invited_by").NotEmpty().Immutable().MaxLen(36).Comment("user id"),
		field.Int("max_uses").Default(1).Positive().Immutable(),
		field.Int("uses").Default(0).NonNegative(),
		field.Time("expires_at").Immutable(),
		field.Time("accepted_at").Optional().Nillable().Comment("the last acceptance"),
		field.Time("revoked_at").Optional().Nillable(),
	}
}

// Indexes of Invitation.
func (Invitation) Indexes() []ent.Index {
	return []ent.Index{index.Fields("org_id", "created_at"), index.Fields("expires_at")}
}
