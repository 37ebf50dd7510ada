package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/assayhq/assay/ent/mixin"
)

// Export is an owner's request for a full copy of an organization's data. The row is
// written first; a background run builds the zip into blob storage and mails a download
// link whose token only the recipient holds (the row keeps its SHA-256).
type Export struct{ ent.Schema }

// Mixin of Export.
func (Export) Mixin() []ent.Mixin { return []ent.Mixin{mixin.ID{}, mixin.Time{}} }

// Fields of Export.
func (Export) Fields() []ent.Field {
	return []ent.Field{
		field.String("org_id").NotEmpty().Immutable().MaxLen(36),
		field.String("requested_by").NotEmpty().Immutable().MaxLen(36).Comment("the owner's user id"),
		field.Enum("status").Values("pending", "building", "ready", "failed").Default("pending"),
		field.String("active_org").Optional().Nillable().Unique().MaxLen(36).
			Comment("org_id while pending or building, NULL after: one unfinished export per organization"),
		field.Int("attempts").Default(0),
		field.Time("lease_until").Optional().Nillable().Comment("a build in progress; past it, another run takes over"),
		field.String("error").Default("").MaxLen(1000),
		field.String("blob_key").Default("").MaxLen(255),
		field.Int64("size_bytes").Default(0),
		field.String("token_hash").Optional().Nillable().Unique().Sensitive().MaxLen(64).
			Comment("SHA-256 (hex) of the download link's token"),
		field.Time("expires_at").Optional().Nillable().Comment("the link stops working and the zip is deleted"),
		field.Time("completed_at").Optional().Nillable(),
		field.Time("downloaded_at").Optional().Nillable().Comment("the last download"),
	}
}

// Indexes of Export.
func (Export) Indexes() []ent.Index {
	return []ent.Index{index.Fields("org_id", "created_at"), index.Fields("status"), index.Fields("expires_at")}
}
