package export

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/assayhq/assay/app/mail"
	"github.com/assayhq/assay/app/tenant"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/auditentry"
	entexport "github.com/assayhq/assay/ent/web/export"
	"github.com/assayhq/assay/ent/web/featureflagoverride"
	"github.com/assayhq/assay/ent/web/invitation"
	"github.com/assayhq/assay/ent/web/membership"
	"github.com/assayhq/assay/ent/web/subscription"
	"github.com/assayhq/assay/ent/web/supportgrant"
	"github.com/assayhq/assay/ent/web/user"
)

// APIEntities are the API's entities an export holds, as the stream names them; each
// becomes api/<name>.json and .csv.
var APIEntities = []string{"datasets", "rule_sets", "tasks", "steps", "reports",
	"webhook_endpoints", "webhook_deliveries", "api_keys", "usage_counters", "audit_entries"}

// WebEntities are the web database's entities an export holds (web/<name>.json, .csv).
var WebEntities = []string{"organization", "members", "invitations", "subscriptions",
	"support_grants", "feature_flag_overrides", "audit_entries"}

// auditPage is how many audit entries one query reads.
const auditPage = 1000

// dateFormat is how the link's expiry reads in the mail.
const dateFormat = "2 January 2006 15:04 UTC"

// Build builds export id if it is due (claiming it, so concurrent runs build it once):
// the zip goes to blob storage, then one transaction marks it ready with the link's
// token hash and writes the mail with the link. A failure puts it back to wait, or
// marks it failed after maxAttempts.
func (x *Exports) Build(ctx context.Context, id string) error {
	if !x.Enabled() {
		return ErrDisabled
	}
	ctx = tenant.System(ctx)
	row, ok, err := x.claim(ctx, id)
	if err != nil || !ok {
		return err
	}
	// The build ends before its lease does, so a run that takes over never races it.
	ctx, cancel := context.WithTimeout(ctx, x.lease()-time.Second)
	defer cancel()
	key := "exports/" + row.OrgID + "/" + row.ID + ".zip"
	size, err := x.buildZip(ctx, row, key)
	if err == nil {
		err = x.finish(ctx, row, key, size)
	}
	if err != nil {
		if x.Blobs != nil {
			_ = x.Blobs.Delete(context.WithoutCancel(ctx), key)
		}
		x.failed(context.WithoutCancel(ctx), row, err)
		return err
	}
	return nil
}

// claim takes export id for this run: pending and not waiting for a retry, or building
// with its lease over. The update is conditional, so one run wins.
func (x *Exports) claim(ctx context.Context, id string) (*entweb.Export, bool, error) {
	now := x.now()
	n, err := x.DB.Export.Update().Where(entexport.ID(id), entexport.Or(
		entexport.And(entexport.StatusEQ(entexport.StatusPending),
			entexport.Or(entexport.LeaseUntilIsNil(), entexport.LeaseUntilLTE(now))),
		entexport.And(entexport.StatusEQ(entexport.StatusBuilding), entexport.LeaseUntilLTE(now)),
	)).SetStatus(entexport.StatusBuilding).SetLeaseUntil(now.Add(x.lease())).AddAttempts(1).SetUpdatedAt(now).Save(ctx)
	if err != nil {
		return nil, false, fmt.Errorf("export: claim: %w", err)
	}
	if n == 0 {
		return nil, false, nil
	}
	row, err := x.DB.Export.Get(ctx, id)
	if err != nil {
		return nil, false, fmt.Errorf("export: claim: %w", err)
	}
	return row, true, nil
}

