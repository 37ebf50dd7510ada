// Package mail renders the product's emails from views/emails, writes them to the web
// database's outbox in the transaction of the action that sends them, and delivers them
// through SMTP (or, outside production without SMTP_URL, to the log).
package mail

import (
	"context"
	"errors"
)

// Message is one rendered email to one recipient.
type Message struct {
	To      string
	Subject string
	Text    string
	HTML    string
}

// Sender delivers a message. An error wrapped with Permanent is not worth retrying.
type Sender interface {
	Send(ctx context.Context, m Message) error
}

// Queue hands an outbox row to the delivery job. A failure only delays the mail: the
// job's periodic sweep finds every row that is due.
type Queue interface {
	Enqueue(ctx context.Context, id string) error
}

// permanentError marks a failure that retrying cannot fix (a refused recipient).
type permanentError struct{ err error }

func (e permanentError) Error() string { return e.err.Error() }
func (e permanentError) Unwrap() error { return e.err }

// Permanent wraps err so IsPermanent reports true.
func Permanent(err error) error { return permanentError{err} }

// IsPermanent reports whether err was marked with Permanent.
func IsPermanent(err error) bool {
	var p permanentError
	return errors.As(err, &p)
}
