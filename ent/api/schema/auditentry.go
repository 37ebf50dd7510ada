package schema

import (
	"entgo.io/ent"

	"github.com/assayhq/assay/ent/mixin"
)

// AuditEntry is one line of the API database's audit log: API keys, datasets, rule
// sets, tasks, webhook endpoints and tenants changed through the API. It is a chain of
// its own, hashed and verified like the web database's (see mixin.AuditEntry). It has
// no tenant mixin: verifying walks every tenant's entries in one sequence, so readers
// of one organization's trail filter by org_id themselves (audit.APIEntries).
type AuditEntry struct{ ent.Schema }

// Mixin of AuditEntry.
func (AuditEntry) Mixin() []ent.Mixin { return []ent.Mixin{mixin.AuditEntry{}} }

// AuditHead is the single row (id 1) that records the API audit log's last entry.
type AuditHead struct{ ent.Schema }

// Mixin of AuditHead.
func (AuditHead) Mixin() []ent.Mixin { return []ent.Mixin{mixin.AuditHead{}} }
