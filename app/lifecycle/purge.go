// Package lifecycle is the end of the data's life: deleting accounts and organizations
// after a grace period, and purging data past its retention. Deletions are hard: rows of
// both databases and blob files go, found generically from the Ent schema so a table
// added later is covered without touching this package.
package lifecycle

import (
	"context"
	"database/sql"
	"fmt"
	"slices"

	entschema "entgo.io/ent/dialect/sql/schema"
	"github.com/google/uuid"
)

// Columns that hold the owner of a row.
const (
	ColumnOrgID  = "org_id"
	ColumnUserID = "user_id"
)

// Summary counts what a deletion removed: rows by table and the blob prefixes (directories of files) removed.
type Summary struct {
	Rows         map[string]int64 `json:"rows"`
	BlobPrefixes int              `json:"blob_prefixes"`
}

func (s *Summary) add(table string, n int64) {
	if n == 0 {
		return
	}
	if s.Rows == nil {
		s.Rows = map[string]int64{}
	}
	s.Rows[table] += n
}

// Merge adds o's counts to s.
func (s *Summary) Merge(o Summary) {
	for t, n := range o.Rows {
		s.add(t, n)
	}
	s.BlobPrefixes += o.BlobPrefixes
}

// execer is an Ent client or transaction of either database (feature sql/execquery).
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// TablesWith returns the names of the tables that have column, except those in skip.
func TablesWith(tables []*entschema.Table, column string, skip ...string) []string {
	var out []string
	for _, t := range tables {
		if slices.Contains(skip, t.Name) {
			continue
		}
		for _, c := range t.Columns {
			if c.Name == column {
				out = append(out, t.Name)
				break
			}
		}
	}
	return out
}

// checkID makes sure id is a UUID, as every organization and user id is: deleteWhere
// writes it into the statement as a literal.
func checkID(id string) (string, error) {
	u, err := uuid.Parse(id)
	if err != nil {
		return "", fmt.Errorf("lifecycle: %q is not an id: %w", id, err)
	}
	return u.String(), nil
}

// deleteWhere deletes the rows of every table in tables whose column equals id and
// adds the counts to sum. The id is written as a literal (checked to be a UUID, so
// it needs no escaping) to keep one statement for both dialects, whose placeholders
// differ.
func deleteWhere(ctx context.Context, db execer, tables []string, column, id string, sum *Summary) error {
	id, err := checkID(id)
	if err != nil {
		return err
	}
	for _, t := range tables {
		q := fmt.Sprintf(`DELETE FROM %q WHERE %q = '%s'`, t, column, id) // #nosec G201 -- table and column names come from the Ent schema; id is a parsed UUID
		res, err := db.ExecContext(ctx, q)
		if err != nil {
			return fmt.Errorf("lifecycle: delete from %s: %w", t, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return fmt.Errorf("lifecycle: delete from %s: %w", t, err)
		}
		sum.add(t, n)
	}
	return nil
}
