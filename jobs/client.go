package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/report"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/task"
)

// Client starts and cancels pipeline runs. It needs no worker pool in its process.
type Client struct {
	db   *entapi.Client
	disp *dispatcher
	log  *slog.Logger
}

// NewClient builds a client that enqueues into namespace on rds.
func NewClient(db *entapi.Client, rds *platform.Redis, namespace string, log *slog.Logger) *Client {
	if log == nil {
		log = slog.Default()
	}
	log = log.With("component", "jobs")
	return &Client{db: db, disp: newDispatcher(rds, namespace, log), log: log}
}

// AttachPool lets the client wake a pool of the same process directly, sparing the
// Redis round trip (other processes' pools still hear the Redis signal).
func (c *Client) AttachPool(p *Pool) { c.disp.addLocal(p.wake) }

// CreateTask starts a run over ds with rules. ctx must carry the dataset's tenant (or the
// system scope). The task and its root fetch step are written in one transaction; the
// fetch job is enqueued and the pools woken after commit.
func (c *Client) CreateTask(ctx context.Context, ds *entapi.Dataset, rules []report.Rule) (*entapi.Task, error) {
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
	var t *entapi.Task
	var fetch []*entapi.Step
	err = withTx(ctx, c.db, func(tx *entapi.Tx) error {
		t, err = tx.Task.Create().
			SetOrgID(ds.OrgID).
			SetDatasetID(ds.ID).
			SetStatus(task.StatusPending).
			SetStage(kindFetch).
			SetRules(rj).
			SetDeadline(now().Add(DefaultDeadline)).
			Save(ctx)
		if err != nil {
			return fmt.Errorf("jobs: create task: %w", err)
		}
		fetch, err = createSteps(ctx, tx, t, stepSpec{Kind: kindFetch})
		return err
	})
	if err != nil {
		return nil, err
	}
	c.disp.dispatch(fetch...)
	return t, nil
}

// Cancel stops a pending or processing task of ctx's tenant: in one transaction the task
// is cancelled, its unfinished steps too, and the web app's message and a notify step
// are written. Running stages notice at their next lease renewal. Cancelling a task that
// has already ended does nothing; an unknown task is a not-found error (entapi.IsNotFound).
func (c *Client) Cancel(ctx context.Context, taskID string) error {
	t, err := c.db.Task.Get(ctx, taskID)
	if err != nil {
		return fmt.Errorf("jobs: cancel %s: %w", taskID, err)
	}
	if terminal(t.Status) {
		return nil
	}
	var notify *entapi.Step
	err = withTx(ctx, c.db, func(tx *entapi.Tx) (err error) {
		notify, err = endTask(ctx, tx, t.ID, task.StatusCancelled, "", "")
		return err
	})
	if err != nil {
		return fmt.Errorf("jobs: cancel %s: %w", taskID, err)
	}
	c.disp.dispatch(notify)
	return nil
}
