package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/webhook"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/idempotencykey"
)

// Idempotency keys (the IETF httpapi Idempotency-Key draft, as Stripe practises it).
const (
	idempotencyHeader = "Idempotency-Key"
	replayedHeader    = "Idempotent-Replayed"
	// idempotencyTTL is how long a key's response is replayed.
	idempotencyTTL = 24 * time.Hour
	// defaultLease is how long an in-progress key stays locked without renewal. The
	// request holding it renews it every third of the lease for as long as its handler
	// runs, however slowly an upload streams in, so only a crashed process lets it lapse;
	// a retry then takes the key over.
	defaultLease = time.Minute
	// maxStoredResponse bounds a stored response; our POSTs answer with small JSON.
	maxStoredResponse = 64 << 10
	// idemSealContext binds a sealed stored response to its row.
	idemSealContext = "idempotency:"
	// inProgressRetryAfter is the Retry-After, in seconds, of a 409 for a key in use.
	inProgressRetryAfter = "2"
)

// idempotency makes POSTs under /v1/api safe to retry. Without an Idempotency-Key header
// a request passes through unchanged. With one, the first request claims the key (the
// unique (org_id, key) index decides races) and its response is stored; a retry with the
// same request gets the stored response back with Idempotent-Replayed: true, a request
// with a different one 422, and a request while the first is still running 409.
//
// Bodies are streamed, never held: the first request's fingerprint (SHA-256 of method,
// path, sorted query, Content-Type and body) is computed while its handler reads the body,
// and stored with the response. A retry against a stored response reads and hashes its
// own body (bounded by the upload limit) before anything is replayed, so a different body
// under the same key can never get the stored response. A response is stored only when
// the handler read the whole body (else its fingerprint is unknown) and the answer is
// final: 2xx, or a 4xx other than 408, 425 and 429. After a 5xx or one of those the key is
// released, so the client can retry it.
type idempotency struct {
	db      *entapi.Client
	maxBody int64 // the most a retry's body is read to compare it
	lease   time.Duration
	log     *slog.Logger
	// sealer, when set, encrypts stored responses at rest: some carry a secret shown
	// once (a webhook endpoint's signing secret), which must not sit readable in a table.
	sealer *webhook.Sealer
}

func newIdempotency(db *entapi.Client, maxBody int64, lease time.Duration, sealer *webhook.Sealer, log *slog.Logger) idempotency {
	if maxBody <= 0 {
		maxBody = fallbackMaxBytes
	}
	if lease <= 0 {
		lease = defaultLease
	}
	return idempotency{db: db, maxBody: maxBody, lease: lease, sealer: sealer, log: log}
}

// held is a key this request claimed, fenced by its lock token.
type held struct{ id, token string }

func (m idempotency) handle(c fiber.Ctx) error {
	if c.Method() != fiber.MethodPost {
		return c.Next()
	}
	key, ok, err := idempotencyKey(c)
	if err != nil || !ok {
		if err != nil {
			return err
		}
		return c.Next()
	}
	fp := newFingerprint(c)
	row, h, err := m.claim(c.Context(), key, fp)
	if errors.Is(err, errKeyInProgress) {
		c.Set(fiber.HeaderRetryAfter, inProgressRetryAfter)
	}
	if err != nil {
		return err
	}
	if row != nil {
		return m.replay(c, row, fp)
	}
	return m.run(c, h, fp)
}

var (
	errKeyInProgress = apperr.Conflict("a request with this Idempotency-Key is still in progress; retry later")
	errKeyReused     = apperr.Invalid("Idempotency-Key reused with a different request")
)

