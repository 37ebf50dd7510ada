package web

import (
	"context"
	"fmt"
	"net/http"
	"time"
	"unicode/utf8"

	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/predicate"
	"github.com/assayhq/assay/ent/web/session"
)

// maxUserAgent is how much of a User-Agent header a session row keeps (the column's size).
const maxUserAgent = 512

// maxIP bounds the client IP kept on a session row (the column's size).
const maxIP = 64

// clientIP is the client address sessionManager.load put on the store's request.
func clientIP(r *http.Request) string { return truncateUTF8(r.RemoteAddr, maxIP) }

// truncateUTF8 cuts s to at most n bytes without splitting a UTF-8 sequence.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// live are the conditions of a session that has not timed out at now.
func (s *sessionStore) live(now time.Time) []predicate.Session {
	return []predicate.Session{
		session.ExpiresAtGT(now),
		session.CreatedAtGT(now.Add(-s.times.Absolute)),
		session.LastSeenAtGT(now.Add(-s.times.Idle)),
	}
}

// UserSessions returns the user's sessions that have not timed out, the most recently
// active first.
func (s *sessionStore) UserSessions(ctx context.Context, userID string) ([]*entweb.Session, error) {
	rows, err := s.db.Session.Query().
		Where(session.UserID(userID)).Where(s.live(s.now())...).
		Order(entweb.Desc(session.FieldLastSeenAt), entweb.Asc(session.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("session: list: %w", err)
	}
	return rows, nil
}

// RevokeSession ends one session of the user; it reports false when the user has no
// session with that id (another user's id included), and then changes nothing.
func (s *sessionStore) RevokeSession(ctx context.Context, userID, id string) (bool, error) {
	if userID == "" || id == "" {
		return false, nil
	}
	n, err := s.db.Session.Delete().Where(session.ID(id), session.UserID(userID)).Exec(ctx)
	if err != nil {
		return false, fmt.Errorf("session: revoke: %w", err)
	}
	return n > 0, nil
}

// RevokeUserSessions ends every session of the user except the one with id except
// (none when except is ""), and returns how many it ended. Password changes and resets
// call it so a stolen cookie stops working with the old password.
func (s *sessionStore) RevokeUserSessions(ctx context.Context, userID, except string) (int, error) {
	if userID == "" {
		return 0, nil
	}
	q := s.db.Session.Delete().Where(session.UserID(userID))
	if except != "" {
		q.Where(session.IDNEQ(except))
	}
	n, err := q.Exec(ctx)
	if err != nil {
		return 0, fmt.Errorf("session: revoke all: %w", err)
	}
	return n, nil
}
