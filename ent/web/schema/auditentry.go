package schema

import (
	"context"

	"entgo.io/ent"

	"github.com/assayhq/assay/ent/mixin"
)

// AuditEntry is one line of the audit log: who did what, in which organization, from
// where. Its fields and append-only hook are mixin.AuditEntry, shared with the API
// database's log.
type AuditEntry struct{ ent.Schema }

// Mixin of AuditEntry.
func (AuditEntry) Mixin() []ent.Mixin { return []ent.Mixin{mixin.AuditEntry{}} }

// AuditHead is the single row (id 1) that records the audit log's last entry (see
// mixin.AuditHead).
type AuditHead struct{ ent.Schema }

// Mixin of AuditHead.
func (AuditHead) Mixin() []ent.Mixin { return []ent.Mixin{mixin.AuditHead{}} }

// AllowAnonymize returns ctx under which the audit entry hook lets an update wipe the
// personal fields of entries, and nothing else.
func AllowAnonymize(ctx context.Context) context.Context { return mixin.AllowAnonymize(ctx) }
