// Command migrate-diff writes a new Atlas migration file for every set and dialect whose
// Ent schema differs from its directory under schema/ (make migrate-diff name=…).
//
//	go run ./app/cmd/migrate-diff -name NAME [-set web|api|all] [-dialect sqlite|postgres|all] [-pg URL]
//
// SQLite changes are computed on an in-memory database; Postgres changes on a scratch
// database created on the -pg server and dropped afterwards.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"time"

	"ariga.io/atlas/sql/migrate"

	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/store"
	"github.com/assayhq/assay/app/store/storetest"
	"github.com/assayhq/assay/schema"
)

const defaultPG = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

var validName = regexp.MustCompile(`^[a-z0-9_]+$`)

func main() {
	if err := run(context.Background(), os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "migrate-diff:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	pgDefault := os.Getenv("DEV_POSTGRES_URL")
	if pgDefault == "" {
		pgDefault = defaultPG
	}
	fl := flag.NewFlagSet("migrate-diff", flag.ContinueOnError)
	name := fl.String("name", "", "name of the migration, e.g. add_usage (required; [a-z0-9_])")
	set := fl.String("set", "all", "web, api or all")
	dia := fl.String("dialect", "all", "sqlite, postgres or all")
	pg := fl.String("pg", pgDefault, "Postgres server for the scratch dev database (default $DEV_POSTGRES_URL)")
	root := fl.String("dir", "", "the schema/ directory (default: schema/ at the module root)")
	if err := fl.Parse(args); err != nil {
		return err
	}
	if !validName.MatchString(*name) {
		return errors.New("-name is required: lower-case letters, digits and _")
	}
	sets, err := pick(*set, schema.Sets)
	if err != nil {
		return fmt.Errorf("-set: %w", err)
	}
	dialects, err := pick(*dia, schema.Dialects)
	if err != nil {
		return fmt.Errorf("-dialect: %w", err)
	}
	if *root == "" {
		if *root, err = schemaRoot(); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	version := migrate.NewVersion()
	for _, s := range sets {
		for _, d := range dialects {
			if err := diffOne(ctx, *root, s, d, version, *name, *pg); err != nil {
				return err
			}
		}
	}
	return nil
}

func diffOne(ctx context.Context, root, set, dia, version, name, pg string) error {
	rel, err := schema.Path(set, dia)
	if err != nil {
		return err
	}
	path := filepath.Join(root, filepath.FromSlash(rel))
	if err := os.MkdirAll(path, 0o750); err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	dir, err := migrate.NewLocalDir(path)
	if err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	before, err := dir.Files()
	if err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	dev, cleanup, err := devDB(ctx, dia, pg)
	if err != nil {
		return fmt.Errorf("%s: dev database: %w", rel, err)
	}
	wrote, err := store.Diff(ctx, dev, dir, set, version, name)
	cleanup()
	if err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	if !wrote {
		fmt.Printf("schema/%s: in sync\n", rel)
		return nil
	}
	after, err := dir.Files()
	if err != nil {
		return fmt.Errorf("%s: %w", rel, err)
	}
	for _, f := range after {
		if !slices.ContainsFunc(before, func(b migrate.File) bool { return b.Name() == f.Name() }) {
			fmt.Printf("schema/%s: wrote %s\n", rel, f.Name())
		}
	}
	return nil
}

// devDB opens an empty database to replay and diff on, and a function that disposes of it.
func devDB(ctx context.Context, dia, pg string) (*platform.DB, func(), error) {
	if dia == schema.SQLite {
		db, err := storetest.OpenMemory(ctx)
		if err != nil {
			return nil, nil, err
		}
		return db, func() { db.Close() }, nil
	}
	url, drop, err := storetest.CreatePostgres(ctx, pg, "migrate_diff")
	if err != nil {
		return nil, nil, err
	}
	db, err := platform.OpenDB(ctx, url)
	if err != nil {
		return nil, nil, errors.Join(err, drop(ctx))
	}
	return db, func() {
		db.Close()
		if err := drop(context.WithoutCancel(ctx)); err != nil {
			fmt.Fprintln(os.Stderr, "migrate-diff:", err)
		}
	}, nil
}

func pick(v string, all []string) ([]string, error) {
	if v == "all" {
		return all, nil
	}
	if !slices.Contains(all, v) {
		return nil, fmt.Errorf("%q is not one of %v or all", v, all)
	}
	return []string{v}, nil
}

// schemaRoot finds schema/ beside the go.mod above the working directory.
func schemaRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "schema"), nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the working directory; pass -dir")
		}
		dir = parent
	}
}
