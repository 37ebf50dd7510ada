package mail

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/outgoingmail"
)

// Delivery defaults.
const (
	DefaultMaxAttempts = 8
	// lease is how long an attempt owns its row: longer than an SMTP exchange, so only a
	// crashed attempt's row becomes due again.
	lease = 2 * time.Minute
	// errorLimit is the length of the stored last_error.
	errorLimit = 1000
)

// DefaultBackoff waits 30 s, 1 min, 2 min … up to 1 h after the n-th failed attempt,
// with up to 10 % jitter.
func DefaultBackoff(n int) time.Duration {
	d := 30 * time.Second << min(n-1, 7)
	d = min(d, time.Hour)
	return d + time.Duration(rand.Int64N(int64(d/10)+1)) // #nosec G404 -- jitter, not a secret
}

// Outcome is what one delivery attempt did.
type Outcome int

// Outcomes of Deliver.
const (
	Skipped Outcome = iota // the row was not due, or another attempt owns it, or it is done
	Sent
	Retry  // failed; due again at RetryAt
	Failed // failed for good
)

// Deliverer sends outbox rows. Every write is conditional, so duplicate jobs for one row
// (a sweep next to a retry) send it once.
type Deliverer struct {
	DB          *entweb.Client
	Sender      Sender
	MaxAttempts int                     // DefaultMaxAttempts when 0
	Backoff     func(int) time.Duration // DefaultBackoff when nil
	Now         func() time.Time
}

func (d *Deliverer) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now().UTC()
}

// Deliver claims row id if it is due, sends it and records the result. For Retry it
// returns when the row is due again.
func (d *Deliverer) Deliver(ctx context.Context, id string) (Outcome, time.Time, error) {
	now := d.now()
	row, err := d.DB.OutgoingMail.Get(ctx, id)
	if entweb.IsNotFound(err) {
		return Skipped, time.Time{}, nil
	}
	if err != nil {
		return Skipped, time.Time{}, fmt.Errorf("mail: load %s: %w", id, err)
	}
	if row.Status != outgoingmail.StatusPending || row.NextAttemptAt.After(now) {
		return Skipped, time.Time{}, nil
	}
	// The claim: only one attempt moves next_attempt_at past now for this attempt count.
	n, err := d.DB.OutgoingMail.Update().Where(
		outgoingmail.ID(id), outgoingmail.StatusEQ(outgoingmail.StatusPending),
		outgoingmail.Attempts(row.Attempts), outgoingmail.NextAttemptAtLTE(now),
	).SetAttempts(row.Attempts + 1).SetNextAttemptAt(now.Add(lease)).Save(ctx)
	if err != nil {
		return Skipped, time.Time{}, fmt.Errorf("mail: claim %s: %w", id, err)
	}
	if n == 0 {
		return Skipped, time.Time{}, nil
	}
	attempt := row.Attempts + 1
	sendErr := d.Sender.Send(ctx, Message{To: row.To, Subject: row.Subject, Text: row.Text, HTML: row.HTML})
	owned := d.DB.OutgoingMail.Update().Where(outgoingmail.ID(id), outgoingmail.Attempts(attempt),
		outgoingmail.StatusEQ(outgoingmail.StatusPending))
	if sendErr == nil {
		// The bodies may hold a one-time link: they are not kept once sent.
		_, err := owned.SetStatus(outgoingmail.StatusSent).SetSentAt(d.now()).SetText("").SetHTML("").
			SetLastError("").Save(ctx)
		if err != nil {
			return Sent, time.Time{}, fmt.Errorf("mail: mark %s sent: %w", id, err)
		}
		return Sent, time.Time{}, nil
	}
	msg := truncate(sendErr.Error(), errorLimit)
	if IsPermanent(sendErr) || attempt >= d.maxAttempts() {
		_, err := owned.SetStatus(outgoingmail.StatusFailed).SetText("").SetHTML("").SetLastError(msg).Save(ctx)
		return Failed, time.Time{}, errors.Join(sendErr, err)
	}
	next := d.now().Add(d.backoff(attempt))
	if _, err := owned.SetNextAttemptAt(next).SetLastError(msg).Save(ctx); err != nil {
		return Retry, next, errors.Join(sendErr, fmt.Errorf("mail: schedule retry of %s: %w", id, err))
	}
	return Retry, next, sendErr
}

// Due lists pending rows whose time has come (including attempts whose lease ran out),
// oldest first.
func (d *Deliverer) Due(ctx context.Context, limit int) ([]string, error) {
	ids, err := d.DB.OutgoingMail.Query().
		Where(outgoingmail.StatusEQ(outgoingmail.StatusPending), outgoingmail.NextAttemptAtLTE(d.now())).
		Order(entweb.Asc(outgoingmail.FieldNextAttemptAt)).Limit(limit).IDs(ctx)
	if err != nil {
		return nil, fmt.Errorf("mail: due: %w", err)
	}
	return ids, nil
}

func (d *Deliverer) maxAttempts() int {
	if d.MaxAttempts > 0 {
		return d.MaxAttempts
	}
	return DefaultMaxAttempts
}

func (d *Deliverer) backoff(n int) time.Duration {
	if d.Backoff != nil {
		return d.Backoff(n)
	}
	return DefaultBackoff(n)
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}
