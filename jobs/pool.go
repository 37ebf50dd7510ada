package jobs

import (
	"sync"
	"time"

	"github.com/gocraft/work"

	"github.com/assayhq/assay/app/telemetry"
)

// Pool runs the pipeline on gocraft/work, with its wake listener and, optionally, the
// reconciler.
//
// It is made of Concurrency gocraft worker pools of one worker each rather than one pool
// of Concurrency workers: WorkerPool.Drain (the only way to wake sleeping workers) waits
// for every worker of its pool to see an empty queue, so in a shared pool one long stage
// holds the Drain and leaves the idle workers asleep for up to 5 s. With one worker per
// pool, a busy worker delays only its own Drain.
type Pool struct {
	wps    []*work.WorkerPool
	drains []*drainer
	runner *Runner
	listen *listener
	recon  *reconciler

	mu      sync.Mutex
	started bool
	stopped bool
	stop    chan struct{}
	wg      sync.WaitGroup
}

// stopGrace bounds how long Stop waits for a running Drain before stopping the workers.
const stopGrace = 2 * time.Second

// NewPool builds a pool; Start runs it.
func NewPool(deps Deps, opts PoolOptions) *Pool {
	deps = deps.withDefaults()
	opts = opts.withDefaults()
	log := telemetry.ContextLogger(deps.Log).With("component", "jobs")
	disp := newDispatcher(deps.DB, deps.Redis, deps.Namespace, log)
	r := &Runner{db: deps.DB, deps: deps, opts: opts, log: log, disp: disp, backoffs: defaultBackoffs, inlineReport: inlineReportBytes,
		tracer: telemetry.Tracer(deps.Tracer, "github.com/assayhq/assay/jobs"), shut: newShutdownState()}
	p := &Pool{runner: r}
	for range opts.Concurrency {
		wp := work.NewWorkerPool(struct{}{}, 1, deps.Namespace, deps.Redis.Pool)
		register(wp, r)
		p.wps = append(p.wps, wp)
		p.drains = append(p.drains, newDrainer(wp))
	}
	disp.addLocal(p.wake)
	p.listen = &listener{
		pool:    deps.Redis.Pool,
		channel: wakeChannel(deps.Namespace),
		onWake:  p.wake,
		onError: func(err error) { log.Warn("jobs: wake listener", "err", err) },
		ready:   make(chan struct{}),
	}
	if opts.Reconcile {
		p.recon = newReconciler(r)
	}
	return p
}

// drainCount is how many Drain calls the pool's workers have had.
func (p *Pool) drainCount() int64 {
	var n int64
	for _, d := range p.drains {
		n += d.drains.Load()
	}
	return n
}

// wake makes every idle worker fetch now.
func (p *Pool) wake() {
	for _, d := range p.drains {
		d.wake()
	}
}

// Start starts the workers, the wake listener and the reconciler.
func (p *Pool) Start() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.started || p.stopped {
		return
	}
	p.started = true
	p.stop = make(chan struct{})
	for _, wp := range p.wps {
		wp.Start()
	}
	p.goRun(p.listen.run)
	if p.recon != nil {
		p.goRun(p.recon.run)
	}
	p.wake() // pick up whatever was queued while no pool ran
}

func (p *Pool) goRun(fn func(stop <-chan struct{})) {
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		fn(p.stop)
	}()
}

// Stop stops listening and reconciling, then stops the workers, letting in-flight
// jobs finish. A stopped pool is not restarted.
func (p *Pool) Stop() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.started {
		return
	}
	p.started = false
	p.stopped = true
	close(p.stop)
	p.wg.Wait()
	deadline := time.Now().Add(stopGrace)
	for _, d := range p.drains {
		d.stop(time.Until(deadline))
	}
	var wg sync.WaitGroup
	for _, wp := range p.wps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wp.Stop()
		}()
	}
	wg.Wait()
}
