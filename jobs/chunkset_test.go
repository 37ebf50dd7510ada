package jobs

import (
	"bytes"
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/report"
	entapi "github.com/assayhq/assay/ent/api"
	entreport "github.com/assayhq/assay/ent/api/report"
	"github.com/assayhq/assay/ent/api/step"
	"github.com/assayhq/assay/ent/api/task"
)

// TestChunkSetReadsEachChunkOnce: a chunk's normalize, enrich and validate steps are
// computed by one read of the chunk. With the reconciler off, only the dispatched step
// of each chunk is claimed through a job; its siblings succeed with it, each with its
// own partial (a section of the chunk's one blob), on their first attempt.
func TestChunkSetReadsEachChunkOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		opts := testOptions()
		opts.Reconcile = false
		p := e.newPool(t, opts)
		claimed := map[string]int{}
		var mu sync.Mutex
		p.runner.afterClaim = func(s *entapi.Step) {
			mu.Lock()
			claimed[s.Kind]++
			mu.Unlock()
		}
		p.Start()
		t.Cleanup(p.Stop)
		ds := e.dataset(t, testCSV(24), 4, true)
		reads := map[int64]int{}
		e.blobs.setRangeHook(func(_ context.Context, key string, offset int64) error {
			if key == ds.BlobKey {
				mu.Lock()
				reads[offset]++
				mu.Unlock()
			}
			return nil
		})
		t.Cleanup(func() { e.blobs.setRangeHook(nil) })
		tk, err := e.client().CreateTask(sys(), ds, testRules(t))
		require.NoError(t, err)
		done := e.waitTask(t, tk.ID, 30*time.Second, task.StatusCompleted, task.StatusFailed)
		require.Equal(t, task.StatusCompleted, done.Status, done.Error)

		steps := stepsOf(t, e, tk.ID)
		l := storedLayout(ds)
		require.Len(t, l.Chunks, countKind(steps, kindNormalize))
		require.Greater(t, len(l.Chunks), 4)
		mu.Lock()
		defer mu.Unlock()
		for _, c := range l.Chunks {
			require.Equal(t, 1, reads[c.Offset], "chunk %d read %d times", c.Index, reads[c.Offset])
		}
		require.Equal(t, len(l.Chunks), claimed[kindNormalize])
		require.Zero(t, claimed[kindEnrich]+claimed[kindValidate], "siblings are claimed with their set, not by jobs of their own")
		puts := partialPuts(e.blobs.putCounts(), tk.ID)
		for _, s := range steps {
			if s.ParentID == nil {
				continue
			}
			require.Equal(t, step.StatusSucceeded, s.Status, "%s %d", s.Kind, s.Chunk)
			require.Equal(t, 1, s.Attempt, "%s %d", s.Kind, s.Chunk)
			var res blobResult
			require.NoError(t, json.Unmarshal(s.Result, &res))
			require.Equal(t, setKey(tk.ID, s.Chunk), res.Blob, "one blob per chunk")
			require.Positive(t, res.Length)
			require.Equal(t, 1, puts[res.Blob], "%s written once", res.Blob)
		}
	})
}

