// Package export builds an organization's full data export: the web database's rows of
// the organization, the API's rows and uploaded files (streamed from the API), as JSON
// and CSV in a zip with a manifest, stored in blob storage and offered to the owner who
// asked through a mailed, time-limited link. The request is a row first; a background
// run builds it, and a run that dies midway is taken over once its lease ends.
package export

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/assayhq/assay/app/access"
	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/mail"
	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/tenant"
	entweb "github.com/assayhq/assay/ent/web"
	entexport "github.com/assayhq/assay/ent/web/export"
	"github.com/assayhq/assay/ent/web/membership"
)

// Defaults of the configurable durations.
const (
	// DefaultLinkTTL is how long a download link works (EXPORT_LINK_TTL).
	DefaultLinkTTL = 7 * 24 * time.Hour
	// DefaultRateWindow is the least time between two exports of an organization.
	DefaultRateWindow = time.Hour
	// DefaultLease is how long a build may run (it is cancelled then) before another
	// run takes it over; the API's stream is bounded a little shorter.
	DefaultLease = 45 * time.Minute
	// retryDelay is the wait before a failed build is tried again.
	retryDelay = time.Minute
	// maxAttempts is how many builds an export gets before it is marked failed.
	maxAttempts = 3
)

// The export mails (views/emails/export_*.*): the download link, and a build that failed
// for good.
const (
	TemplateReady  = "export_ready"
	TemplateFailed = "export_failed"
)

// pathRequest is the web page where owners ask for an export.
const pathRequest = "/settings/organization/export"

// PathDownload is the web path of a download link; the token follows it.
const PathDownload = "/exports/"

// Errors of requests and downloads.
var (
	ErrNotOwner = errors.New("export: only owners export an organization")
	ErrPending  = errors.New("export: an export of this organization is already being prepared")
	// ErrLinkInvalid is a token that names no export (never issued, or deleted).
	ErrLinkInvalid = errors.New("export: unknown download link")
	ErrLinkExpired = errors.New("export: download link expired")
	// ErrLinkOtherOrg is a link opened by someone who is not an owner of its organization.
	ErrLinkOtherOrg = errors.New("export: download link of another organization")
	// ErrDisabled answers every request when no blob storage is configured.
	ErrDisabled = errors.New("export: exports need blob storage (BLOB_DIR)")
)

// RateLimitedError refuses a request made too soon after the previous export.
type RateLimitedError struct{ RetryAt time.Time }

func (e *RateLimitedError) Error() string {
	return "export: rate limited until " + e.RetryAt.Format(time.RFC3339)
}

// TenantSource streams an organization's API data (the API's service endpoint
// GET /v1/internal/service/tenants/{org_id}/export) as export.Line lines.
type TenantSource interface {
	StreamTenant(ctx context.Context, orgID string) (io.ReadCloser, error)
}

// Exports requests, builds, serves and expires organization exports.
type Exports struct {
	DB    *entweb.Client
	Blobs platform.Blobs // nil turns exports off (ErrDisabled)
	API   TenantSource
	Audit *audit.Log
	// Outbox renders the mail with the link; Queue delivers it after the commit (nil
	// leaves it to the mail sweep).
	Outbox *mail.Outbox
	Queue  mail.Queue
	// LinkTTL, RateWindow and Lease default to DefaultLinkTTL, DefaultRateWindow and
	// DefaultLease when zero.
	LinkTTL    time.Duration
	RateWindow time.Duration
	Lease      time.Duration
	Now        func() time.Time
	Log        *slog.Logger

	runner runner
}

func (x *Exports) now() time.Time {
	if x.Now == nil {
		return time.Now().UTC()
	}
	return x.Now().UTC()
}

func (x *Exports) linkTTL() time.Duration { return orDefault(x.LinkTTL, DefaultLinkTTL) }
func (x *Exports) window() time.Duration  { return orDefault(x.RateWindow, DefaultRateWindow) }
func (x *Exports) lease() time.Duration   { return orDefault(x.Lease, DefaultLease) }

