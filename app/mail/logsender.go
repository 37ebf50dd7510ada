package mail

import (
	"context"
	"log/slog"
)

// Log is the development sender: it prints each message, body included, so a developer
// can open its links. It is never used in production.
type Log struct{ log *slog.Logger }

// NewLog returns a sender that writes to log.
func NewLog(log *slog.Logger) *Log { return &Log{log: log} }

// Send logs m.
func (l *Log) Send(ctx context.Context, m Message) error {
	l.log.InfoContext(ctx, "mail: not sent (SMTP_URL is unset): printed instead",
		slog.String("to", m.To), slog.String("subject", m.Subject), slog.String("text", m.Text))
	return nil
}
