package jobs

import (
	"strings"

	"github.com/gocraft/work"

	"github.com/assayhq/assay/app/telemetry"
)

// jobPrefix turns a step kind into its job name: kind "fetch" runs as "pipeline.fetch".
const jobPrefix = "pipeline."

// Step kinds, in pipeline order. A kind is also the stage name shown to users.
const (
	kindFetch     = "fetch"
	kindTransform = "transform"
	kindNormalize = "normalize"
	kindEnrich    = "enrich"
	kindValidate  = "validate"
	kindAggregate = "aggregate"
	kindSave      = "save"
	kindNotify    = "notify"
)

// stageOrder lists the stages as the pipeline runs them.
var stageOrder = []string{kindFetch, kindTransform, kindNormalize, kindEnrich, kindValidate, kindAggregate, kindSave, kindNotify}

// childKinds are the per-chunk stages transform fans out to.
var childKinds = []string{kindNormalize, kindEnrich, kindValidate}

// jobOptions apply to every stage: gocraft retries only failures before the claim (a
// database or Redis hiccup); after the claim the handler returns nil and SQL decides.
var jobOptions = work.JobOptions{MaxFails: 3}

// jobName is the gocraft job that runs steps of kind.
func jobName(kind string) string { return jobPrefix + kind }

// kindOf is the inverse of jobName.
func kindOf(job string) string { return strings.TrimPrefix(job, jobPrefix) }

// register adds every pipeline job to wp; nothing registers itself.
func register(wp *work.WorkerPool, r *Runner) {
	for _, k := range stageOrder {
		wp.JobWithOptions(jobName(k), jobOptions, r.runStep)
	}
	wp.JobWithOptions(WebhookDeliver, jobOptions, r.deliverWebhook)
}

// stageOf is the stage that runs steps of kind; nil for a kind that is not a stage.
func (r *Runner) stageOf(kind string) stage {
	switch kind {
	case kindFetch:
		return r.fetchStage
	case kindTransform:
		return r.transformStage
	case kindNormalize, kindEnrich, kindValidate:
		return r.chunkStage
	case kindAggregate:
		return r.aggregateStage
	case kindSave:
		return r.saveStage
	case kindNotify:
		return r.notifyStage
	}
	return nil
}

// stepArgs are the arguments of every pipeline job: the step id, as a string, and the
// W3C traceparent of the request that started the run, when there was one.
type stepArgs struct{ StepID, Traceparent string }

// q encodes the args for gocraft; never an empty map.
func (a stepArgs) q() work.Q {
	q := work.Q{"step_id": a.StepID}
	if a.Traceparent != "" {
		q[telemetry.TraceparentArg] = a.Traceparent
	}
	return q
}

// parseArgs reads stepArgs back from a job. The traceparent is optional: jobs the
// reconciler re-dispatches, and those enqueued before it existed, have none.
func parseArgs(job *work.Job) (stepArgs, error) {
	a := stepArgs{StepID: job.ArgString("step_id")}
	a.Traceparent, _ = job.Args[telemetry.TraceparentArg].(string)
	return a, job.ArgError()
}
