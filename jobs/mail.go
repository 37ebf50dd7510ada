package jobs

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"time"

	"github.com/gocraft/work"

	"github.com/assayhq/assay/app/mail"
)

// MailSend delivers one row of the web database's outbox. It runs in the web process's
// MailPool, not in the pipeline pools.
const MailSend = "mail.send"

// mailJobOptions: gocraft retries only failures before the row is claimed (a database
// hiccup); after the claim the outbox row records the attempt and its retry.
var mailJobOptions = work.JobOptions{MaxFails: 3}

// mailArgs are the arguments of MailSend: the outbox row id, as a string.
type mailArgs struct{ MailID string }

func (a mailArgs) q() work.Q { return work.Q{"mail_id": a.MailID} }

// sendMail runs one delivery attempt. A failed attempt schedules the next one itself; the
// sweep would find it too, later.
func (p *MailPool) sendMail(job *work.Job) error {
	a := mailArgs{MailID: job.ArgString("mail_id")}
	if err := job.ArgError(); err != nil {
		return fmt.Errorf("jobs: %s: %w", MailSend, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	outcome, retryAt, err := p.deliver.Deliver(ctx, a.MailID)
	switch outcome {
	case mail.Sent:
		p.log.Info("mail: sent", slog.String("mail_id", a.MailID))
		return nil
	case mail.Retry:
		p.log.Warn("mail: attempt failed, will retry", slog.String("mail_id", a.MailID),
			slog.Time("retry_at", retryAt), slog.Any("error", err))
		secs := int64(math.Ceil(time.Until(retryAt).Seconds()))
		if _, qerr := p.enq.EnqueueIn(MailSend, max(secs, 1), a.q()); qerr != nil {
			p.log.Warn("mail: schedule retry (the sweep will)", slog.String("mail_id", a.MailID), slog.Any("error", qerr))
		}
		// gocraft moves a scheduled job to its queue within about a second of its time;
		// wake the idle workers then rather than at their next poll.
		time.AfterFunc(time.Duration(max(secs, 1))*time.Second+1500*time.Millisecond, p.wake)
		return nil
	case mail.Failed:
		p.log.Error("mail: failed for good", slog.String("mail_id", a.MailID), slog.Any("error", err))
		return nil
	}
	return err // skipped: nil, or a failure before the claim, which gocraft retries
}