// claim takes the key for this request, or returns its completed row to replay. A key
// past its expiry, or in progress past its lease (its request died), is taken over.
func (m idempotency) claim(ctx context.Context, key string, fp *fingerprint) (*entapi.IdempotencyKey, held, error) {
	for range 3 {
		now := time.Now().UTC()
		row, err := m.db.IdempotencyKey.Query().Where(idempotencykey.Key(key)).Only(ctx)
		switch {
		case entapi.IsNotFound(err):
			h := held{id: platform.NewID(), token: platform.NewID()}
			err := m.db.IdempotencyKey.Create().
				SetID(h.id).SetKey(key).SetMethod(fp.method).SetPath(fp.path).
				SetLockToken(h.token).SetLockedUntil(now.Add(m.lease)).
				SetExpiresAt(now.Add(idempotencyTTL)).
				Exec(ctx)
			if entapi.IsConstraintError(err) {
				continue // a concurrent request inserted it first
			}
			if err != nil {
				return nil, h, fmt.Errorf("idempotency: insert: %w", err)
			}
			return nil, h, nil
		case err != nil:
			return nil, held{}, fmt.Errorf("idempotency: load: %w", err)
		}
		abandoned := row.Status == idempotencykey.StatusInProgress && row.LockedUntil.Before(now)
		if !row.ExpiresAt.After(now) || abandoned {
			h, ok, err := m.takeOver(ctx, row, fp, now)
			if err != nil || ok {
				return nil, h, err
			}
			continue
		}
		if row.Status == idempotencykey.StatusInProgress {
			return nil, held{}, errKeyInProgress
		}
		return row, held{}, nil
	}
	return nil, held{}, errKeyInProgress
}

// takeOver claims an expired or abandoned row, unless someone else changed it first.
func (m idempotency) takeOver(ctx context.Context, row *entapi.IdempotencyKey, fp *fingerprint, now time.Time) (held, bool, error) {
	h := held{id: row.ID, token: platform.NewID()}
	n, err := m.db.IdempotencyKey.Update().
		Where(idempotencykey.ID(row.ID), idempotencykey.LockToken(row.LockToken)).
		SetStatus(idempotencykey.StatusInProgress).SetMethod(fp.method).SetPath(fp.path).
		SetFingerprint("").SetRequestBytes(0).SetLockToken(h.token).SetLockedUntil(now.Add(m.lease)).
		SetResponseStatus(0).SetResponseContentType("").ClearResponseBody().
		SetExpiresAt(now.Add(idempotencyTTL)).
		Save(ctx)
	if err != nil {
		return h, false, fmt.Errorf("idempotency: take over: %w", err)
	}
	if n == 1 {
		m.log.WarnContext(ctx, "api: idempotency key taken over", "key_id", row.ID, "status", row.Status)
	}
	return h, n == 1, nil
}

// run calls the handler holding the key, then stores its response or releases the key.
func (m idempotency) run(c fiber.Ctx, h held, fp *fingerprint) error {
	ctx := context.WithoutCancel(c.Context())
	fp.tee(c)
	stop := m.keepLocked(ctx, h)
	done := false
	defer func() {
		stop()
		if !done { // the handler panicked: let a retry run it again
			m.release(ctx, h)
		}
	}()
	if err := c.Next(); err != nil {
		if err := c.App().ErrorHandler(c, err); err != nil {
			return err
		}
	}
	stop()
	done = true
	m.finish(ctx, c, h, fp)
	return nil
}

// keepLocked renews the lease until the returned stop is called.
func (m idempotency) keepLocked(ctx context.Context, h held) (stop func()) {
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(m.lease / 3)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
				_, err := m.db.IdempotencyKey.Update().
					Where(idempotencykey.ID(h.id), idempotencykey.LockToken(h.token),
						idempotencykey.StatusEQ(idempotencykey.StatusInProgress)).
					SetLockedUntil(time.Now().UTC().Add(m.lease)).
					Save(ctx)
				if err != nil {
					m.log.WarnContext(ctx, "api: renew idempotency key", "key_id", h.id, "error", err)
				}
			}
		}
	}()
	var once sync.Once
	return func() { once.Do(func() { close(quit); wg.Wait() }) }
}

