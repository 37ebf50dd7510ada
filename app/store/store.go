// Package store opens the web and API databases, applies their Atlas migrations from the
// embedded schema/ directory, and hands out Ent clients.
package store

import (
	"context"
	"errors"
	"fmt"

	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/platform"
	entapi "github.com/assayhq/assay/ent/api"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/schema"

	// The generated runtime packages install the schemas' defaults, validators, hooks and
	// interceptors (tenant scoping among them); the clients are unusable without them.
	_ "github.com/assayhq/assay/ent/api/runtime"
	_ "github.com/assayhq/assay/ent/web/runtime"
)

// OpenAPI opens cfg.APIDatabaseURL, migrates it unless cfg.Production() (there
// `assay migrate up` is a separate step) and returns its Ent client; closing the client
// closes the connection pool.
func OpenAPI(ctx context.Context, cfg config.Config) (*entapi.Client, error) {
	db, err := open(ctx, cfg.APIDatabaseURL, schema.API, !cfg.Production())
	if err != nil {
		return nil, err
	}
	return entapi.NewClient(entapi.Driver(db.Driver())), nil
}

// OpenPipelineAPI opens, on Postgres, the API database again for the workers' pipeline
// bookkeeping, with synchronous_commit off (see platform.WithoutCommitWait): a step's
// success, claim or progress then commits without a WAL flush. If a database crash
// loses such a commit, the step is recorded as it was before it, and its lease expires
// and it runs again, as after a worker's crash. The transactions that end a task (the
// report, usage, the web app's and endpoints' messages) set synchronous_commit back on
// (jobs), so they are durable when they return. It does not migrate: OpenAPI has. On
// SQLite, whose commits already skip the flush (synchronous=NORMAL in WAL mode), it
// returns nil: the workers use the API client.
func OpenPipelineAPI(ctx context.Context, cfg config.Config) (*entapi.Client, error) {
	if !platform.IsPostgres(cfg.APIDatabaseURL) {
		return nil, nil
	}
	u, err := platform.WithoutCommitWait(cfg.APIDatabaseURL)
	if err != nil {
		return nil, err
	}
	db, err := open(ctx, u, schema.API, false)
	if err != nil {
		return nil, err
	}
	return entapi.NewClient(entapi.Driver(db.Driver())), nil
}

// OpenWeb is OpenAPI for the web database (cfg.WebDatabaseURL).
func OpenWeb(ctx context.Context, cfg config.Config) (*entweb.Client, error) {
	db, err := open(ctx, cfg.WebDatabaseURL, schema.Web, !cfg.Production())
	if err != nil {
		return nil, err
	}
	return entweb.NewClient(entweb.Driver(db.Driver())), nil
}

func open(ctx context.Context, url, set string, migrate bool) (*platform.DB, error) {
	if url == "" {
		return nil, fmt.Errorf("store: open %s: no database URL", set)
	}
	db, err := platform.OpenDB(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", set, err)
	}
	if migrate {
		if err := Migrate(ctx, db, set); err != nil {
			return nil, errors.Join(err, db.Close())
		}
	}
	return db, nil
}
