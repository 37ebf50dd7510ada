package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/edge"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/assayhq/assay/ent/mixin"
)

// RecoveryCode is one of a user's ten one-time MFA recovery codes. Only the SHA-256 of
// the random code is stored; a code is used at most once (used_at is set by a
// conditional update). Regenerating the codes deletes the old ones.
type RecoveryCode struct{ ent.Schema }

// Mixin of RecoveryCode.
func (RecoveryCode) Mixin() []ent.Mixin { return []ent.Mixin{mixin.ID{}, mixin.Time{}} }

// Fields of RecoveryCode.
func (RecoveryCode) Fields() []ent.Field {
	return []ent.Field{
		field.String("user_id").NotEmpty().Immutable(),
		field.String("code_hash").NotEmpty().MaxLen(64).Immutable().Sensitive().
			Comment("hex SHA-256 of the code"),
		field.Time("used_at").Optional().Nillable(),
	}
}

// Edges of RecoveryCode.
func (RecoveryCode) Edges() []ent.Edge {
	return []ent.Edge{
		edge.From("user", User.Type).Ref("recovery_codes").Field("user_id").Unique().Required().Immutable(),
	}
}

// Indexes of RecoveryCode.
func (RecoveryCode) Indexes() []ent.Index {
	return []ent.Index{index.Fields("user_id", "code_hash").Unique()}
}
