package web

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/gocraft/work"
	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/audit"
)

const pathAdminQueues = "/admin/queues"

// errNoRedis answers the queue pages of a web app built without Redis.
var errNoRedis = apperr.Unavailable("The job queues could not be read.", errors.New("web: admin: no redis"))

// queues is the gocraft/work client of the job namespace (nil without Redis).
func (h *adminPages) queues() *work.Client {
	if h.redis == nil {
		return nil
	}
	return work.NewClient(h.ns, h.redis.Pool)
}

type queuesPage struct {
	Queues     []*work.Queue
	Pools      []*work.WorkerPoolHeartbeat
	Busy       []*work.WorkerObservation
	Scheduled  []*work.ScheduledJob
	Retry      []*work.RetryJob
	Dead       []*work.DeadJob
	ScheduledN int64
	RetryN     int64
	DeadN      int64
	// Page is the 1-based page (20 jobs) of the scheduled, retry and dead lists.
	Page int
	Next int
}

func (h *adminPages) queuesShow(c fiber.Ctx) error {
	page := 1
	if raw := c.Query("page"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > 1_000_000 {
			return apperr.NotFound("page")
		}
		page = n
	}
	cl := h.queues()
	if cl == nil {
		return errNoRedis
	}
	p := queuesPage{Page: page}
	var err error
	if p.Queues, err = cl.Queues(); err != nil {
		return wrapQueues(err)
	}
	if p.Pools, err = cl.WorkerPoolHeartbeats(); err != nil {
		return wrapQueues(err)
	}
	obs, err := cl.WorkerObservations()
	if err != nil {
		return wrapQueues(err)
	}
	for _, o := range obs {
		if o.IsBusy {
			p.Busy = append(p.Busy, o)
		}
	}
	pg := uint(page) // #nosec G115 -- bounded above
	if p.Scheduled, p.ScheduledN, err = cl.ScheduledJobs(pg); err != nil {
		return wrapQueues(err)
	}
	if p.Retry, p.RetryN, err = cl.RetryJobs(pg); err != nil {
		return wrapQueues(err)
	}
	if p.Dead, p.DeadN, err = cl.DeadJobs(pg); err != nil {
		return wrapQueues(err)
	}
	if int64(page)*20 < max(p.ScheduledN, p.RetryN, p.DeadN) {
		p.Next = page + 1
	}
	return h.page(c, http.StatusOK, "admin/queues", p)
}

func wrapQueues(err error) error { return apperr.Unavailable("The job queues could not be read.", err) }

// jobAction parses the job id and its sorted-set score (died_at, retry_at or run_at).
func jobAction(c fiber.Ctx) (string, int64, error) {
	id := c.FormValue("job_id")
	at, err := strconv.ParseInt(c.FormValue("at"), 10, 64)
	if id == "" || err != nil {
		return "", 0, apperr.BadRequest("Which job?")
	}
	return id, at, nil
}

// retryDead moves a dead job back to its queue.
func (h *adminPages) retryDead(c fiber.Ctx) error {
	id, at, err := jobAction(c)
	if err != nil {
		return err
	}
	cl := h.queues()
	if cl == nil {
		return errNoRedis
	}
	if err := cl.RetryDeadJob(at, id); err != nil {
		return apperr.New(http.StatusNotFound, "That job is no longer dead.").WithErr(err)
	}
	h.record(c, audit.AdminJobRetried, "", "job", id, map[string]string{"from": "dead"})
	return redirect(c, pathAdminQueues)
}

// deleteJob deletes a dead, retry or scheduled job (form field "set").
func (h *adminPages) deleteJob(c fiber.Ctx) error {
	id, at, err := jobAction(c)
	if err != nil {
		return err
	}
	cl := h.queues()
	if cl == nil {
		return errNoRedis
	}
	set := c.FormValue("set")
	switch set {
	case "dead":
		err = cl.DeleteDeadJob(at, id)
	case "retry":
		err = cl.DeleteRetryJob(at, id)
	case "scheduled":
		err = cl.DeleteScheduledJob(at, id)
	default:
		return apperr.BadRequest("Which list?")
	}
	if err != nil {
		return apperr.New(http.StatusNotFound, "That job is no longer there.").WithErr(err)
	}
	h.record(c, audit.AdminJobDeleted, "", "job", id, map[string]string{"from": set})
	return redirect(c, pathAdminQueues)
}
