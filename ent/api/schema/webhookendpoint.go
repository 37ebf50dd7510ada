package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/assayhq/assay/ent/mixin"
)

// WebhookEndpoint is a URL of an organization that receives signed webhooks for the
// event types it subscribes to. Its signing secret is stored sealed (AES-GCM) because
// it must be recovered to sign; during a rotation the previous secret signs too until
// it expires.
type WebhookEndpoint struct{ ent.Schema }

// Mixin of WebhookEndpoint.
func (WebhookEndpoint) Mixin() []ent.Mixin {
	return []ent.Mixin{mixin.ID{}, mixin.Time{}, mixin.Tenant{}}
}

// Fields of WebhookEndpoint.
func (WebhookEndpoint) Fields() []ent.Field {
	return []ent.Field{
		field.String("url").NotEmpty().MaxLen(2048),
		field.String("description").Default("").MaxLen(500),
		field.Strings("event_types"),
		field.Bool("enabled").Default(true),
		field.Time("disabled_at").Optional().Nillable(),
		field.String("disabled_reason").Default(""),
		field.String("secret_sealed").Sensitive().NotEmpty(),
		field.String("previous_secret_sealed").Sensitive().Default(""),
		field.Time("previous_secret_expires_at").Optional().Nillable(),
		field.Time("failing_since").Optional().Nillable().Comment("first failed attempt since the last success or re-enable"),
		field.Time("last_success_at").Optional().Nillable(),
		field.Time("deleted_at").Optional().Nillable(),
	}
}

// Indexes of WebhookEndpoint.
func (WebhookEndpoint) Indexes() []ent.Index {
	return []ent.Index{index.Fields("org_id", "created_at")}
}
