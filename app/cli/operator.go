package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/assayhq/assay/app/account"
	"github.com/assayhq/assay/app/apikeys"
	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/store"
	entapi "github.com/assayhq/assay/ent/api"
	entweb "github.com/assayhq/assay/ent/web"
)

// operatorConfig is the configuration an operator command runs with: in production
// every variable role reads must be set; elsewhere the embedded defaults apply.
// openUsersDB opens the web database for the commands that manage users and their
// records, with the configuration they need (see operatorConfig).
func openUsersDB(ctx context.Context, c config.Config) (*entweb.Client, error) {
	cfg, err := operatorConfig(c, config.RoleUsers)
	if err != nil {
		return nil, err
	}
	return store.OpenWeb(ctx, cfg)
}

// openAPIDB opens the API database for the commands that read or check its records
// beside the web database's (both must be configured in production).
func openAPIDB(ctx context.Context, c config.Config) (*entapi.Client, error) {
	cfg, err := operatorConfig(c, config.RoleAPIKeys)
	if err != nil {
		return nil, err
	}
	return store.OpenAPI(ctx, cfg)
}

func operatorConfig(c config.Config, role config.Role) (config.Config, error) {
	if err := c.Require(role); err != nil {
		return c, err
	}
	if c.Production() {
		return c, nil
	}
	return c.WithDefaults(), nil
}

func flags(name string, args []string, define func(*flag.FlagSet)) error {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	define(fs)
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("%w: %s: %v", ErrUsage, name, err)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: %s: unexpected argument %q", ErrUsage, name, fs.Arg(0))
	}
	return nil
}

// runUser creates a verified user, an organization and the owner membership, and prints
// {"user_id": "…", "org_id": "…"} on one line; "user disable" is runUserDisable.
func runUser(ctx context.Context, env Env, _ *slog.Logger, args []string) error {
	cmd, rest, err := sub(args, "create", "disable")
	if err != nil {
		return err
	}
	if cmd == "disable" {
		return runUserDisable(ctx, env, rest)
	}
	var email, password, org string
	if err := flags("user create", rest, func(fs *flag.FlagSet) {
		fs.StringVar(&email, "email", "", "email address")
		fs.StringVar(&password, "password", "", "password")
		fs.StringVar(&org, "org", "", "organization name")
	}); err != nil {
		return err
	}
	email = account.NormalizeEmail(email)
	org = strings.TrimSpace(org)
	if email == "" || !strings.Contains(email, "@") || org == "" {
		return fmt.Errorf("%w: user create needs --email, --password and --org", ErrUsage)
	}
	if err := auth.ValidatePassword(password); err != nil {
		return err
	}
	db, err := openUsersDB(ctx, env.Config)
	if err != nil {
		return err
	}
	defer db.Close()
	u, o, err := account.CreateOwner(ctx, db, account.NewOwner{Email: email, Password: password, OrgName: org, Verified: true})
	if errors.Is(err, account.ErrEmailTaken) {
		return errors.New("user create: a user with that email already exists")
	}
	if err != nil {
		return fmt.Errorf("user create: %w", err)
	}
	return json.NewEncoder(env.Stdout).Encode(struct {
		UserID string `json:"user_id"`
		OrgID  string `json:"org_id"`
	}{u.ID, o.ID})
}

// runAPIKey issues an API key for an organization and prints the key alone on its last line.
func runAPIKey(ctx context.Context, env Env, _ *slog.Logger, args []string) error {
	_, rest, err := sub(args, "create")
	if err != nil {
		return err
	}
	var orgID, name, scopes string
	if err := flags("apikey create", rest, func(fs *flag.FlagSet) {
		fs.StringVar(&orgID, "org", "", "organization id")
		fs.StringVar(&name, "name", "", "key name")
		fs.StringVar(&scopes, "scopes", "read,write", "comma-separated scopes: read (GET), write (POST, DELETE)")
	}); err != nil {
		return err
	}
	if orgID == "" || strings.TrimSpace(name) == "" {
		return fmt.Errorf("%w: apikey create needs --org and --name", ErrUsage)
	}
	spec := apikeys.Spec{Name: name, Scopes: apikeys.ParseScopes(scopes)}
	if _, err := spec.Validate(time.Now()); err != nil {
		return fmt.Errorf("%w: apikey create: %w", ErrUsage, err)
	}
	cfg, err := operatorConfig(env.Config, config.RoleAPIKeys)
	if err != nil {
		return err
	}
	webDB, err := store.OpenWeb(ctx, cfg)
	if err != nil {
		return err
	}
	org, err := webDB.Organization.Get(ctx, orgID)
	webDB.Close()
	if entweb.IsNotFound(err) {
		return fmt.Errorf("apikey create: no organization %q", orgID)
	}
	if err != nil {
		return fmt.Errorf("apikey create: %w", err)
	}
	db, err := store.OpenAPI(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	key, k, err := apikeys.IssueSpec(ctx, db, apikeys.Org{ID: org.ID, Name: org.Name, Plan: org.Plan}, spec)
	if err != nil {
		return fmt.Errorf("apikey create: %w", err)
	}
	fmt.Fprintf(env.Stderr, "API key %q (%s) created for organization %s; it is shown once:\n",
		k.Name, strings.Join(k.Scopes, ","), org.ID)
	fmt.Fprintln(env.Stdout, key)
	return nil
}
