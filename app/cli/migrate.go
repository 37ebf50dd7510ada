package cli

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/store"
)

// runMigrate applies (up) or lists (status) the migrations of both databases.
func runMigrate(ctx context.Context, env Env, log *slog.Logger, args []string) error {
	cmd, _, err := sub(args, "up", "status")
	if err != nil {
		return err
	}
	cfg, err := operatorConfig(env.Config, config.RoleMigrate)
	if err != nil {
		return err
	}
	for _, target := range []struct{ set, url string }{{"web", cfg.WebDatabaseURL}, {"api", cfg.APIDatabaseURL}} {
		if target.url == "" {
			return fmt.Errorf("migrate: %s_DATABASE_URL is not set", strings.ToUpper(target.set))
		}
		db, err := platform.OpenDB(ctx, target.url)
		if err != nil {
			return err
		}
		err = migrateOne(ctx, env, log, db, target.set, cmd)
		db.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func migrateOne(ctx context.Context, env Env, log *slog.Logger, db *platform.DB, set, cmd string) error {
	if cmd == "up" {
		if err := store.Migrate(ctx, db, set); err != nil {
			return fmt.Errorf("migrate %s: %w", set, err)
		}
		log.Info("migrate: up to date", "database", set, "dialect", db.Dialect)
	}
	applied, pending, err := store.Status(ctx, db, set)
	if err != nil {
		return fmt.Errorf("migrate %s: %w", set, err)
	}
	for _, v := range applied {
		fmt.Fprintf(env.Stdout, "%s\tapplied\t%s\n", set, v)
	}
	for _, v := range pending {
		fmt.Fprintf(env.Stdout, "%s\tpending\t%s\n", set, v)
	}
	return nil
}
