package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"

	"github.com/assayhq/assay/ent/mixin"
)

// Organization is the tenant: it owns datasets, tasks and API keys.
type Organization struct{ ent.Schema }

// Mixin of Organization.
func (Organization) Mixin() []ent.Mixin { return []ent.Mixin{mixin.ID{}, mixin.Time{}} }

// Fields of Organization.
func (Organization) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(100),
		field.String("plan").Default("free"),
		field.String("plan_pushed").Default("").MaxLen(200).
			Comment("the plan and limits version the API last acknowledged; differs from the plan's: a push is due"),
		field.Bool("require_mfa").Default(false).
			Comment("members must sign in with MFA to enter this organization"),
		field.String("stripe_customer_id").Optional().Nillable().Unique().MaxLen(255).
			Comment("the organization's Stripe customer, created at its first checkout"),
		field.Time("suspended_at").Optional().Nillable().
			Comment("set by staff: members see a suspended page instead of the app"),
		field.Time("delete_after").Optional().Nillable().
			Comment("an owner scheduled the deletion: from this time on a job hard-deletes the organization"),
		field.String("deletion_requested_by").Default("").MaxLen(36).Comment("user id of the owner who scheduled it"),
	}
}
