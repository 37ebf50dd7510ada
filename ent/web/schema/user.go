// Package schema holds the Ent schemas of the web database.
package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"

	"github.com/assayhq/assay/ent/mixin"
)

// User is a person who signs in to the web app.
type User struct{ ent.Schema }

// Mixin of User.
func (User) Mixin() []ent.Mixin { return []ent.Mixin{mixin.ID{}, mixin.Time{}} }

// Fields of User.
func (User) Fields() []ent.Field {
	return []ent.Field{
		field.String("email").NotEmpty().Unique().MaxLen(254).Comment("lower case"),
		field.String("password_hash").Sensitive().Default(""),
		field.Time("email_verified_at").Optional().Nillable(),
		field.Time("disabled_at").Optional().Nillable(),
	}
}
