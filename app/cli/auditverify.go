package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"strings"

	"github.com/assayhq/assay/app/audit"
)

// errAuditBroken is returned when an audit chain does not verify (exit code 1).
var errAuditBroken = errors.New("audit verify: chain broken")

// chainResult is the line `assay audit verify` prints for one database's chain.
type chainResult struct {
	DB      string `json:"db"`
	OK      bool   `json:"ok"`
	Entries int64  `json:"entries"`
	Head    int64  `json:"head"`
	Seq     int64  `json:"broken_seq,omitempty"`
	Reason  string `json:"reason,omitempty"`
}

// runAudit dispatches `assay audit verify`: it checks the web database's chain, then the
// API database's, prints one JSON line for each, and fails naming every broken one.
func runAudit(ctx context.Context, env Env, args []string) error {
	if _, rest, err := sub(args, "verify"); err != nil {
		return err
	} else if err := flags("audit verify", rest, func(*flag.FlagSet) {}); err != nil {
		return err
	}
	chains := []struct {
		db     string
		verify func(context.Context) (audit.Report, error)
	}{
		{"web", func(ctx context.Context) (audit.Report, error) {
			db, err := openUsersDB(ctx, env.Config)
			if err != nil {
				return audit.Report{}, err
			}
			defer db.Close()
			return audit.Verify(ctx, db)
		}},
		{"api", func(ctx context.Context) (audit.Report, error) {
			db, err := openAPIDB(ctx, env.Config)
			if err != nil {
				return audit.Report{}, err
			}
			defer db.Close()
			return audit.VerifyAPI(ctx, db)
		}},
	}
	var broken []string
	enc := json.NewEncoder(env.Stdout)
	for _, ch := range chains {
		rep, err := ch.verify(ctx)
		if err != nil {
			return fmt.Errorf("audit verify: %s database: %w", ch.db, err)
		}
		out := chainResult{DB: ch.db, OK: rep.Break == nil, Entries: rep.Entries, Head: rep.Head}
		if b := rep.Break; b != nil {
			out.Seq, out.Reason = b.Seq, b.Reason
			broken = append(broken, fmt.Sprintf("%s database at entry %d: %s", ch.db, b.Seq, b.Reason))
		}
		if err := enc.Encode(out); err != nil {
			return fmt.Errorf("audit verify: %w", err)
		}
	}
	if len(broken) > 0 {
		return fmt.Errorf("%w: %s", errAuditBroken, strings.Join(broken, "; "))
	}
	return nil
}