// TestClaimSiblings: a step claims the siblings of its chunk that are due, never one
// another worker holds, one waiting for a retry, or one of another chunk; a sibling's
// result is recorded only while the claim still holds it.
func TestClaimSiblings(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := sys()
		ds := e.dataset(t, testCSV(4), 2, true)
		tk := e.processingTask(t, ds)
		mk := func(kind string, chunk int, available time.Time) *entapi.Step {
			s, err := e.db.Step.Create().SetOrgID(e.org).SetTaskID(tk.ID).SetKind(kind).SetChunk(chunk).
				SetAvailableAt(available).Save(ctx)
			require.NoError(t, err)
			return s
		}
		norm := mk(kindNormalize, 0, now())
		enr := mk(kindEnrich, 0, now())
		val := mk(kindValidate, 0, now())
		later := mk(kindNormalize, 1, now())
		retrying := mk(kindEnrich, 1, now().Add(time.Hour))
		mk(kindValidate, 1, now())

		lease := time.Minute
		c, err := claim(ctx, e.db.Step, enr, "other worker", lease)
		require.NoError(t, err)
		require.NotNil(t, c)
		// claimSet claims s as a worker would, then its siblings.
		claimSet := func(s *entapi.Step) (*stepRun, []*entapi.Step) {
			run := &stepRun{Step: s, Task: tk, owner: newLeaseOwner()}
			c, err := claim(ctx, e.db.Step, s, run.owner, lease)
			require.NoError(t, err)
			require.NotNil(t, c)
			sibs, err := claimSiblings(ctx, e.db.Step, run, lease)
			require.NoError(t, err)
			return run, sibs
		}
		run, sibs := claimSet(norm)
		require.Len(t, sibs, 1)
		require.Equal(t, val.ID, sibs[0].ID)
		require.Equal(t, step.StatusRunning, sibs[0].Status)
		require.Equal(t, 1, sibs[0].Attempt)

		_, sibs1 := claimSet(later)
		require.Len(t, sibs1, 1, "the sibling waiting for its retry stays queued")
		require.NotEqual(t, retrying.ID, sibs1[0].ID)

		res := map[string]blobResult{kindValidate: {Blob: "b"}}
		err = withTx(ctx, e.db, func(tx *entapi.Tx) error {
			n, err := finishSiblings(ctx, tx, sibs, "not the owner", res)
			require.Zero(t, n)
			return err
		})
		require.NoError(t, err)
		err = withTx(ctx, e.db, func(tx *entapi.Tx) error {
			n, err := finishSiblings(ctx, tx, sibs, run.owner, res)
			require.Equal(t, 1, n)
			return err
		})
		require.NoError(t, err)
		got, err := e.db.Step.Get(ctx, val.ID)
		require.NoError(t, err)
		require.Equal(t, step.StatusSucceeded, got.Status)
		require.JSONEq(t, `{"blob":"b"}`, string(got.Result))
		require.Empty(t, got.LeaseOwner)
	})
}

// TestMergeReadsSharedAndOwnPartials: aggregate finds every partial from its step's
// result, whether a pass stored it in the chunk's shared blob or a step computed alone
// stored it in a blob of its own, and the report is the one the engine computes in one go.
func TestMergeReadsSharedAndOwnPartials(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := sys()
		data, _, l, tk := e.chunkedTask(t, 30, 3)
		rules := testRules(t)
		r := e.newPool(t, testOptions()).runner
		// Chunk 0 in one pass; chunk 1 split after a retry; chunk 2 each step alone.
		groups := [][][]string{
			{{kindNormalize, kindEnrich, kindValidate}},
			{{kindEnrich}, {kindNormalize, kindValidate}},
			{{kindNormalize}, {kindEnrich}, {kindValidate}},
		}
		for i, c := range l.Chunks {
			for _, kinds := range groups[i] {
				var steps []*entapi.Step
				for _, k := range kinds {
					s, err := e.db.Step.Create().SetOrgID(e.org).SetTaskID(tk.ID).SetKind(k).SetChunk(i).
						SetStatus(step.StatusSucceeded).SetAvailableAt(now()).Save(ctx)
					require.NoError(t, err)
					steps = append(steps, s)
				}
				ps, err := report.ComputeChunk(bytes.NewReader(data[c.Offset:c.Offset+c.Length]), l, c, rules, partsOf(steps))
				require.NoError(t, err)
				results, err := r.putPartials(ctx, tk.ID, i, steps, ps)
				require.NoError(t, err)
				for _, s := range steps {
					b, err := json.Marshal(results[s.Kind])
					require.NoError(t, err)
					require.NoError(t, e.db.Step.UpdateOne(s).SetResult(b).Exec(ctx))
				}
			}
		}
		want, err := report.Run(bytes.NewReader(data), int64(len(data)), rules, report.ScanOptions{ChunkRows: 10})
		require.NoError(t, err)
		wantJSON, err := json.Marshal(want)
		require.NoError(t, err)
		got, err := r.merge(ctx, &stepRun{Task: tk}, l, rules)
		require.NoError(t, err)
		gotJSON, err := json.Marshal(got)
		require.NoError(t, err)
		require.JSONEq(t, string(wantJSON), string(gotJSON))

		// With chunk 0's partials still in memory, as the worker that computed them
		// hands on to aggregate, they are not read back: the report is the same with
		// their blob gone.
		c := l.Chunks[0]
		ps, err := report.ComputeChunk(bytes.NewReader(data[c.Offset:c.Offset+c.Length]), l, c, rules, report.AllParts)
		require.NoError(t, err)
		require.NoError(t, r.deps.Blobs.Delete(ctx, setKey(tk.ID, 0)))
		_, err = r.merge(ctx, &stepRun{Task: tk}, l, rules)
		require.ErrorIs(t, err, platform.ErrBlobNotFound)
		got, err = r.merge(ctx, &stepRun{Task: tk, carried: carried{kept: &keptChunk{index: 0, partials: ps}}}, l, rules)
		require.NoError(t, err)
		gotJSON, err = json.Marshal(got)
		require.NoError(t, err)
		require.JSONEq(t, string(wantJSON), string(gotJSON))
	})
}

