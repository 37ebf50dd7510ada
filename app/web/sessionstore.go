package web

import (
	"bytes"
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/gob"
	"encoding/hex"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/gorilla/securecookie"
	"github.com/gorilla/sessions"

	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/session"
)

// Session lifetimes, enforced on the server whatever the cookie says: the defaults of
// SESSION_IDLE_TIMEOUT and SESSION_MAX_AGE, how often last_seen_at is written, and how
// often timed-out rows are swept.
const (
	sessionIdle     = 30 * time.Minute
	sessionAbsolute = 12 * time.Hour
	sessionTouch    = time.Minute
	sessionSweep    = 10 * time.Minute
)

// sessionTimes are the idle and absolute timeouts; zero values take the defaults.
type sessionTimes struct {
	Idle, Absolute time.Duration
}

func (t sessionTimes) orDefaults() sessionTimes {
	if t.Idle <= 0 {
		t.Idle = sessionIdle
	}
	if t.Absolute <= 0 {
		t.Absolute = sessionAbsolute
	}
	return t
}

// sessionStore is a gorilla/sessions Store over the Session table. The cookie carries a
// random token (signed and encrypted with securecookie); the row id is the token's SHA-256,
// so the table never holds a usable cookie.
type sessionStore struct {
	db      *entweb.Client
	codecs  []securecookie.Codec
	options sessions.Options
	times   sessionTimes
	now     func() time.Time

	mu        sync.Mutex
	lastSweep time.Time
}

func newSessionStore(db *entweb.Client, secret string, secure bool, times sessionTimes) (*sessionStore, error) {
	times = times.orDefaults()
	if len(secret) < 32 {
		return nil, fmt.Errorf("web: SESSION_SECRET must be at least 32 characters")
	}
	hashKey, err := hkdf.Key(sha256.New, []byte(secret), nil, "assay session cookie mac", 64)
	if err != nil {
		return nil, fmt.Errorf("web: derive session keys: %w", err)
	}
	blockKey, err := hkdf.Key(sha256.New, []byte(secret), nil, "assay session cookie aes", 32)
	if err != nil {
		return nil, fmt.Errorf("web: derive session keys: %w", err)
	}
	sc := securecookie.New(hashKey, blockKey).MaxAge(int(times.Absolute / time.Second))
	return &sessionStore{
		db:     db,
		codecs: []securecookie.Codec{sc},
		options: sessions.Options{
			Path:     "/",
			MaxAge:   int(times.Absolute / time.Second),
			Secure:   secure,
			HttpOnly: true,
			SameSite: http.SameSiteLaxMode,
		},
		times: times,
		now:   func() time.Time { return time.Now().UTC() },
	}, nil
}

// Get returns the request's session, loading it once per request.
func (s *sessionStore) Get(r *http.Request, name string) (*sessions.Session, error) {
	return sessions.GetRegistry(r).Get(s, name)
}

// New loads the session named by the cookie, or starts an empty one when there is none,
// it does not decode, or it timed out. Only database failures are errors.
func (s *sessionStore) New(r *http.Request, name string) (*sessions.Session, error) {
	sess := s.empty(name)
	c, err := r.Cookie(name)
	if err != nil {
		return sess, nil
	}
	var token string
	if securecookie.DecodeMulti(name, c.Value, &token, s.codecs...) != nil || token == "" {
		return sess, nil
	}
	ctx := r.Context()
	id := tokenID(token)
	row, err := s.db.Session.Get(ctx, id)
	if entweb.IsNotFound(err) {
		return sess, nil
	}
	if err != nil {
		return sess, fmt.Errorf("session: load: %w", err)
	}
	now := s.now()
	if s.expired(row, now) {
		if err := s.db.Session.DeleteOneID(id).Exec(ctx); err != nil && !entweb.IsNotFound(err) {
			return sess, fmt.Errorf("session: delete expired: %w", err)
		}
		return sess, nil
	}
	if err := gob.NewDecoder(bytes.NewReader(row.Data)).Decode(&sess.Values); err != nil {
		// Data from an older shape is worth nothing; start over rather than fail.
		sess.Values = map[any]any{}
	}
	if now.Sub(row.LastSeenAt) >= sessionTouch {
		err := s.db.Session.UpdateOneID(id).SetLastSeenAt(now).SetIP(clientIP(r)).Exec(ctx)
		if entweb.IsNotFound(err) {
			// Deleted since it was read (a logout in another tab): no session.
			return s.empty(name), nil
		}
		if err != nil {
			return sess, fmt.Errorf("session: touch: %w", err)
		}
	}
	sess.ID = id
	sess.IsNew = false
	return sess, nil
}

