package audit

import (
	"context"
	"fmt"
	"time"

	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/auditentry"
	"github.com/assayhq/assay/ent/web/predicate"
	"github.com/assayhq/assay/ent/web/schema"
)

// Anonymize wipes, inside tx, the personal fields (actor email, IP, user agent,
// details and the digest's salt) of every entry that where selects and returns how
// many it changed. The actor stays as its pseudonymous id, and every hash stays as it
// was: a Version2 entry still verifies in full, a Version1 entry by its links only
// (see checkContent).
func Anonymize(ctx context.Context, tx *entweb.Tx, at time.Time, where ...predicate.AuditEntry) (int, error) {
	n, err := tx.AuditEntry.Update().
		Where(append(where, auditentry.AnonymizedAtIsNil())...).
		SetActorEmail("").SetIP("").SetUserAgent("").SetDetails("{}").SetPersonalSalt("").
		SetAnonymizedAt(at.UTC()).
		Save(schema.AllowAnonymize(ctx))
	if err != nil {
		return 0, fmt.Errorf("audit: anonymize: %w", err)
	}
	return n, nil
}
