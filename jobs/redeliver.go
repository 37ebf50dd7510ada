package jobs

import (
	"fmt"

	"github.com/gocraft/work"

	"github.com/assayhq/assay/app/platform"
	entapi "github.com/assayhq/assay/ent/api"
)

// Redeliver enqueues the job of every step once more, as a broker delivering twice
// would, and wakes the pools. Claims are fenced, so a step that is running or finished
// ignores the extra delivery; an operator may use it to nudge queued steps.
func Redeliver(rds *platform.Redis, namespace string, steps ...*entapi.Step) error {
	enq := work.NewEnqueuer(namespace, rds.Pool)
	for _, s := range steps {
		if _, err := enq.Enqueue(jobName(s.Kind), stepArgs{StepID: s.ID}.q()); err != nil {
			return fmt.Errorf("jobs: redeliver %s: %w", s.ID, err)
		}
	}
	return publishWake(rds.Pool, namespace)
}