// failed records a failed build: back to pending after retryDelay, or failed for good,
// when the requester is mailed in the same transaction.
func (x *Exports) failed(ctx context.Context, row *entweb.Export, cause error) {
	x.log().WarnContext(ctx, "export: build failed", slog.String("export_id", row.ID),
		slog.Int("attempt", row.Attempts), slog.Any("error", cause))
	now := x.now()
	final := row.Attempts >= maxAttempts
	var mailID string
	err := x.inTx(ctx, func(tx *entweb.Tx) error {
		u := tx.Export.Update().Where(entexport.ID(row.ID), entexport.StatusEQ(entexport.StatusBuilding),
			entexport.Attempts(row.Attempts)).SetUpdatedAt(now).SetError("the export could not be built")
		if final {
			u = u.SetStatus(entexport.StatusFailed).ClearActiveOrg().ClearLeaseUntil()
		} else {
			u = u.SetStatus(entexport.StatusPending).SetLeaseUntil(now.Add(retryDelay))
		}
		n, err := u.Save(ctx)
		if err != nil || n == 0 || !final {
			return err
		}
		mailID, err = x.mailRequester(ctx, tx, row, TemplateFailed, mail.Data{Link: x.Outbox.Link(pathRequest)})
		return err
	})
	if err != nil {
		x.log().WarnContext(ctx, "export: record failure", slog.String("export_id", row.ID), slog.Any("error", err))
		return
	}
	x.queueMail(ctx, mailID)
}

// mailRequester writes mail name to the user who asked for the export, in tx, with the
// organization's name added to d; no mail (and no error) when that user is gone.
func (x *Exports) mailRequester(ctx context.Context, tx *entweb.Tx, row *entweb.Export, name string, d mail.Data) (string, error) {
	requester, err := tx.User.Query().Where(user.ID(row.RequestedBy)).Only(ctx)
	if entweb.IsNotFound(err) || (err == nil && requester.Email == "") {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	org, err := tx.Organization.Get(ctx, row.OrgID)
	if err != nil {
		return "", err
	}
	d.OrgName = org.Name
	return x.Outbox.Add(ctx, tx.Client(), requester.Email, name, d)
}

// queueMail hands a written mail to the queue; the mail sweep sends it if that fails.
func (x *Exports) queueMail(ctx context.Context, mailID string) {
	if mailID == "" || x.Queue == nil {
		return
	}
	if err := x.Queue.Enqueue(ctx, mailID); err != nil {
		x.log().WarnContext(ctx, "export: queue mail (the sweep will send it)", slog.String("mail_id", mailID), slog.Any("error", err))
	}
}

// buildZip stages every file and streams the zip into blob storage under key.
func (x *Exports) buildZip(ctx context.Context, row *entweb.Export, key string) (int64, error) {
	s, err := newStage()
	if err != nil {
		return 0, err
	}
	defer s.close()
	if err := x.stageWeb(ctx, s, row.OrgID); err != nil {
		return 0, err
	}
	if err := x.stageAPI(ctx, s, row.OrgID); err != nil {
		return 0, err
	}
	m := Manifest{Format: 1, ExportID: row.ID, OrgID: row.OrgID, CreatedAt: x.now().Truncate(time.Second)}
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(s.writeZip(pw, m)) }()
	n, err := x.Blobs.Put(ctx, key, pr)
	pr.CloseWithError(err) // unblocks the writer if Put stopped early
	if err != nil {
		return 0, fmt.Errorf("export: store zip: %w", err)
	}
	return n, nil
}

// finish marks the export ready, with a new link token, and writes the mail with the
// link in the same transaction; the mail is queued after the commit.
func (x *Exports) finish(ctx context.Context, row *entweb.Export, key string, size int64) error {
	token, err := newToken()
	if err != nil {
		return err
	}
	now := x.now()
	expires := now.Add(x.linkTTL())
	var mailID string
	err = x.inTx(ctx, func(tx *entweb.Tx) error {
		n, err := tx.Export.Update().Where(entexport.ID(row.ID), entexport.StatusEQ(entexport.StatusBuilding),
			entexport.Attempts(row.Attempts)).
			SetStatus(entexport.StatusReady).ClearActiveOrg().ClearLeaseUntil().SetError("").
			SetBlobKey(key).SetSizeBytes(size).SetTokenHash(HashToken(token)).
			SetExpiresAt(expires).SetCompletedAt(now).SetUpdatedAt(now).Save(ctx)
		if err != nil {
			return err
		}
		if n == 0 {
			return errors.New("export: finish: the build was taken over")
		}
		mailID, err = x.mailRequester(ctx, tx, row, TemplateReady, mail.Data{
			Link: x.Outbox.Link(PathDownload + token), Expires: expiresIn(x.linkTTL()), Date: expires.Format(dateFormat)})
		return err
	})
	if err != nil {
		return fmt.Errorf("export: finish: %w", err)
	}
	x.queueMail(ctx, mailID)
	return nil
}

