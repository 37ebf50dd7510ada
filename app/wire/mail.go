package wire

import (
	"github.com/assayhq/assay/app/mail"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/jobs"
)

// newMailPool builds the web process's mail pool over the outbox of db: SMTP when
// SMTP_URL is set (production requires it), otherwise every mail is printed to the log.
func newMailPool(b *Base, db *entweb.Client) (*jobs.MailPool, error) {
	var sender mail.Sender
	if b.Config.SMTPURL != "" {
		s, err := mail.NewSMTP(b.Config.SMTPURL, b.Config.MailFrom)
		if err != nil {
			return nil, err
		}
		sender = s
	} else {
		b.Log.Info("mail: SMTP_URL is unset: emails are printed to the log, not sent")
		sender = mail.NewLog(b.Log)
	}
	d := &mail.Deliverer{DB: db, Sender: sender}
	return jobs.NewMailPool(b.Redis, b.Config.RedisNamespace, d, b.Log, jobs.MailPoolOptions{}), nil
}
