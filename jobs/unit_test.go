package jobs

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/report"
	"github.com/assayhq/assay/ent/api/task"
)

func TestClassify(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want string
	}{
		{"permanent wrapper", Permanent(errors.New("no")), classPermanent},
		{"wrapped permanent", fmt.Errorf("stage: %w", Permanent(errors.New("no"))), classPermanent},
		{"input error", fmt.Errorf("scan: %w", report.NewInputError("row 3 has 2 fields")), classPermanent},
		{"deadline", fmt.Errorf("read: %w", context.DeadlineExceeded), classTimeout},
		{"net timeout", &net.OpError{Op: "dial", Err: os.ErrDeadlineExceeded}, classTimeout},
		{"connection refused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, classTransient},
		{"429", &statusError{Code: 429}, classRateLimit},
		{"408", &statusError{Code: 408}, classTimeout},
		{"404", &statusError{Code: 404}, classPermanent},
		{"503", &statusError{Code: 503}, classTransient},
		{"unknown", errors.New("something"), classTransient},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, classify(tc.err))
		})
	}
}

func TestBackoffDelayIsJitteredAndCapped(t *testing.T) {
	b := backoff{Base: time.Second, Cap: 10 * time.Second}
	cases := []struct {
		attempt int
		ceil    time.Duration
	}{{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {5, 10 * time.Second}, {100, 10 * time.Second}}
	for _, tc := range cases {
		t.Run(fmt.Sprint(tc.attempt), func(t *testing.T) {
			seen := map[time.Duration]bool{}
			for range 200 {
				d := b.delay(tc.attempt)
				require.GreaterOrEqual(t, d, time.Duration(0))
				require.LessOrEqual(t, d, tc.ceil)
				seen[d] = true
			}
			require.Greater(t, len(seen), 100, "full jitter spreads the delays")
		})
	}
	require.Equal(t, 30*time.Second,
		retryDelay(map[string]backoff{classRateLimit: {Base: time.Millisecond, Cap: time.Minute}}, classRateLimit, 1,
			&statusError{Code: 429, RetryAfter: 30 * time.Second}), "Retry-After is honoured up to the cap")
}

func TestFailureMessageIsSafe(t *testing.T) {
	cases := []struct {
		err  error
		want string
	}{
		{report.NewInputError("row 4 has 3 fields, the header has 5"), "The normalize stage failed: row 4 has 3 fields, the header has 5"},
		{permanentf(errors.New("pq: secret detail"), "the dataset file is missing"), "The normalize stage failed: the dataset file is missing"},
		{errors.New("dial tcp 10.0.0.3:5432: secret detail"), "The normalize stage failed: an internal error occurred"},
	}
	for _, tc := range cases {
		require.Equal(t, tc.want, failureMessage(kindNormalize, tc.err, classify(tc.err)))
	}
}

func TestReconcilerLockHasOneHolder(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		a := newReconciler(e.newPool(t, testOptions()).runner)
		b := newReconciler(e.newPool(t, testOptions()).runner)
		require.True(t, a.lead())
		require.False(t, b.lead())
		require.True(t, a.lead(), "the holder renews")
		a.release()
		require.True(t, b.lead())
		require.False(t, a.lead())
	})
}

func TestStagesOfPendingTask(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		c := e.client()
		c.disp.silent = true
		tk, err := c.CreateTask(sys(), e.dataset(t, testCSV(10), 4, true), nil)
		require.NoError(t, err)
		require.Equal(t, task.StatusPending, tk.Status)
		stages, err := StagesOf(sys(), e.db, tk.ID)
		require.NoError(t, err)
		require.Len(t, stages, len(stageOrder))
		for i, s := range stages {
			require.Equal(t, stageOrder[i], s.Name)
			require.Equal(t, StagePending, s.Status)
			require.Zero(t, s.Done)
		}
		require.Equal(t, 1, stages[0].Total)
		require.Zero(t, stages[2].Total, "chunks are unknown until fetch has run")
		p, cur := progressOf(stages)
		require.Zero(t, p)
		require.Equal(t, kindFetch, cur)
	})
}
