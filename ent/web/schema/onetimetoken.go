package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/assayhq/assay/ent/mixin"
)

// OneTimeToken is a link sent by email: verify an address, reset a password, or confirm
// a new address. Only the SHA-256 of the random token is stored; a token is used at most
// once (used_at is set by a conditional update) and never after expires_at.
type OneTimeToken struct{ ent.Schema }

// Mixin of OneTimeToken.
func (OneTimeToken) Mixin() []ent.Mixin { return []ent.Mixin{mixin.ID{}, mixin.Time{}} }

// Fields of OneTimeToken.
func (OneTimeToken) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("purpose").Values("verify_email", "reset_password", "change_email").Immutable(),
		field.String("user_id").NotEmpty().Immutable(),
		field.String("token_hash").NotEmpty().Unique().Immutable().MaxLen(64).Sensitive().
			Comment("hex SHA-256 of the token"),
		field.String("email").Default("").MaxLen(254).Immutable().
			Comment("the address the token was sent to; the new address for change_email"),
		field.Time("expires_at").Immutable(),
		field.Time("used_at").Optional().Nillable(),
	}
}

// Edges of OneTimeToken.
func (OneTimeToken) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("tokens").Field("user_id").Unique().Required().Immutable(),
	}
}

// Indexes of OneTimeToken.
func (OneTimeToken) Indexes() []ent.Index {
	return []ent.Index{index.Fields("user_id", "purpose"), index.Fields("expires_at")}
}