// expiresIn is a link lifetime in words.
func expiresIn(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		if n := int(d / (24 * time.Hour)); n != 1 {
			return fmt.Sprintf("%d days", n)
		}
		return "1 day"
	}
	if d%time.Hour == 0 {
		if n := int(d / time.Hour); n != 1 {
			return fmt.Sprintf("%d hours", n)
		}
		return "1 hour"
	}
	return d.String()
}

// stageWeb writes the web database's entities of orgID.
func (x *Exports) stageWeb(ctx context.Context, s *stage, orgID string) error {
	db := x.DB
	tctx := tenant.With(ctx, orgID)
	write := func(name string, fill func(e *entityFile) error) error {
		e, err := s.entity("web/" + name)
		if err != nil {
			return err
		}
		if err := fill(e); err != nil {
			return fmt.Errorf("export: web %s: %w", name, err)
		}
		return e.finish()
	}
	rows := func(e *entityFile, list any) error {
		b, err := json.Marshal(list)
		if err != nil {
			return err
		}
		var items []json.RawMessage
		if err := json.Unmarshal(b, &items); err != nil {
			return err
		}
		for _, it := range items {
			var v map[string]json.RawMessage
			if err := json.Unmarshal(it, &v); err != nil {
				return err
			}
			r, err := Redact(v)
			if err != nil {
				return err
			}
			if err := e.add(r); err != nil {
				return err
			}
		}
		return nil
	}
	return errors.Join(
		write("organization", func(e *entityFile) error {
			o, err := db.Organization.Get(ctx, orgID)
			if err != nil {
				return err
			}
			return rows(e, []*entweb.Organization{o})
		}),
		write("members", func(e *entityFile) error { return x.members(ctx, e, orgID) }),
		write("invitations", func(e *entityFile) error {
			l, err := db.Invitation.Query().Where(invitation.OrgID(orgID)).Order(invitation.ByID()).All(tctx)
			if err != nil {
				return err
			}
			return rows(e, l)
		}),
		write("subscriptions", func(e *entityFile) error {
			l, err := db.Subscription.Query().Where(subscription.OrgID(orgID)).Order(subscription.ByID()).All(tctx)
			if err != nil {
				return err
			}
			return rows(e, l)
		}),
		write("support_grants", func(e *entityFile) error {
			l, err := db.SupportGrant.Query().Where(supportgrant.OrgID(orgID)).Order(supportgrant.ByID()).All(ctx)
			if err != nil {
				return err
			}
			return rows(e, l)
		}),
		write("feature_flag_overrides", func(e *entityFile) error {
			l, err := db.FeatureFlagOverride.Query().Where(featureflagoverride.OrgID(orgID)).Order(featureflagoverride.ByID()).All(ctx)
			if err != nil {
				return err
			}
			return rows(e, l)
		}),
		write("audit_entries", func(e *entityFile) error {
			var after int64
			for {
				l, err := db.AuditEntry.Query().Where(auditentry.OrgID(orgID), auditentry.IDGT(after)).
					Order(auditentry.ByID()).Limit(auditPage).All(ctx)
				if err != nil {
					return err
				}
				if err := rows(e, l); err != nil {
					return err
				}
				if len(l) < auditPage {
					return nil
				}
				after = l[len(l)-1].ID
			}
		}),
	)
}

