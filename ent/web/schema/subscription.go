package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/assayhq/assay/ent/mixin"
)

// Subscription is an organization's Stripe subscription as last read from Stripe: one row
// per organization, replaced when a newer subscription starts. The organization's plan
// field holds the plan this state grants (see billing.Effective), written in the same
// transaction.
type Subscription struct{ ent.Schema }

// Mixin of Subscription.
func (Subscription) Mixin() []ent.Mixin {
	return []ent.Mixin{mixin.ID{}, mixin.Time{}, mixin.Tenant{}}
}

// Fields of Subscription.
func (Subscription) Fields() []ent.Field {
	return []ent.Field{
		field.String("stripe_customer_id").NotEmpty().MaxLen(255),
		field.String("stripe_subscription_id").NotEmpty().MaxLen(255),
		field.String("price_id").Default("").MaxLen(255),
		field.String("plan").Default("free").MaxLen(32).Comment("the plan of the price, whatever the status"),
		field.String("interval").Default("").MaxLen(16).Comment("month or year"),
		field.Enum("status").Values("trialing", "active", "past_due", "canceled", "unpaid",
			"incomplete", "incomplete_expired", "paused"),
		field.Time("current_period_end").Optional().Nillable(),
		field.Bool("cancel_at_period_end").Default(false),
		field.Time("cancel_at").Optional().Nillable(),
		field.Time("trial_end").Optional().Nillable(),
		field.Time("past_due_since").Optional().Nillable(),
		field.String("next_plan").Default("").MaxLen(32).
			Comment("the plan a subscription schedule or a cancellation changes to at next_change_at"),
		field.Time("next_change_at").Optional().Nillable(),
		field.Int64("updated_from_event_created").Default(0).
			Comment("created (Unix seconds) of the newest Stripe event applied; older ones change nothing"),
	}
}

// Indexes of Subscription.
func (Subscription) Indexes() []ent.Index {
	return []ent.Index{
		index.Fields("org_id").Unique().StorageKey("subscriptions_org_id_key"),
		index.Fields("stripe_subscription_id"),
		index.Fields("stripe_customer_id"),
	}
}
