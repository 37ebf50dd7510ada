package schema

import (
	"encoding/json"

	"entgo.io/ent"
	"entgo.io/ent/schema/field"
	"entgo.io/ent/schema/index"

	"github.com/assayhq/assay/ent/mixin"
)

// Dataset is an uploaded or fetched file and its layout (columns, rows, chunk byte ranges).
// A URL dataset is created "fetching" with no blob; the fetch stage stores its file and
// layout and makes it "ready", or marks it "failed" with a message and stores nothing.
type Dataset struct{ ent.Schema }

// Mixin of Dataset.
func (Dataset) Mixin() []ent.Mixin { return []ent.Mixin{mixin.ID{}, mixin.Time{}, mixin.Tenant{}} }

// Fields of Dataset.
func (Dataset) Fields() []ent.Field {
	return []ent.Field{
		field.String("name").NotEmpty().MaxLen(200),
		field.Enum("source").Values("upload", "api", "url").Default("api"),
		field.String("url").Optional().MaxLen(2048).Comment("where a url-source dataset came from"),
		field.Enum("status").Values("fetching", "ready", "failed").Default("ready"),
		field.String("error").Default("").MaxLen(2000).Comment("why fetching the URL failed"),
		field.String("format").Default("csv").Comment("the format of the source: csv or ndjson"),
		field.String("delimiter").Default("").Comment("the delimiter detected in a CSV source"),
		field.String("blob_key").Default("").Comment("the stored CSV file; empty until a URL is fetched"),
		field.Int64("size_bytes").Default(0),
		field.Int64("rows").Default(0),
		field.Strings("columns").Optional(),
		field.JSON("layout", json.RawMessage{}).Optional().Comment("report.Layout"),
		field.Time("deleted_at").Optional().Nillable(),
	}
}

// Indexes of Dataset.
func (Dataset) Indexes() []ent.Index { return []ent.Index{index.Fields("org_id", "created_at")} }
