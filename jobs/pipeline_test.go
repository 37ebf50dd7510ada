package jobs

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/events"
	"github.com/assayhq/assay/app/report"
	"github.com/assayhq/assay/app/webhook"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/outbox"
	entreport "github.com/assayhq/assay/ent/api/report"
	"github.com/assayhq/assay/ent/api/step"
	"github.com/assayhq/assay/ent/api/task"
)

func TestFullRun(t *testing.T) {
	cases := []struct {
		name       string
		rows       int
		chunkRows  int
		withRules  bool
		withLayout bool
	}{
		{"several chunks with rules", 60, 7, true, true},
		{"one chunk without rules", 12, 100, false, true},
		{"layout missing is scanned again", 40, 9, true, false},
	}
	eachBackend(t, func(t *testing.T, e *env) {
		evs := e.collectEvents(t)
		opts := testOptions()
		opts.ChunkRows = 9
		e.startPool(t, opts)
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				csv := testCSV(tc.rows)
				var rules []report.Rule
				if tc.withRules {
					rules = testRules(t)
				}
				ds := e.dataset(t, csv, tc.chunkRows, tc.withLayout)
				tk, err := e.client().CreateTask(sys(), ds, rules)
				require.NoError(t, err)
				require.Equal(t, task.StatusPending, tk.Status)

				done := e.waitTask(t, tk.ID, 30*time.Second, task.StatusCompleted, task.StatusFailed)
				require.Equal(t, task.StatusCompleted, done.Status, done.Error)
				require.Equal(t, 1.0, done.Progress)
				require.NotNil(t, done.StartedAt)
				require.NotNil(t, done.FinishedAt)

				want, err := report.Run(bytes.NewReader(csv), int64(len(csv)), rules, report.ScanOptions{ChunkRows: tc.chunkRows})
				require.NoError(t, err)
				require.NotNil(t, done.Score)
				require.Equal(t, want.Score, *done.Score)

				rows, err := e.db.Report.Query().Where(entreport.TaskID(tk.ID)).All(sys())
				require.NoError(t, err)
				require.Len(t, rows, 1)
				require.Equal(t, want.Score, rows[0].Score)
				require.Equal(t, int64(tc.rows), rows[0].Rows)
				var got report.Report
				require.NoError(t, json.Unmarshal(rows[0].Body, &got))
				require.Equal(t, tk.ID, got.TaskID)
				require.Equal(t, ds.ID, got.DatasetID)
				want.TaskID, want.DatasetID = tk.ID, ds.ID
				require.Equal(t, *want, got)

				stages, err := StagesOf(sys(), e.db, tk.ID)
				require.NoError(t, err)
				eventually(t, 10*time.Second, "notify succeeded", func() bool {
					stages, err = StagesOf(sys(), e.db, tk.ID)
					return err == nil && stages[len(stages)-1].Status == StageSucceeded
				})
				for _, s := range stages {
					require.Equal(t, StageSucceeded, s.Status, s.Name)
					require.Equal(t, s.Total, s.Done, s.Name)
				}
				chunks := (tc.rows + tc.chunkRows - 1) / tc.chunkRows
				if !tc.withLayout {
					chunks = (tc.rows + opts.ChunkRows - 1) / opts.ChunkRows
				}
				require.Equal(t, chunks, stages[2].Total)

				// The web app got one signed task.completed webhook, and the outbox knows it.
				var hook received
				eventually(t, 10*time.Second, "webhook", func() bool {
					got, bad := e.web.received()
					require.Empty(t, bad)
					for _, g := range got {
						if g.Body.Data.ID == tk.ID {
							hook = g
							return true
						}
					}
					return false
				})
				require.Equal(t, webhook.EventTaskCompleted, hook.Body.Type)
				require.Equal(t, webhook.TaskData{
					ID: tk.ID, OrgID: e.org, DatasetID: ds.ID, DatasetName: "people.csv",
					Status: "completed", Stage: kindSave, Score: done.Score, FinishedAt: hook.Body.Data.FinishedAt,
				}, hook.Body.Data)
				require.WithinDuration(t, *done.FinishedAt, *hook.Body.Data.FinishedAt, time.Millisecond)
				ob, err := e.db.Outbox.Query().Where(outbox.TaskID(tk.ID)).Only(sys())
				require.NoError(t, err)
				require.Equal(t, ob.ID, hook.ID)
				require.NotNil(t, ob.SentAt)

				// Live events: progress while it ran, then one completed event.
				eventually(t, 5*time.Second, "completed event", func() bool {
					return lastEvent(evs.all(), tk.ID).Type == events.TypeCompleted
				})
				var progress []float64
				for _, ev := range evs.all() {
					if ev.TaskID == tk.ID && ev.Type == events.TypeProgress {
						progress = append(progress, ev.Progress)
						require.Len(t, ev.Stages, len(stageOrder))
					}
				}
				require.NotEmpty(t, progress)
				final := lastEvent(evs.all(), tk.ID)
				require.Equal(t, "completed", final.Status)
				require.Equal(t, *done.Score, *final.Score)
				require.Equal(t, 1.0, final.Progress)
			})
		}
	})
}

func lastEvent(evs []events.Event, taskID string) events.Event {
	var last events.Event
	for _, ev := range evs {
		if ev.TaskID == taskID {
			last = ev
		}
	}
	return last
}

// stepsOf loads a task's steps.
func stepsOf(t *testing.T, e *env, taskID string) []*entapi.Step {
	rows, err := e.db.Step.Query().Where(step.TaskID(taskID)).Order(step.ByKind(), step.ByChunk()).All(sys())
	require.NoError(t, err)
	return rows
}

// countKind counts a task's steps of kind.
func countKind(steps []*entapi.Step, kind string) int {
	n := 0
	for _, s := range steps {
		if s.Kind == kind {
			n++
		}
	}
	return n
}

func partialPuts(counts map[string]int, taskID string) map[string]int {
	out := map[string]int{}
	for k, v := range counts {
		if strings.HasPrefix(k, "tasks/"+taskID+"/") {
			out[k] = v
		}
	}
	return out
}
