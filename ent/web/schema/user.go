// Package schema holds the Ent schemas of the web database.
package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/dialect/entsql"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"

	"github.com/assayhq/assay/ent/mixin"
)

// User is a person who signs in to the web app, with a password, an OpenID Connect
// identity, or both. A user without a password (empty hash) cannot log in with one; a
// user without an email (NULL) signed up through a provider whose email was not
// verified or already belonged to another account.
type User struct{ ent.Schema }

// Mixin of User.
func (User) Mixin() []ent.Mixin { return []ent.Mixin{mixin.ID{}, mixin.Time{}} }

// Fields of User.
func (User) Fields() []ent.Field {
	return []ent.Field{
		field.String("email").Optional().NotEmpty().Unique().MaxLen(254).Comment("lower case; NULL for some provider sign-ups"),
		field.String("password_hash").Sensitive().Default(""),
		field.Time("email_verified_at").Optional().Nillable(),
		field.Time("disabled_at").Optional().Nillable(),
		field.String("mfa_secret").Optional().Nillable().Sensitive().MaxLen(255).
			Comment("TOTP secret sealed with AES-GCM; set while enrolling and while enabled"),
		field.Time("mfa_enabled_at").Optional().Nillable(),
		field.Int64("mfa_last_step").Default(0).
			Comment("the TOTP time step of the last accepted code: an older or equal one is a replay"),
		field.Bool("staff").Default(false).
			Comment("platform staff: may use the backoffice at /admin (granted by assay admin grant)"),
		field.Time("delete_after").Optional().Nillable().
			Comment("the user scheduled the account's deletion: from this time on a job hard-deletes it"),
	}
}

// Edges of User.
func (User) Edges() []ent.Edge {
	return []ent.Edge{
		edge.To("identities", Identity.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("tokens", OneTimeToken.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
		edge.To("recovery_codes", RecoveryCode.Type).Annotations(entsql.OnDelete(entsql.Cascade)),
	}
}
