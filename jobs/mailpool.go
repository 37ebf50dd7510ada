package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/gocraft/work"

	"github.com/assayhq/assay/app/mail"
	"github.com/assayhq/assay/app/platform"
)

// MailPoolOptions tune a MailPool. Zero values select the defaults.
type MailPoolOptions struct {
	// Concurrency is the number of workers (default 2).
	Concurrency int
	// SweepEvery is how often due outbox rows are enqueued again (default 30 s): the
	// repair for a lost enqueue (Redis restarted, a crash after the commit).
	SweepEvery time.Duration
}

// sweepBatch bounds the rows one sweep enqueues.
const sweepBatch = 100

// MailPool is the web process's small gocraft pool that delivers the outbox. It
// implements mail.Queue.
type MailPool struct {
	wp      *work.WorkerPool
	enq     *work.Enqueuer
	drain   *drainer
	deliver *mail.Deliverer
	every   time.Duration
	log     *slog.Logger

	mu      sync.Mutex
	started bool
	stopped bool
	stop    chan struct{}
	wg      sync.WaitGroup
}

// NewMailPool builds a pool over the outbox of d.DB; Start runs it.
func NewMailPool(rds *platform.Redis, ns string, d *mail.Deliverer, log *slog.Logger, opts MailPoolOptions) *MailPool {
	if opts.Concurrency < 1 {
		opts.Concurrency = 2
	}
	if opts.SweepEvery <= 0 {
		opts.SweepEvery = 30 * time.Second
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &MailPool{
		enq: work.NewEnqueuer(ns, rds.Pool), deliver: d, every: opts.SweepEvery,
		log: log.With("component", "mail"),
	}
	p.wp = work.NewWorkerPool(struct{}{}, uint(opts.Concurrency), ns, rds.Pool)
	p.wp.JobWithOptions(MailSend, mailJobOptions, p.sendMail)
	p.drain = newDrainer(p.wp)
	return p
}

// Enqueue queues the delivery of outbox row id and wakes the pool.
func (p *MailPool) Enqueue(_ context.Context, id string) error {
	if _, err := p.enq.Enqueue(MailSend, mailArgs{MailID: id}.q()); err != nil {
		return fmt.Errorf("jobs: enqueue %s: %w", MailSend, err)
	}
	p.wake()
	return nil
}

func (p *MailPool) wake() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started {
		p.drain.wake()
	}
}

// Sweep enqueues every due outbox row and returns how many.
func (p *MailPool) Sweep(ctx context.Context) (int, error) {
	ids, err := p.deliver.Due(ctx, sweepBatch)
	if err != nil {
		return 0, err
	}
	for _, id := range ids {
		if _, err := p.enq.Enqueue(MailSend, mailArgs{MailID: id}.q()); err != nil {
			return 0, fmt.Errorf("jobs: sweep: %w", err)
		}
	}
	if len(ids) > 0 {
		p.wake()
	}
	return len(ids), nil
}

// Start starts the workers and the sweep.
func (p *MailPool) Start() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started || p.stopped {
		return
	}
	p.started = true
	p.stop = make(chan struct{})
	p.wp.Start()
	p.wg.Add(1)
	go p.sweepLoop(p.stop)
	p.drain.wake()
}

func (p *MailPool) sweepLoop(stop <-chan struct{}) {
	defer p.wg.Done()
	tick := time.NewTicker(p.every)
	defer tick.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), p.every)
		if _, err := p.Sweep(ctx); err != nil {
			p.log.Warn("mail: sweep", slog.Any("error", err))
		}
		cancel()
		select {
		case <-stop:
			return
		case <-tick.C:
		}
	}
}

// Stop stops the sweep and the workers, letting in-flight deliveries finish. A stopped
// pool is not restarted.
func (p *MailPool) Stop() {
	p.mu.Lock()
	if !p.started {
		p.mu.Unlock()
		return
	}
	p.started = false
	p.stopped = true
	close(p.stop)
	p.mu.Unlock()
	p.wg.Wait()
	p.drain.stop(stopGrace)
	p.wp.Stop()
}
