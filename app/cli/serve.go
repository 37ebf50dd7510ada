package cli

import (
	"context"
	"log/slog"

	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/store"
	"github.com/assayhq/assay/app/wire"
)

func runDev(ctx context.Context, env Env, log *slog.Logger) error {
	b, err := wire.NewBase(env.Config, config.RoleDev, log)
	if err != nil {
		return err
	}
	defer b.Close()
	s, err := wire.NewStack(ctx, b)
	if err != nil {
		return err
	}
	defer s.Close()
	ms, err := b.StartMetrics()
	if err != nil {
		return err
	}
	defer ms.Close()
	log.Info("assay dev: open "+b.Config.WebURL, "api", b.Config.APIURL)
	return s.Run(ctx)
}

func runWeb(ctx context.Context, env Env, log *slog.Logger) error {
	b, err := wire.NewBase(env.Config, config.RoleWeb, log)
	if err != nil {
		return err
	}
	defer b.Close()
	w, err := wire.NewWeb(ctx, b)
	if err != nil {
		return err
	}
	defer w.Close()
	ms, err := b.StartMetrics()
	if err != nil {
		return err
	}
	defer ms.Close()
	return w.Run(ctx, b.Config.WebAddr)
}

func runAPI(ctx context.Context, env Env, log *slog.Logger) error {
	b, err := wire.NewBase(env.Config, config.RoleAPI, log)
	if err != nil {
		return err
	}
	defer b.Close()
	a, err := wire.NewAPI(ctx, b)
	if err != nil {
		return err
	}
	defer a.Close()
	ms, err := b.StartMetrics()
	if err != nil {
		return err
	}
	defer ms.Close()
	if n := b.Config.Workers; n > 0 {
		pdb, closePipeline, err := wire.PipelineDB(ctx, b, a.DB)
		if err != nil {
			return err
		}
		defer closePipeline()
		w := wire.NewWorker(b, pdb, n, true)
		defer w.Close()
		a.Jobs.AttachPool(w.Pool)
		w.Start()
		defer w.Stop()
	}
	return a.Run(ctx, b.Config.APIAddr)
}

func runWorker(ctx context.Context, env Env, log *slog.Logger) error {
	b, err := wire.NewBase(env.Config, config.RoleWorker, log)
	if err != nil {
		return err
	}
	defer b.Close()
	db, err := store.OpenAPI(ctx, b.Config) // migrates
	if err != nil {
		return err
	}
	pdb, closePipeline, err := wire.PipelineDB(ctx, b, db)
	if err != nil {
		_ = db.Close()
		return err
	}
	if pdb != db {
		// On Postgres the worker records everything through its pipeline pool: the
		// pool that migrated is no longer needed.
		_ = db.Close()
	} else {
		defer db.Close()
	}
	defer closePipeline()
	n := max(b.Config.Workers, 1)
	w := wire.NewWorker(b, pdb, n, true)
	defer w.Close()
	ms, err := b.StartMetrics()
	if err != nil {
		return err
	}
	defer ms.Close()
	w.Start()
	log.Info("worker: started", "concurrency", n)
	<-ctx.Done()
	w.Stop()
	return nil
}