// finish stores a final response whose request was read whole; anything else releases
// the key.
func (m idempotency) finish(ctx context.Context, c fiber.Ctx, h held, fp *fingerprint) {
	res := c.Response()
	status := res.StatusCode()
	body := res.Body()
	if !storable(status) || len(body) > maxStoredResponse {
		m.release(ctx, h)
		return
	}
	sum, n, ok := fp.finish(c)
	if !ok {
		m.release(ctx, h)
		return
	}
	saved, err := m.db.IdempotencyKey.Update().
		Where(idempotencykey.ID(h.id), idempotencykey.LockToken(h.token),
			idempotencykey.StatusEQ(idempotencykey.StatusInProgress)).
		SetStatus(idempotencykey.StatusCompleted).SetFingerprint(sum).SetRequestBytes(n).
		SetResponseStatus(status).SetResponseContentType(string(res.Header.ContentType())).
		SetResponseBody(m.seal(h.id, body)).SetLockedUntil(time.Now().UTC()).
		Save(ctx)
	switch {
	case err != nil:
		m.log.ErrorContext(ctx, "api: store idempotent response", "key_id", h.id, "error", err)
		m.release(ctx, h)
	case saved == 0:
		m.log.WarnContext(ctx, "api: idempotency key lost its lease before the response was stored", "key_id", h.id)
	}
}

// release deletes the key this request holds, so a retry runs the request again.
func (m idempotency) release(ctx context.Context, h held) {
	_, err := m.db.IdempotencyKey.Delete().
		Where(idempotencykey.ID(h.id), idempotencykey.LockToken(h.token)).
		Exec(ctx)
	if err != nil { // the lease lapses and a retry takes the key over
		m.log.ErrorContext(ctx, "api: release idempotency key", "key_id", h.id, "error", err)
	}
}

// storable reports whether a response is final: retrying the request would answer the
// same. Server errors, timeouts and rate limits are not.
func storable(status int) bool {
	switch status {
	case http.StatusRequestTimeout, http.StatusTooEarly, http.StatusTooManyRequests:
		return false
	}
	return status >= 200 && status < 500
}

// replay answers with a stored response once the request is shown to be the same.
func (m idempotency) replay(c fiber.Ctx, row *entapi.IdempotencyKey, fp *fingerprint) error {
	if row.Method != fp.method || row.Path != fp.path {
		return errKeyReused
	}
	if cl := c.Request().Header.ContentLength(); cl >= 0 && int64(cl) != row.RequestBytes {
		return errKeyReused
	}
	sum, _, err := fp.readAll(c, max(m.maxBody, row.RequestBytes))
	if err != nil {
		return err
	}
	if sum != row.Fingerprint {
		return errKeyReused
	}
	body, err := m.open(row)
	if err != nil {
		return err
	}
	c.Set(replayedHeader, "true")
	c.Set(fiber.HeaderContentType, row.ResponseContentType)
	return c.Status(row.ResponseStatus).Send(body)
}

// seal is the stored form of a response body: sealed, bound to its key's row, when a
// sealer is configured.
func (m idempotency) seal(id string, body []byte) []byte {
	if m.sealer == nil || len(body) == 0 {
		return append([]byte(nil), body...)
	}
	return []byte(m.sealer.Seal(string(body), idemSealContext+id))
}

// open returns a stored body as sent. One that no configured key opens (the key was
// retired) cannot be replayed: the answer is an error, never the ciphertext.
func (m idempotency) open(row *entapi.IdempotencyKey) ([]byte, error) {
	if !webhook.IsSealed(row.ResponseBody) {
		return row.ResponseBody, nil
	}
	if m.sealer == nil {
		return nil, errors.New("api: a stored response is sealed and no key is configured")
	}
	plain, err := m.sealer.Open(string(row.ResponseBody), idemSealContext+row.ID)
	if err != nil {
		return nil, fmt.Errorf("api: open stored response of key %s: %w", row.ID, err)
	}
	return []byte(plain), nil
}
