package mail

import (
	"context"
	"fmt"
	"strings"
	"time"

	entweb "github.com/assayhq/assay/ent/web"
)

// Outbox renders emails into outbox rows. Call Add with the client of the transaction
// that makes the change the mail is about, so the mail exists exactly when the change
// does; after the commit, hand the ids to a Queue.
type Outbox struct {
	templates *Templates
	appURL    string
	now       func() time.Time
}

// NewOutbox returns an outbox whose links start with appURL (WEB_URL).
func NewOutbox(t *Templates, appURL string) *Outbox {
	return &Outbox{templates: t, appURL: strings.TrimRight(appURL, "/"), now: func() time.Time { return time.Now().UTC() }}
}

// Link is an absolute link to path (with its query) on the web app.
func (o *Outbox) Link(path string) string { return o.appURL + path }

// Add renders template name for to and writes it as a pending row; it returns the row id.
func (o *Outbox) Add(ctx context.Context, db *entweb.Client, to, name string, d Data) (string, error) {
	d.AppURL = o.appURL
	m, err := o.templates.Render(name, to, d)
	if err != nil {
		return "", err
	}
	row, err := db.OutgoingMail.Create().
		SetTo(m.To).SetTemplate(name).SetSubject(m.Subject).SetText(m.Text).SetHTML(m.HTML).
		SetNextAttemptAt(o.now()).Save(ctx)
	if err != nil {
		return "", fmt.Errorf("mail: outbox %s: %w", name, err)
	}
	return row.ID, nil
}
