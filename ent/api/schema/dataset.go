package schema

import (
	"encoding/json"

	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/assayhq/assay/ent/mixin"
)

// Dataset is an uploaded file and its layout (columns, rows, chunk byte ranges).
type Dataset struct{ ent.Schema }

// Mixin of Dataset.
func (Dataset) Mixin() []ent.Mixin { return []ent.Mixin{mixin.ID{}, mixin.Time{}, mixin.Tenant{}} }

// Fields of Dataset.
func (Dataset) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200),
		field.Enum("source").Values("upload", "api", "url").Default("api"),
		field.String("url").Optional().MaxLen(2048).Comment("where a url-source dataset came from"),
		field.String("format").Default("csv"),
		field.String("blob_key").NotEmpty(),
		field.Int64("size_bytes").Default(0),
		field.Int64("rows").Default(0),
		field.Strings("columns").Optional(),
		field.JSON("layout", json.RawMessage{}).Optional().Comment("report.Layout"),
		field.Time("deleted_at").Optional().Nillable(),
	}
}

// Indexes of Dataset.
func (Dataset) Indexes() []ent.Index { return []ent.Index{index.Fields("org_id", "created_at")} }