func orDefault(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

func (x *Exports) log() *slog.Logger {
	if x.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return x.Log
}

// Enabled reports whether exports can be built here.
func (x *Exports) Enabled() bool { return x.Blobs != nil && x.API != nil }

// isOwner reports whether userID is an owner of orgID.
func (x *Exports) isOwner(ctx context.Context, orgID, userID string) (bool, error) {
	n, err := x.DB.Membership.Query().Where(membership.OrgID(orgID), membership.UserID(userID),
		membership.RoleEQ(membership.Role(access.RoleOwner))).Count(tenant.System(ctx))
	if err != nil {
		return false, fmt.Errorf("export: membership: %w", err)
	}
	return n > 0, nil
}

// Request records owner actorID's request for an export of orgID and wakes the runner.
// One export per organization is unfinished at a time (ErrPending), and a new one
// waits RateWindow after the previous one (*RateLimitedError).
func (x *Exports) Request(ctx context.Context, orgID, actorID, actorEmail string) (*entweb.Export, error) {
	if !x.Enabled() {
		return nil, ErrDisabled
	}
	ctx = tenant.System(ctx)
	owner, err := x.isOwner(ctx, orgID, actorID)
	if err != nil {
		return nil, err
	}
	if !owner {
		return nil, ErrNotOwner
	}
	busy, err := x.DB.Export.Query().Where(entexport.ActiveOrg(orgID)).Exist(ctx)
	if err != nil {
		return nil, fmt.Errorf("export: request: %w", err)
	}
	if busy {
		return nil, ErrPending
	}
	now := x.now()
	last, err := x.DB.Export.Query().Where(entexport.OrgID(orgID), entexport.StatusNEQ(entexport.StatusFailed),
		entexport.CreatedAtGT(now.Add(-x.window()))).Order(entweb.Desc(entexport.FieldCreatedAt)).First(ctx)
	if err != nil && !entweb.IsNotFound(err) {
		return nil, fmt.Errorf("export: request: %w", err)
	}
	if last != nil {
		return nil, &RateLimitedError{RetryAt: last.CreatedAt.Add(x.window())}
	}
	var row *entweb.Export
	err = x.inTx(ctx, func(tx *entweb.Tx) error {
		var err error
		row, err = tx.Export.Create().SetOrgID(orgID).SetRequestedBy(actorID).SetActiveOrg(orgID).
			SetCreatedAt(now).SetUpdatedAt(now).Save(ctx)
		if err != nil {
			return err
		}
		_, err = x.Audit.AppendTx(ctx, tx, audit.Event{Name: audit.ExportRequested, OrgID: orgID, ActorID: actorID,
			ActorEmail: actorEmail, TargetType: "export", Target: row.ID})
		return err
	})
	if entweb.IsConstraintError(err) {
		return nil, ErrPending // another request won the race for the organization's slot
	}
	if err != nil {
		return nil, fmt.Errorf("export: request: %w", err)
	}
	x.Wake()
	return row, nil
}

// Recent lists orgID's exports, newest first.
func (x *Exports) Recent(ctx context.Context, orgID string, limit int) ([]*entweb.Export, error) {
	rows, err := x.DB.Export.Query().Where(entexport.OrgID(orgID)).
		Order(entweb.Desc(entexport.FieldCreatedAt), entweb.Desc(entexport.FieldID)).Limit(limit).All(tenant.System(ctx))
	if err != nil {
		return nil, fmt.Errorf("export: list: %w", err)
	}
	return rows, nil
}

// Download opens the zip of the export whose link token is token for userID, who must
// be an owner of its organization, and records the download.
func (x *Exports) Download(ctx context.Context, token, userID, userEmail string) (*entweb.Export, io.ReadCloser, error) {
	ctx = tenant.System(ctx)
	if token == "" || x.Blobs == nil {
		return nil, nil, ErrLinkInvalid
	}
	row, err := x.DB.Export.Query().Where(entexport.TokenHash(HashToken(token))).Only(ctx)
	if entweb.IsNotFound(err) {
		return nil, nil, ErrLinkInvalid
	}
	if err != nil {
		return nil, nil, fmt.Errorf("export: download: %w", err)
	}
	owner, err := x.isOwner(ctx, row.OrgID, userID)
	if err != nil {
		return nil, nil, err
	}
	if !owner {
		return nil, nil, ErrLinkOtherOrg
	}
	now := x.now()
	if row.Status != entexport.StatusReady || row.ExpiresAt == nil || !now.Before(*row.ExpiresAt) {
		return nil, nil, ErrLinkExpired
	}
	rc, err := x.Blobs.Open(ctx, row.BlobKey)
	if errors.Is(err, platform.ErrBlobNotFound) {
		return nil, nil, ErrLinkExpired
	}
	if err != nil {
		return nil, nil, fmt.Errorf("export: download: %w", err)
	}
	err = x.inTx(ctx, func(tx *entweb.Tx) error {
		if err := tx.Export.UpdateOneID(row.ID).SetDownloadedAt(now).Exec(ctx); err != nil {
			return err
		}
		_, err := x.Audit.AppendTx(ctx, tx, audit.Event{Name: audit.ExportDownloaded, OrgID: row.OrgID, ActorID: userID,
			ActorEmail: userEmail, TargetType: "export", Target: row.ID})
		return err
	})
	if err != nil {
		rc.Close()
		return nil, nil, fmt.Errorf("export: download: %w", err)
	}
	return row, rc, nil
}

// HashToken is what an export row keeps of its link's token: hex SHA-256.
func HashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// newToken is a random link token (256 bits, URL-safe).
func newToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("export: token: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// inTx runs f in a transaction of the web database.
func (x *Exports) inTx(ctx context.Context, f func(tx *entweb.Tx) error) error {
	tx, err := x.DB.Tx(tenant.System(ctx))
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := f(tx); err != nil {
		if rerr := tx.Rollback(); rerr != nil {
			return fmt.Errorf("%w (rollback: %v)", err, rerr)
		}
		return err
	}
	return tx.Commit()
}
