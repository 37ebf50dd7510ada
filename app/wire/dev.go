package wire

import (
	"context"

	"golang.org/x/sync/errgroup"
)

// Stack is web, API and workers in one process: what `assay dev` and the end-to-end
// tests run.
type Stack struct {
	Base   *Base
	Web    *Web
	API    *API
	Worker *Worker
	closers
}

// NewStack builds every role on one Base. The API verifies web tokens with the keys the
// web app publishes at JWKS_URL, exactly as a separately deployed API does.
func NewStack(ctx context.Context, b *Base) (*Stack, error) {
	s := &Stack{Base: b}
	w, err := NewWeb(ctx, b)
	if err != nil {
		return nil, err
	}
	s.add(w.Close)
	s.Web = w
	a, err := NewAPI(ctx, b)
	if err != nil {
		s.close()
		return nil, err
	}
	s.add(a.Close)
	s.API = a
	pdb, closePipeline, err := PipelineDB(ctx, b, a.DB)
	if err != nil {
		s.close()
		return nil, err
	}
	s.add(closePipeline)
	s.Worker = NewWorker(b, pdb, b.Config.Workers, true)
	s.add(s.Worker.Close)
	// Wake the in-process pool directly; other processes hear the Redis signal.
	a.Jobs.AttachPool(s.Worker.Pool)
	return s, nil
}

// Run serves both apps and runs the workers until ctx ends.
func (s *Stack) Run(ctx context.Context) error {
	s.Worker.Start()
	defer s.Worker.Stop()
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return s.Web.Run(ctx, s.Base.Config.WebAddr) })
	g.Go(func() error { return s.API.Run(ctx, s.Base.Config.APIAddr) })
	return g.Wait()
}

// Close releases everything in reverse order.
func (s *Stack) Close() error { return s.close() }
