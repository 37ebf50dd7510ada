package jobs

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// DefaultLifecycleEvery is how often the web process looks for deletions whose grace
// period is over.
const DefaultLifecycleEvery = time.Minute

// LifecycleSweep is the web process's periodic run of the data lifecycle: it carries
// out the account and organization deletions that are due (lifecycle.Deletions.RunDue).
// Every web instance runs one; a deletion finished by another instance is skipped.
type LifecycleSweep struct {
	run   func(context.Context) (int, error)
	every time.Duration
	log   *slog.Logger

	mu      sync.Mutex
	started bool
	stop    chan struct{}
	wg      sync.WaitGroup
}

// NewLifecycleSweep calls run every every (DefaultLifecycleEvery when zero).
func NewLifecycleSweep(run func(context.Context) (int, error), every time.Duration, log *slog.Logger) *LifecycleSweep {
	if every <= 0 {
		every = DefaultLifecycleEvery
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &LifecycleSweep{run: run, every: every, log: log.With("component", "lifecycle")}
}

// Start runs the sweep until Stop.
func (s *LifecycleSweep) Start() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return
	}
	s.started = true
	s.stop = make(chan struct{})
	s.wg.Add(1)
	go s.loop(s.stop)
}

func (s *LifecycleSweep) loop(stop <-chan struct{}) {
	defer s.wg.Done()
	tick := time.NewTicker(s.every)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*s.every)
		n, err := s.run(ctx)
		cancel()
		if err != nil {
			s.log.Warn("lifecycle: sweep", slog.Any("error", err))
		} else if n > 0 {
			s.log.Info("lifecycle: deletions done", slog.Int("count", n))
		}
	}
}

// Stop ends the sweep, waiting for a run in progress.
func (s *LifecycleSweep) Stop() {
	s.mu.Lock()
	if !s.started {
		s.mu.Unlock()
		return
	}
	s.started = false
	close(s.stop)
	s.mu.Unlock()
	s.wg.Wait()
}
