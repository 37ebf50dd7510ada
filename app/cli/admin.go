package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"

	"github.com/assayhq/assay/app/account"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/user"
)

// runAdmin runs `assay admin grant|revoke --email E`: it makes a user platform staff (the
// backoffice at /admin opens to them) or takes that away. Staff is separate from any
// organization role. It prints {"user_id": "…", "staff": true|false} on one line.
func runAdmin(ctx context.Context, env Env, args []string) error {
	cmd, rest, err := sub(args, "grant", "revoke")
	if err != nil {
		return err
	}
	var email string
	if err := flags("admin "+cmd, rest, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "email address")
	}); err != nil {
		return err
	}
	email = account.NormalizeEmail(email)
	if email == "" {
		return fmt.Errorf("%w: admin %s needs --email", ErrUsage, cmd)
	}
	db, err := openUsersDB(ctx, env.Config)
	if err != nil {
		return err
	}
	defer db.Close()
	staff := cmd == "grant"
	u, err := db.User.Query().Where(user.Email(email)).Only(ctx)
	if entweb.IsNotFound(err) {
		return fmt.Errorf("admin %s: no user with email %q", cmd, email)
	}
	if err != nil {
		return fmt.Errorf("admin %s: %w", cmd, err)
	}
	if err := db.User.UpdateOne(u).SetStaff(staff).Exec(ctx); err != nil {
		return fmt.Errorf("admin %s: %w", cmd, err)
	}
	return json.NewEncoder(env.Stdout).Encode(struct {
		UserID string `json:"user_id"`
		Staff  bool   `json:"staff"`
	}{u.ID, staff})
}
