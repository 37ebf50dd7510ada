package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"

	"github.com/assayhq/assay/app/audit"
)

// errAuditBroken is returned when the audit chain does not verify (exit code 1).
var errAuditBroken = errors.New("audit verify: chain broken")

// runAudit dispatches `assay audit verify`.
func runAudit(ctx context.Context, env Env, args []string) error {
	if _, rest, err := sub(args, "verify"); err != nil {
		return err
	} else if err := flags("audit verify", rest, func(*flag.FlagSet) {}); err != nil {
		return err
	}
	db, err := openUsersDB(ctx, env.Config)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := audit.Verify(ctx, db)
	if err != nil {
		return fmt.Errorf("audit verify: %w", err)
	}
	out := struct {
		OK      bool   `json:"ok"`
		Entries int64  `json:"entries"`
		Head    int64  `json:"head"`
		Seq     int64  `json:"broken_seq,omitempty"`
		Reason  string `json:"reason,omitempty"`
	}{OK: rep.Break == nil, Entries: rep.Entries, Head: rep.Head}
	if rep.Break != nil {
		out.Seq, out.Reason = rep.Break.Seq, rep.Break.Reason
	}
	if err := json.NewEncoder(env.Stdout).Encode(out); err != nil {
		return fmt.Errorf("audit verify: %w", err)
	}
	if rep.Break != nil {
		return fmt.Errorf("%w at entry %d: %s", errAuditBroken, rep.Break.Seq, rep.Break.Reason)
	}
	return nil
}
