package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/assayhq/assay/ent/mixin"
)

// Identity is a user's account at an OpenID Connect provider, keyed by the provider's
// issuer and the subject it gives the user there. Email and its verification are what
// the provider said at the last sign-in; they never decide who the user is.
type Identity struct{ ent.Schema }

// Mixin of Identity.
func (Identity) Mixin() []ent.Mixin { return []ent.Mixin{mixin.ID{}, mixin.Time{}} }

// Fields of Identity.
func (Identity) Fields() []ent.Field {
	return []ent.Field{
		field.String("issuer").NotEmpty().Immutable().MaxLen(255),
		field.String("subject").NotEmpty().Immutable().MaxLen(255),
		field.String("user_id").NotEmpty().Immutable(),
		field.String("email").Default("").MaxLen(254).Comment("as the provider sent it, lower case"),
		field.Bool("email_verified").Default(false),
		field.Time("last_used_at"),
	}
}

// Edges of Identity.
func (Identity) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("identities").Field("user_id").Unique().Required().Immutable(),
	}
}

// Indexes of Identity.
func (Identity) Indexes() []ent.Index {
	return []ent.Index{index.Fields("issuer", "subject").Unique(), index.Fields("user_id")}
}
