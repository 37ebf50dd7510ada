package jobs

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"time"

	"github.com/assayhq/assay/app/report"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/step"
	"github.com/assayhq/assay/ent/api/task"
)

// Error classes, stored in steps.error_class; each has its own backoff.
const (
	classRateLimit = "rate_limit"
	classTimeout   = "timeout"
	classTransient = "transient"
	classPermanent = "permanent"
)

// backoff is exponential with full jitter: a uniform delay in [0, min(Cap, Base·2^(n-1))].
type backoff struct{ Base, Cap time.Duration }

// defaultBackoffs per error class; a permanent error is never retried.
var defaultBackoffs = map[string]backoff{
	classRateLimit: {Base: 5 * time.Second, Cap: 5 * time.Minute},
	classTimeout:   {Base: 2 * time.Second, Cap: 2 * time.Minute},
	classTransient: {Base: time.Second, Cap: time.Minute},
}

// delay is the wait before attempt+1, attempt counting from 1.
func (b backoff) delay(attempt int) time.Duration {
	ceil := b.Cap
	if attempt < 1 {
		attempt = 1
	}
	if attempt <= 32 {
		if d := b.Base << (attempt - 1); d > 0 && d < ceil {
			ceil = d
		}
	}
	if ceil <= 0 {
		return 0
	}
	return rand.N(ceil + 1) // #nosec G404 -- backoff jitter, not a secret
}

// permanentError is never retried. msg, when set, is safe to show users.
type permanentError struct {
	err error
	msg string
}

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying: the step fails its task at once.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err: err}
}

// permanentf is Permanent with a message for users; err stays for the logs.
func permanentf(err error, format string, a ...any) error {
	return &permanentError{err: err, msg: fmt.Sprintf(format, a...)}
}

// statusError is an HTTP answer that was not a success.
type statusError struct {
	Code       int
	RetryAfter time.Duration
}

func (e *statusError) Error() string { return fmt.Sprintf("http status %d", e.Code) }

// classify sorts err into an error class. Unknown errors are transient: a retry is
// cheap, and max_attempts bounds it.
func classify(err error) string {
	var pe *permanentError
	var ie *report.InputError
	var se *statusError
	var ne net.Error
	switch {
	case errors.As(err, &pe), errors.As(err, &ie):
		return classPermanent
	case errors.As(err, &se):
		switch {
		case se.Code == 429:
			return classRateLimit
		case se.Code == 408:
			return classTimeout
		case se.Code >= 400 && se.Code < 500:
			return classPermanent
		}
		return classTransient
	case errors.Is(err, context.DeadlineExceeded):
		return classTimeout
	case errors.As(err, &ne) && ne.Timeout():
		return classTimeout
	}
	return classTransient
}

// retryDelay is how long to wait before the next attempt of a step that failed with err.
func retryDelay(backoffs map[string]backoff, class string, attempt int, err error) time.Duration {
	d := backoffs[class].delay(attempt)
	var se *statusError
	if errors.As(err, &se) && se.RetryAfter > d {
		d = min(se.RetryAfter, backoffs[class].Cap)
	}
	return d
}

// userMessage is the part of a stage's error that users may see.
func userMessage(err error, class string) string {
	var ie *report.InputError
	var pe *permanentError
	switch {
	case errors.As(err, &ie):
		return ie.Error()
	case errors.As(err, &pe) && pe.msg != "":
		return pe.msg
	case class == classTimeout:
		return "it timed out"
	case class == classRateLimit:
		return "it was rate limited too often"
	}
	return "an internal error occurred"
}

// failureMessage is the task error for a step that failed for good.
func failureMessage(kind string, err error, class string) string {
	return fmt.Sprintf("The %s stage failed: %s", kind, userMessage(err, class))
}

// handleError retries the step after its class's backoff, or fails it (and its task)
// when the error is permanent or the attempts are used up.
func (r *Runner) handleError(ctx context.Context, run *stepRun, cause error) {
	s := run.Step
	class := classify(cause)
	log := r.log.With("step_id", s.ID, "kind", s.Kind, "task_id", s.TaskID, "attempt", s.Attempt, "class", class, "err", cause)
	if class == classPermanent || s.Attempt >= s.MaxAttempts {
		log.WarnContext(ctx, "jobs: step failed")
		r.fail(ctx, run, cause, class)
		return
	}
	delay := retryDelay(r.backoffs, class, s.Attempt, cause)
	err := withTx(ctx, r.db, func(tx *entapi.Tx) error {
		return release(ctx, tx.Step, s.ID, run.owner, func(u *entapi.StepUpdate) *entapi.StepUpdate {
			return u.SetStatus(step.StatusQueued).SetAvailableAt(now().Add(delay)).
				SetError(clip(cause.Error())).SetErrorClass(class)
		})
	})
	if err != nil {
		logFinish(log, "jobs: schedule retry", err)
		return
	}
	log.InfoContext(ctx, "jobs: step will retry", "delay", delay)
	r.disp.enqueueIn(ctx, s, delay)
}

// fail marks the step failed and, unless it is notify, fails its task: one transaction.
func (r *Runner) fail(ctx context.Context, run *stepRun, cause error, class string) {
	s := run.Step
	var next []*entapi.Step
	err := withTx(ctx, r.db, func(tx *entapi.Tx) error {
		err := release(ctx, tx.Step, s.ID, run.owner, func(u *entapi.StepUpdate) *entapi.StepUpdate {
			return u.SetStatus(step.StatusFailed).SetError(clip(cause.Error())).SetErrorClass(class)
		})
		if err != nil || s.Kind == kindNotify {
			return err
		}
		next, err = endTask(ctx, tx, r.deps.MaxRunning, s.TaskID, task.StatusFailed, s.Kind, failureMessage(s.Kind, cause, class))
		return err
	})
	if err != nil {
		logFinish(r.log.With("step_id", s.ID), "jobs: fail step", err)
		return
	}
	r.disp.dispatch(next...)
}

// logFinish logs a failed attempt to record a step's end: expected when another worker
// took the step over, an error otherwise (the lease then expires and the reconciler
// re-queues the step).
func logFinish(log *slog.Logger, msg string, err error) {
	if errors.Is(err, errLeaseLost) {
		log.Info(msg + ": lease lost, result discarded")
		return
	}
	log.Error(msg, "finish_err", err)
}
