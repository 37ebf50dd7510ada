package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/account"
	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/mail"
	entweb "github.com/assayhq/assay/ent/web"
)

// Paths of the email flows.
const (
	pathSignupSent   = "/signup/sent"
	pathVerify       = "/verify"
	pathVerifyResend = "/verify/resend"
	pathForgot       = "/password/forgot"
	pathReset        = "/password/reset"
	pathEmailChange  = "/settings/email"
	pathEmailConfirm = "/settings/email/confirm"
)

// emailFlows are the flows that send a link by email: verification at signup, password
// reset, email change. Each writes its token and its mail in the transaction of the
// change, then hands the mail to the queue.
type emailFlows struct {
	db       *entweb.Client
	sessions *sessionManager
	views    *renderer
	outbox   *mail.Outbox
	queue    mail.Queue // nil: the rows wait for the mail pool's sweep
	log      *slog.Logger
	now      func() time.Time
	audit    *audit.Log // each flow's event is written in the flow's transaction
}

// noticePage is a page that only tells something, with at most one link onwards.
type noticePage struct {
	Kind     string // which notice, for tests and styling
	Title    string
	Message  string
	Error    string
	LinkHref string
	LinkText string
}

// confirmPage asks to confirm what a link does: opening a link (GET) changes nothing.
type confirmPage struct {
	Title, Message, Action, Token, Button string
}

// notice renders a noticePage.
func (f *emailFlows) notice(c fiber.Ctx, status int, p noticePage) error {
	return f.views.page(c, status, "pages/notice", p)
}

// tokenRefused answers a link whose token is invalid, used or expired: it says which,
// offers a way on, and changes nothing. Other errors go to the error handler.
func (f *emailFlows) tokenRefused(c fiber.Ctx, err error, again, againText string) error {
	msg := account.TokenMessage(err)
	if msg == "" {
		return err
	}
	return f.notice(c, http.StatusBadRequest, noticePage{
		Kind: "token-error", Title: "This link cannot be used", Error: msg, LinkHref: again, LinkText: againText,
	})
}

// confirm renders the page that asks to confirm a link's action, after checking the link.
func (f *emailFlows) confirm(c fiber.Ctx, p confirmPage) error {
	if _, err := f.sessions.ensureCSRF(c); err != nil {
		return err
	}
	return f.views.page(c, http.StatusOK, "pages/confirm", p)
}

// inTx runs fn in a transaction and, once it commits, queues the mails fn wrote.
func (f *emailFlows) inTx(ctx context.Context, fn func(tx *entweb.Tx) ([]string, error)) error {
	tx, err := f.db.Tx(ctx)
	if err != nil {
		return fmt.Errorf("web: begin: %w", err)
	}
	ids, err := fn(tx)
	if err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("web: commit: %w", err)
	}
	f.send(ctx, ids...)
	return nil
}

// record appends e to the audit log inside tx.
func (f *emailFlows) record(ctx context.Context, tx *entweb.Tx, e audit.Event) error {
	if _, err := f.audit.AppendTx(ctx, tx, e); err != nil {
		return fmt.Errorf("web: %s: %w", e.Name, err)
	}
	return nil
}

// send queues written outbox rows; a failure only delays them until the sweep.
func (f *emailFlows) send(ctx context.Context, ids ...string) {
	if f.queue == nil {
		return
	}
	for _, id := range ids {
		if err := f.queue.Enqueue(ctx, id); err != nil {
			f.log.WarnContext(ctx, "web: queue mail (the sweep will send it)", slog.String("mail_id", id), slog.Any("error", err))
		}
	}
}

// mailLink writes the mail template with a link to path?token=raw.
func (f *emailFlows) mailLink(ctx context.Context, db *entweb.Client, to, template, path, raw string, d mail.Data) (string, error) {
	d.Link = f.outbox.Link(path + "?token=" + raw)
	return f.outbox.Add(ctx, db, to, template, d)
}

// expiresText says a token lifetime in words for the emails.
func expiresText(d time.Duration) string {
	switch {
	case d == time.Hour:
		return "1 hour"
	case d%time.Hour == 0:
		return fmt.Sprintf("%d hours", int(d/time.Hour))
	}
	return fmt.Sprintf("%d minutes", int(d/time.Minute))
}

// renewAnonymous gives the browser a new, signed-out session: what signup answers for an
// address that has an account, so its cookie looks like a new account's.
func (f *emailFlows) renewAnonymous(c fiber.Ctx) error {
	ws := sessionOf(c)
	if err := f.sessions.store.Renew(c.Context(), ws.sess); err != nil {
		return err
	}
	t, err := randomToken()
	if err != nil {
		return err
	}
	ws.sess.Values[keyCSRF] = t
	return f.sessions.save(c)
}
