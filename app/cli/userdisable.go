package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/assayhq/assay/app/account"
)

// runUserDisable disables the user with --email and ends all of their sessions, and
// prints {"user_id": "…", "sessions_ended": N} on one line.
func runUserDisable(ctx context.Context, env Env, args []string) error {
	var email string
	if err := flags("user disable", args, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "email address")
	}); err != nil {
		return err
	}
	email = account.NormalizeEmail(email)
	if email == "" {
		return fmt.Errorf("%w: user disable needs --email", ErrUsage)
	}
	db, err := openUsersDB(ctx, env.Config)
	if err != nil {
		return err
	}
	defer db.Close()
	u, n, err := account.DisableUser(ctx, db, email, time.Now())
	if errors.Is(err, account.ErrNoUser) {
		return fmt.Errorf("user disable: no user with email %q", email)
	}
	if err != nil {
		return fmt.Errorf("user disable: %w", err)
	}
	return json.NewEncoder(env.Stdout).Encode(struct {
		UserID        string `json:"user_id"`
		SessionsEnded int    `json:"sessions_ended"`
	}{u.ID, n})
}