// empty returns a new session without a row.
func (s *sessionStore) empty(name string) *sessions.Session {
	sess := sessions.NewSession(s, name)
	opts := s.options
	sess.Options = &opts
	sess.IsNew = true
	return sess
}

// Save writes the session row (creating it and its cookie if new), or deletes it and
// expires the cookie when Options.MaxAge < 0.
func (s *sessionStore) Save(r *http.Request, w http.ResponseWriter, sess *sessions.Session) error {
	ctx := r.Context()
	if sess.Options.MaxAge < 0 {
		if sess.ID != "" {
			if err := s.db.Session.DeleteOneID(sess.ID).Exec(ctx); err != nil && !entweb.IsNotFound(err) {
				return fmt.Errorf("session: delete: %w", err)
			}
		}
		sess.ID = ""
		http.SetCookie(w, sessions.NewCookie(sess.Name(), "", sess.Options))
		return nil
	}
	var data bytes.Buffer
	if err := gob.NewEncoder(&data).Encode(sess.Values); err != nil {
		return fmt.Errorf("session: encode: %w", err)
	}
	userID, _ := sess.Values[keyUserID].(string)
	now := s.now()
	if sess.ID != "" {
		err := s.db.Session.UpdateOneID(sess.ID).SetData(data.Bytes()).SetUserID(userID).SetLastSeenAt(now).Exec(ctx)
		if err == nil {
			return nil
		}
		if !entweb.IsNotFound(err) {
			return fmt.Errorf("session: update: %w", err)
		}
		// The row is gone (logged out elsewhere, swept): issue a new session.
	}
	s.sweep(ctx, now)
	token, err := randomToken()
	if err != nil {
		return err
	}
	id := tokenID(token)
	err = s.db.Session.Create().SetID(id).SetUserID(userID).SetData(data.Bytes()).
		SetCreatedAt(now).SetLastSeenAt(now).SetExpiresAt(now.Add(s.times.Absolute)).
		SetUserAgent(truncateUTF8(r.UserAgent(), maxUserAgent)).SetIP(clientIP(r)).Exec(ctx)
	if err != nil {
		return fmt.Errorf("session: create: %w", err)
	}
	encoded, err := securecookie.EncodeMulti(sess.Name(), token, s.codecs...)
	if err != nil {
		return fmt.Errorf("session: encode cookie: %w", err)
	}
	sess.ID = id
	sess.IsNew = false
	http.SetCookie(w, sessions.NewCookie(sess.Name(), encoded, sess.Options))
	return nil
}

// Renew drops the session's row and id so the next Save issues a new id: called at login
// and signup so a session fixed before authentication is worth nothing after it.
func (s *sessionStore) Renew(ctx context.Context, sess *sessions.Session) error {
	if sess.ID != "" {
		if err := s.db.Session.DeleteOneID(sess.ID).Exec(ctx); err != nil && !entweb.IsNotFound(err) {
			return fmt.Errorf("session: renew: %w", err)
		}
	}
	sess.ID = ""
	sess.IsNew = true
	sess.Values = map[any]any{}
	return nil
}

func (s *sessionStore) expired(row *entweb.Session, now time.Time) bool {
	return now.After(row.ExpiresAt) ||
		now.Sub(row.CreatedAt) >= s.times.Absolute ||
		now.Sub(row.LastSeenAt) >= s.times.Idle
}

// sweep deletes timed-out rows, at most once per sessionSweep per process; a failure
// only delays the cleanup.
func (s *sessionStore) sweep(ctx context.Context, now time.Time) {
	s.mu.Lock()
	due := now.Sub(s.lastSweep) >= sessionSweep
	if due {
		s.lastSweep = now
	}
	s.mu.Unlock()
	if !due {
		return
	}
	_, _ = s.db.Session.Delete().Where(session.Or(
		session.ExpiresAtLT(now),
		session.LastSeenAtLT(now.Add(-s.times.Idle)),
	)).Exec(ctx)
}

// tokenID is the row id of a cookie token.
func tokenID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
