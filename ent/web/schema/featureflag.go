package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/assayhq/assay/ent/mixin"
)

// FeatureFlag is a switch staff turn on or off for everyone (its global default) or for
// one organization (a FeatureFlagOverride).
type FeatureFlag struct{ ent.Schema }

// Mixin of FeatureFlag.
func (FeatureFlag) Mixin() []ent.Mixin { return []ent.Mixin{mixin.Time{}} }

// Fields of FeatureFlag. The id is the flag's key.
func (FeatureFlag) Fields() []ent.Field {
	return []ent.Field{
		field.String("id").NotEmpty().Immutable().MaxLen(64),
		field.String("description").Default("").MaxLen(500),
		field.Bool("enabled").Default(false).Comment("the global default"),
	}
}

// FeatureFlagOverride sets a flag for one organization, whatever its global default.
type FeatureFlagOverride struct{ ent.Schema }

// Mixin of FeatureFlagOverride.
func (FeatureFlagOverride) Mixin() []ent.Mixin { return []ent.Mixin{mixin.ID{}, mixin.Time{}} }

// Fields of FeatureFlagOverride.
func (FeatureFlagOverride) Fields() []ent.Field {
	return []ent.Field{
		field.String("flag_key").NotEmpty().Immutable().MaxLen(64),
		field.String("org_id").NotEmpty().Immutable().MaxLen(36),
		field.Bool("enabled"),
	}
}

// Indexes of FeatureFlagOverride.
func (FeatureFlagOverride) Indexes() []ent.Index {
	return []ent.Index{index.Fields("flag_key", "org_id").Unique()}
}
