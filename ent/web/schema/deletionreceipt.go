package schema

import (
	"entgo.io/ent"
	"entgo.io/ent/schema/field"

	"github.com/assayhq/assay/ent/mixin"
)

// DeletionReceipt records that an account or an organization was hard-deleted: when it
// was asked for, when it was done and what went. It holds no personal data: the subject
// is kept only as a hash, so a holder of the id can check a receipt, nobody can read it
// back.
type DeletionReceipt struct{ ent.Schema }

// Mixin of DeletionReceipt.
func (DeletionReceipt) Mixin() []ent.Mixin { return []ent.Mixin{mixin.ID{}} }

// Fields of DeletionReceipt.
func (DeletionReceipt) Fields() []ent.Field {
	return []ent.Field{
		field.Enum("kind").Values("account", "organization").Immutable(),
		field.String("subject_hash").NotEmpty().MaxLen(64).Immutable().
			Comment("hex SHA-256 of kind:id of what was deleted"),
		field.Time("requested_at").Immutable(),
		field.Time("completed_at").Immutable(),
		field.Text("summary").Default("{}").Immutable().Comment("JSON: rows and files deleted, by kind"),
	}
}