// member is a member of the organization as an export lists it: who and with which
// role, nothing of their credentials.
type member struct {
	ID           string    `json:"id"`
	Email        string    `json:"email"`
	Role         string    `json:"role"`
	MembershipID string    `json:"membership_id"`
	JoinedAt     time.Time `json:"joined_at"`
}

func (x *Exports) members(ctx context.Context, e *entityFile, orgID string) error {
	ms, err := x.DB.Membership.Query().Where(membership.OrgID(orgID)).Order(membership.ByID()).All(ctx)
	if err != nil {
		return err
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.UserID
	}
	users, err := x.DB.User.Query().Where(user.IDIn(ids...)).Select(user.FieldID, user.FieldEmail).All(ctx)
	if err != nil {
		return err
	}
	email := map[string]string{}
	for _, u := range users {
		email[u.ID] = u.Email
	}
	for _, m := range ms {
		if err := e.addValue(member{ID: m.UserID, Email: email[m.UserID], Role: string(m.Role),
			MembershipID: m.ID, JoinedAt: m.CreatedAt}); err != nil {
			return err
		}
	}
	return nil
}

// stageAPI reads the API's stream of orgID's data into api/<entity> files and the
// uploaded files, checking each file's size and SHA-256 and the final counts.
func (x *Exports) stageAPI(ctx context.Context, s *stage, orgID string) error {
	rc, err := x.API.StreamTenant(ctx, orgID)
	if err != nil {
		return fmt.Errorf("export: api: %w", err)
	}
	defer rc.Close()
	files := map[string]*entityFile{}
	entity := func(name string) (*entityFile, error) {
		if e, ok := files[name]; ok {
			return e, nil
		}
		if !slices.Contains(APIEntities, name) {
			return nil, fmt.Errorf("export: api: unknown entity %q", name)
		}
		e, err := s.entity("api/" + name)
		if err != nil {
			return nil, err
		}
		files[name] = e
		return e, nil
	}
	got := map[string]int64{}
	var cur *stagedFile
	dec := json.NewDecoder(rc)
	for {
		var l Line
		if err := dec.Decode(&l); err != nil {
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return fmt.Errorf("export: api stream cut short: %w", err)
		}
		switch l.Type {
		case LineRow:
			if cur != nil {
				return errors.New("export: api: row inside a file")
			}
			e, err := entity(l.Entity)
			if err != nil {
				return err
			}
			if err := e.add(l.Data); err != nil {
				return err
			}
			got[l.Entity]++
		case LineFile:
			if cur != nil || !strings.HasPrefix(l.Path, "files/") {
				return fmt.Errorf("export: api: bad file %q", l.Path)
			}
			if cur, err = s.file(l.Path); err != nil {
				return err
			}
		case LineChunk:
			if cur == nil {
				return errors.New("export: api: chunk outside a file")
			}
			if err := cur.write(l.Chunk); err != nil {
				return err
			}
		case LineFileEnd:
			if cur == nil || cur.path != l.Path {
				return errors.New("export: api: file end outside its file")
			}
			if err := cur.finish(l.Size, l.SHA256); err != nil {
				return err
			}
			cur = nil
			got["files"]++
		case LineEnd:
			if cur != nil {
				return errors.New("export: api: stream ended inside a file")
			}
			for k, n := range l.Counts {
				if got[k] != n {
					return fmt.Errorf("export: api: %s: got %d of %d", k, got[k], n)
				}
			}
			for _, name := range APIEntities {
				e, err := entity(name)
				if err != nil {
					return err
				}
				if err := e.finish(); err != nil {
					return err
				}
			}
			return nil
		case LineError:
			return fmt.Errorf("export: api: %s", l.Error)
		default:
			return fmt.Errorf("export: api: unknown line %q", l.Type)
		}
	}
}