// TestReportSizes: a small report reaches save in aggregate's result; one over the
// inline limit goes through a blob. Both end as the same Report row.
func TestReportSizes(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		for _, tc := range []struct {
			name   string
			inline int
			blob   bool
		}{
			{"inline", inlineReportBytes, false},
			{"through a blob", 0, true},
		} {
			t.Run(tc.name, func(t *testing.T) {
				p := e.newPool(t, testOptions())
				p.runner.inlineReport = tc.inline
				p.Start()
				t.Cleanup(p.Stop)
				data := testCSV(20)
				ds := e.dataset(t, data, 8, true)
				tk, err := e.client().CreateTask(sys(), ds, testRules(t))
				require.NoError(t, err)
				done := e.waitTask(t, tk.ID, 30*time.Second, task.StatusCompleted, task.StatusFailed)
				require.Equal(t, task.StatusCompleted, done.Status, done.Error)

				var res reportResult
				require.NoError(t, p.runner.stepResult(sys(), tk.ID, kindAggregate, &res))
				require.Equal(t, tc.blob, res.Blob != "")
				require.Equal(t, tc.blob, len(res.Report) == 0)
				require.Equal(t, tc.blob, partialPuts(e.blobs.putCounts(), tk.ID)[reportKey(tk.ID)] == 1)
				row, err := e.db.Report.Query().Where(entreport.TaskID(tk.ID)).Only(sys())
				require.NoError(t, err)
				want, err := report.Run(bytes.NewReader(data), int64(len(data)), testRules(t), report.ScanOptions{ChunkRows: 8})
				require.NoError(t, err)
				want.TaskID, want.DatasetID = tk.ID, ds.ID
				var got report.Report
				require.NoError(t, json.Unmarshal(row.Body, &got))
				require.Equal(t, *want, got)
			})
		}
	})
}

// chunkedTask is a processing task over a dataset of rows test rows in chunks of 10,
// which must make chunks chunks.
func (e *env) chunkedTask(t *testing.T, rows, chunks int) ([]byte, *entapi.Dataset, *report.Layout, *entapi.Task) {
	data := testCSV(rows)
	ds := e.dataset(t, data, 10, true)
	l := storedLayout(ds)
	require.Len(t, l.Chunks, chunks)
	return data, ds, l, e.processingTask(t, ds)
}

// TestAggregateComputesUnstoredChunk: the partials of a one-chunk dataset are not
// stored; an aggregate that does not have them in memory (run by another worker after
// a crash, or at shutdown) computes them again from the dataset.
func TestAggregateComputesUnstoredChunk(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := sys()
		data, ds, l, tk := e.chunkedTask(t, 8, 1)
		rules := testRules(t)
		rj, err := json.Marshal(rules)
		require.NoError(t, err)
		require.NoError(t, e.db.Task.UpdateOne(tk).SetRules(rj).Exec(ctx))
		tk, err = e.db.Task.Get(ctx, tk.ID)
		require.NoError(t, err)
		for _, k := range childKinds {
			_, err := e.db.Step.Create().SetOrgID(e.org).SetTaskID(tk.ID).SetKind(k).SetChunk(0).
				SetStatus(step.StatusSucceeded).SetResult([]byte(`{"blob":""}`)).SetAvailableAt(now()).Save(ctx)
			require.NoError(t, err)
		}
		agg, err := e.db.Step.Create().SetOrgID(e.org).SetTaskID(tk.ID).SetKind(kindAggregate).
			SetAvailableAt(now()).Save(ctx)
		require.NoError(t, err)
		r := e.newPool(t, testOptions()).runner
		out, err := r.aggregateStage(ctx, &stepRun{Step: agg, Task: tk, owner: "worker", carried: carried{layout: l}})
		require.NoError(t, err)
		got := out.result.(reportResult).Report

		want, err := report.Run(bytes.NewReader(data), int64(len(data)), rules, report.ScanOptions{ChunkRows: 10})
		require.NoError(t, err)
		want.TaskID, want.DatasetID = tk.ID, ds.ID
		wantJSON, err := json.Marshal(want)
		require.NoError(t, err)
		require.JSONEq(t, string(wantJSON), string(got))
	})
}
