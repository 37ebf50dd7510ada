package export

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/assayhq/assay/app/tenant"
	entexport "github.com/assayhq/assay/ent/web/export"
)

// DefaultSweepEvery is how often the runner looks for exports to build (pending, or
// whose build's lease ended) and for expired ones to delete, besides being woken by
// each request.
const DefaultSweepEvery = time.Minute

// dueBatch bounds the exports one RunDue builds or deletes.
const dueBatch = 10

// runner is the background loop of an Exports.
type runner struct {
	mu      sync.Mutex
	started bool
	wake    chan struct{}
	stop    chan struct{}
	wg      sync.WaitGroup
}

// Start runs RunDue every every (DefaultSweepEvery when zero) and whenever Wake is
// called, until Stop. Every web instance runs one; builds are claimed in SQL, so two
// instances never build the same export at once.
func (x *Exports) Start(every time.Duration) {
	r := &x.runner
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		return
	}
	r.started = true
	r.stop = make(chan struct{})
	if r.wake == nil {
		r.wake = make(chan struct{}, 1)
	}
	r.wg.Add(1)
	go x.loop(orDefault(every, DefaultSweepEvery), r.stop, r.wake)
}

// Stop ends the loop, waiting for a run in progress (its context is cancelled).
func (x *Exports) Stop() {
	r := &x.runner
	r.mu.Lock()
	if !r.started {
		r.mu.Unlock()
		return
	}
	r.started = false
	close(r.stop)
	r.mu.Unlock()
	r.wg.Wait()
}

// Wake makes the loop run now; without a running loop the next Start's first tick does.
func (x *Exports) Wake() {
	r := &x.runner
	r.mu.Lock()
	if r.wake == nil {
		r.wake = make(chan struct{}, 1)
	}
	w := r.wake
	r.mu.Unlock()
	select {
	case w <- struct{}{}:
	default:
	}
}

func (x *Exports) loop(every time.Duration, stop, wake <-chan struct{}) {
	defer x.runner.wg.Done()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() { <-stop; cancel() }()
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case <-stop:
			return
		case <-tick.C:
		case <-wake:
		}
		n, err := x.RunDue(ctx)
		if err != nil && !errors.Is(err, context.Canceled) {
			x.log().Warn("export: sweep", slog.Any("error", err))
		} else if n > 0 {
			x.log().Info("export: sweep done", slog.Int("count", n))
		}
	}
}

// RunDue builds the exports that wait (pending, or building past their lease: the run
// that had them died) and deletes the expired ones, row and zip. It returns how many it
// handled; a failed build is retried later, up to maxAttempts.
func (x *Exports) RunDue(ctx context.Context) (int, error) {
	ctx = tenant.System(ctx)
	now := x.now()
	due, err := x.DB.Export.Query().Where(entexport.Or(
		entexport.And(entexport.StatusEQ(entexport.StatusPending),
			entexport.Or(entexport.LeaseUntilIsNil(), entexport.LeaseUntilLTE(now))),
		entexport.And(entexport.StatusEQ(entexport.StatusBuilding), entexport.LeaseUntilLTE(now)),
	)).Order(entexport.ByCreatedAt()).Limit(dueBatch).IDs(ctx)
	if err != nil {
		return 0, fmt.Errorf("export: due: %w", err)
	}
	done := 0
	for _, id := range due {
		if err := x.Build(ctx, id); err != nil {
			if ctx.Err() != nil {
				return done, ctx.Err()
			}
			x.log().WarnContext(ctx, "export: build", slog.String("export_id", id), slog.Any("error", err))
			continue
		}
		done++
	}
	n, err := x.DeleteExpired(ctx)
	return done + n, err
}

// DeleteExpired deletes exports whose link has expired, and failed ones as old as a
// link: the zip first, then the row, so a crash in between leaves the row to retry.
func (x *Exports) DeleteExpired(ctx context.Context) (int, error) {
	ctx = tenant.System(ctx)
	now := x.now()
	rows, err := x.DB.Export.Query().Where(entexport.Or(
		entexport.And(entexport.StatusEQ(entexport.StatusReady), entexport.ExpiresAtLTE(now)),
		entexport.And(entexport.StatusEQ(entexport.StatusFailed), entexport.UpdatedAtLTE(now.Add(-x.linkTTL()))),
	)).Limit(dueBatch * 10).All(ctx)
	if err != nil {
		return 0, fmt.Errorf("export: expired: %w", err)
	}
	n := 0
	for _, r := range rows {
		if r.BlobKey != "" && x.Blobs != nil {
			if err := x.Blobs.Delete(ctx, r.BlobKey); err != nil {
				return n, fmt.Errorf("export: delete zip: %w", err)
			}
		}
		if err := x.DB.Export.DeleteOneID(r.ID).Exec(ctx); err != nil {
			return n, fmt.Errorf("export: delete row: %w", err)
		}
		n++
	}
	return n, nil
}

// PurgeOrg deletes every export of orgID, zips first; the organization's deletion calls
// it, since the rows alone would go with the organization's other rows and leave the
// zips behind. A build still running for it fails when it finds the organization gone
// and deletes its own zip.
func (x *Exports) PurgeOrg(ctx context.Context, orgID string) error {
	ctx = tenant.System(ctx)
	rows, err := x.DB.Export.Query().Where(entexport.OrgID(orgID)).All(ctx)
	if err != nil {
		return fmt.Errorf("export: purge: %w", err)
	}
	for _, r := range rows {
		if r.BlobKey != "" && x.Blobs != nil {
			if err := x.Blobs.Delete(ctx, r.BlobKey); err != nil {
				return fmt.Errorf("export: purge: %w", err)
			}
		}
	}
	if _, err := x.DB.Export.Delete().Where(entexport.OrgID(orgID)).Exec(ctx); err != nil {
		return fmt.Errorf("export: purge: %w", err)
	}
	return nil
}
