package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/report"
	"github.com/assayhq/assay/app/telemetry"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/task"
)

// Client starts and cancels pipeline runs. It needs no worker pool in its process.
type Client struct {
	db    *entapi.Client
	disp  *dispatcher
	log   *slog.Logger
	limit OrgLimit
}

// NewClient builds a client that enqueues into namespace on rds.
func NewClient(db *entapi.Client, rds *platform.Redis, namespace string, log *slog.Logger) *Client {
	if log == nil {
		log = slog.Default()
	}
	log = log.With("component", "jobs")
	return &Client{db: db, disp: newDispatcher(db, rds, namespace, log), log: log,
		limit: FixedOrgLimit(DefaultMaxRunningPerOrg)}
}

// LimitOrgs sets how many tasks of an organization run at once (the pools' Deps.MaxRunning
// must agree); nil keeps the default.
func (c *Client) LimitOrgs(l OrgLimit) {
	if l != nil {
		c.limit = l
	}
}

// TaskOptions tune one run. Zero values select the defaults.
type TaskOptions struct {
	// Deadline bounds the run from its admission (default DefaultDeadline); the caller
	// keeps it within MinDeadline and MaxDeadline.
	Deadline time.Duration
	// InTx, when set, runs in the transaction that writes the task, after it and its
	// admission (to charge the plan's quota, append the audit entry): an error (the
	// quota exhausted, say) rolls the task back. Locks it takes come after the
	// organization's admission lock: the usage counter's row, then the audit chain's
	// head, which every audited write waits for, last.
	InTx func(ctx context.Context, tx *entapi.Tx, t *entapi.Task) error
}

// AttachPool lets the client wake a pool of the same process directly, sparing the
// Redis round trip (other processes' pools still hear the Redis signal).
func (c *Client) AttachPool(p *Pool) { c.disp.addLocal(p.wake) }

// CreateTask starts a run over ds with rules. ctx must carry the dataset's tenant (or the
// system scope). The task is written and, while its organization runs fewer tasks than
// its limit, admitted (its fetch step created) in one transaction; the fetch job is
// enqueued and the pools woken after commit. Otherwise the task stays pending until one
// of the organization's runs ends.
func (c *Client) CreateTask(ctx context.Context, ds *entapi.Dataset, rules []report.Rule) (*entapi.Task, error) {
	return c.CreateTaskWith(ctx, ds, TaskRules{Set: report.RuleSet{Rules: rules}})
}

// TaskRules is what a run checks: its rules and row-count bounds, and the version of the
// dataset's saved rule set they are a snapshot of (nil when given with the task).
type TaskRules struct {
	Set     report.RuleSet
	Version *int
}

// CreateTaskWith starts a run like CreateTask, recording the whole rule snapshot.
func (c *Client) CreateTaskWith(ctx context.Context, ds *entapi.Dataset, tr TaskRules) (*entapi.Task, error) {
	return c.StartTask(ctx, ds, tr, TaskOptions{})
}

// StartTask starts a run like CreateTaskWith, with opts.
func (c *Client) StartTask(ctx context.Context, ds *entapi.Dataset, tr TaskRules, opts TaskOptions) (*entapi.Task, error) {
	rules := tr.Set.Rules
	if ds == nil {
		return nil, errors.New("jobs: create task: no dataset")
	}
	if len(ds.Columns) > 0 {
		if err := report.CheckRules(rules, ds.Columns); err != nil {
			return nil, err
		}
	}
	if rules == nil {
		rules = []report.Rule{}
	}
	rj, err := json.Marshal(rules)
	if err != nil {
		return nil, fmt.Errorf("jobs: create task: rules: %w", err)
	}
	if opts.Deadline <= 0 {
		opts.Deadline = DefaultDeadline
	}
	var t *entapi.Task
	var fetch []*entapi.Step
	err = withTx(ctx, c.db, func(tx *entapi.Tx) error {
		t, err = tx.Task.Create().
			SetOrgID(ds.OrgID).
			SetDatasetID(ds.ID).
			SetStatus(task.StatusPending).
			SetStage(kindFetch).
			SetRules(rj).
			SetNillableRuleSetVersion(tr.Version).
			SetNillableMinRows(tr.Set.RowCount.Min).
			SetNillableMaxRows(tr.Set.RowCount.Max).
			SetDeadline(now().Add(opts.Deadline)).
			SetTraceparent(telemetry.Traceparent(ctx)).
			Save(ctx)
		if err != nil {
			return fmt.Errorf("jobs: create task: %w", err)
		}
		if fetch, err = admit(ctx, tx, c.limit, ds.OrgID); err != nil || opts.InTx == nil {
			return err
		}
		return opts.InTx(ctx, tx, t)
	})
	if err != nil {
		return nil, err
	}
	c.disp.dispatchTraced(ctx, t.ID, fetch...)
	return t, nil
}

// Cancel stops a pending or processing task of ctx's tenant: in one transaction the task
// is cancelled, its unfinished steps too, and the web app's message and a notify step
// are written, and the organization's next waiting task is admitted. Running stages
// notice at their next lease renewal; no further step of the task is dispatched.
// Cancelling a task that has already ended does nothing; an unknown task is a not-found
// error (entapi.IsNotFound).
func (c *Client) Cancel(ctx context.Context, taskID string) error {
	return c.CancelWith(ctx, taskID, nil)
}

// CancelWith is Cancel running inTx, when set, in the cancelling transaction if the task
// was cancelled then (not when it had already ended): an error rolls the cancel back.
func (c *Client) CancelWith(ctx context.Context, taskID string, inTx func(ctx context.Context, tx *entapi.Tx) error) error {
	t, err := c.db.Task.Get(ctx, taskID)
	if err != nil {
		return fmt.Errorf("jobs: cancel %s: %w", taskID, err)
	}
	if terminal(t.Status) {
		return nil
	}
	var next []*entapi.Step
	err = withTx(ctx, c.db, func(tx *entapi.Tx) (err error) {
		next, err = endTask(ctx, tx, c.limit, t.ID, task.StatusCancelled, "", "")
		if err != nil || len(next) == 0 || inTx == nil {
			return err
		}
		return inTx(ctx, tx)
	})
	if err != nil {
		return fmt.Errorf("jobs: cancel %s: %w", taskID, err)
	}
	c.disp.dispatch(next...)
	return nil
}
