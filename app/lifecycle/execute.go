package lifecycle

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/mail"
	"github.com/assayhq/assay/app/store"
	"github.com/assayhq/assay/app/tenant"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/auditentry"
	"github.com/assayhq/assay/ent/web/deletionreceipt"
	"github.com/assayhq/assay/ent/web/membership"
	"github.com/assayhq/assay/ent/web/organization"
	"github.com/assayhq/assay/ent/web/outgoingmail"
	"github.com/assayhq/assay/ent/web/task"
	"github.com/assayhq/assay/ent/web/user"
	"github.com/assayhq/assay/schema"
)

// Web tables a deletion treats apart from the generic sweep: the audit log is
// anonymized, not deleted; receipts outlive what they describe; the task view of an
// organization that remains keeps its rows without the deleted author.
const (
	tableAuditEntries = "audit_entries"
	tableReceipts     = "deletion_receipts"
	tableTasks        = "tasks"
	tableOrgs         = "organizations"
	tableUsers        = "users"
)

// errGone rolls back a deletion that another process completed concurrently.
var errGone = errors.New("lifecycle: already deleted")

// dueBatch bounds the deletions one RunDue carries out.
const dueBatch = 50

// RunDue carries out every deletion whose grace period is over and returns how many
// it completed. A failure is logged and retried at the next run.
func (d *Deletions) RunDue(ctx context.Context) (int, error) {
	ctx = tenant.System(ctx)
	now := d.now()
	orgs, err := d.DB.Organization.Query().Where(organization.DeleteAfterLTE(now)).Limit(dueBatch).IDs(ctx)
	if err != nil {
		return 0, fmt.Errorf("lifecycle: due organizations: %w", err)
	}
	users, err := d.DB.User.Query().Where(user.DeleteAfterLTE(now)).Limit(dueBatch).IDs(ctx)
	if err != nil {
		return 0, fmt.Errorf("lifecycle: due accounts: %w", err)
	}
	done := 0
	for _, id := range orgs {
		if _, err := d.DeleteOrg(ctx, id); err != nil {
			d.warn(ctx, "lifecycle: delete organization", id, err)
			continue
		}
		done++
	}
	for _, id := range users {
		if _, err := d.DeleteAccount(ctx, id); err != nil {
			d.warn(ctx, "lifecycle: delete account", id, err)
			continue
		}
		done++
	}
	return done, nil
}

func (d *Deletions) warn(ctx context.Context, msg, id string, err error) {
	if d.Log != nil {
		d.Log.WarnContext(ctx, msg, slog.String("id", id), slog.Any("error", err))
	}
}

// DeleteOrg hard-deletes organization orgID now: its API data first (idempotent, so a
// failure after it is retried safely), then in one web transaction every row with its
// org_id and the organization, with its audit entries anonymized, a receipt, an
// audit entry and a mail to each former member. It returns the receipt id ("" when the
// organization is already gone).
func (d *Deletions) DeleteOrg(ctx context.Context, orgID string) (string, error) {
	return d.deleteOrg(ctx, orgID, true)
}

func (d *Deletions) deleteOrg(ctx context.Context, orgID string, notify bool) (string, error) {
	ctx = tenant.System(ctx)
	o, err := d.DB.Organization.Get(ctx, orgID)
	if entweb.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("lifecycle: delete org: %w", err)
	}
	var emails []string
	if notify {
		if emails, err = memberEmails(ctx, d.DB, orgID); err != nil {
			return "", err
		}
	}
	sum, err := d.API.PurgeTenant(ctx, orgID)
	if err != nil {
		return "", fmt.Errorf("lifecycle: delete org: api: %w", err)
	}
	tables, err := store.Tables(schema.Web)
	if err != nil {
		return "", err
	}
	now := d.now()
	requested := now
	if o.DeleteAfter != nil {
		requested = o.DeleteAfter.Add(-d.grace())
	}
	var receipt string
	var ids []string
	err = d.inTx(ctx, func(tx *entweb.Tx) error {
		web := Summary{}
		if err := deleteWhere(ctx, tx, TablesWith(tables, ColumnOrgID, tableAuditEntries, tableReceipts), ColumnOrgID, orgID, &web); err != nil {
			return err
		}
		if err := deleteWhere(ctx, tx, []string{tableOrgs}, "id", orgID, &web); err != nil {
			return err
		}
		if web.Rows[tableOrgs] == 0 {
			return errGone // another instance finished it first
		}
		if _, err := audit.Anonymize(ctx, tx, now, auditentry.OrgID(orgID)); err != nil {
			return err
		}
		sum.Merge(web)
		if receipt, err = d.receipt(ctx, tx, deletionreceipt.KindOrganization, orgID, requested, now, sum); err != nil {
			return err
		}
		if _, err := d.Audit.AppendTx(ctx, tx, audit.Event{Name: audit.OrgDeleted, OrgID: orgID, ActorID: o.DeletionRequestedBy,
			ActorEmail: "-", Target: orgID, Details: map[string]string{"receipt": receipt}}); err != nil {
			return err
		}
		for _, to := range emails {
			id, err := d.Outbox.Add(ctx, tx.Client(), to, mail.TemplateOrgDeleted, mail.Data{
				OrgName: o.Name, Date: now.Format(dateFormat), Receipt: receipt})
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		return nil
	})
	if errors.Is(err, errGone) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("lifecycle: delete org: %w", err)
	}
	d.send(ctx, ids)
	return receipt, nil
}

// DeleteAccount hard-deletes userID now: first each organization it is the only member
// of (as DeleteOrg), then in one web transaction every row with its user_id, its mail
// still in the outbox, the user, and the personal fields of the audit entries about it,
// with a receipt mailed to the address it had. A user who became the last owner of a
// shared organization since scheduling is left scheduled, and the run logs why.
func (d *Deletions) DeleteAccount(ctx context.Context, userID string) (string, error) {
	ctx = tenant.System(ctx)
	u, err := d.DB.User.Get(ctx, userID)
	if entweb.IsNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("lifecycle: delete account: %w", err)
	}
	if blocking, err := d.BlockingOrgs(ctx, userID); err != nil || len(blocking) > 0 {
		if err == nil {
			err = &LastOwnerError{Orgs: blocking}
		}
		return "", err
	}
	solo, err := d.soloOrgs(ctx, userID)
	if err != nil {
		return "", err
	}
	sum := Summary{}
	var names []string
	for _, o := range solo {
		if _, err := d.deleteOrg(ctx, o.ID, false); err != nil {
			return "", err
		}
		names = append(names, o.Name)
		sum.add(tableOrgs, 1)
	}
	tables, err := store.Tables(schema.Web)
	if err != nil {
		return "", err
	}
	now := d.now()
	requested := now
	if u.DeleteAfter != nil {
		requested = u.DeleteAfter.Add(-d.grace())
	}
	email := u.Email
	var receipt, mailID string
	err = d.inTx(ctx, func(tx *entweb.Tx) error {
		skip := []string{tableAuditEntries, tableReceipts, tableTasks}
		if err := deleteWhere(ctx, tx, TablesWith(tables, ColumnUserID, skip...), ColumnUserID, userID, &sum); err != nil {
			return err
		}
		if err := tx.Task.Update().Where(task.UserID(userID)).SetUserID("").Exec(ctx); err != nil {
			return err
		}
		where := auditentry.Or(auditentry.ActorID(userID), auditentry.TargetID(userID))
		if email != "" {
			where = auditentry.Or(where, auditentry.ActorEmail(email), auditentry.DetailsContains(email))
			if _, err := tx.OutgoingMail.Delete().Where(outgoingmail.To(email)).Exec(ctx); err != nil {
				return err
			}
		}
		if _, err := audit.Anonymize(ctx, tx, now, where); err != nil {
			return err
		}
		before := sum.Rows[tableUsers]
		if err := deleteWhere(ctx, tx, []string{tableUsers}, "id", userID, &sum); err != nil {
			return err
		}
		if sum.Rows[tableUsers] == before {
			return errGone
		}
		var err error
		if receipt, err = d.receipt(ctx, tx, deletionreceipt.KindAccount, userID, requested, now, sum); err != nil {
			return err
		}
		if _, err := d.Audit.AppendTx(ctx, tx, audit.Event{Name: audit.AccountDeleted, ActorID: userID, ActorEmail: "-",
			TargetType: "user", Target: userID, Details: map[string]string{"receipt": receipt}}); err != nil {
			return err
		}
		if email != "" {
			mailID, err = d.Outbox.Add(ctx, tx.Client(), email, mail.TemplateAccountDeleted, mail.Data{
				Date: now.Format(dateFormat), Receipt: receipt, OrgName: strings.Join(names, ", ")})
		}
		return err
	})
	if errors.Is(err, errGone) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("lifecycle: delete account: %w", err)
	}
	if mailID != "" {
		d.send(ctx, []string{mailID})
	}
	return receipt, nil
}

// soloOrgs are the organizations userID is the only member of.
func (d *Deletions) soloOrgs(ctx context.Context, userID string) ([]*entweb.Organization, error) {
	mine, err := d.DB.Membership.Query().Where(membership.UserID(userID)).Select(membership.FieldOrgID).Strings(ctx)
	if err != nil {
		return nil, fmt.Errorf("lifecycle: memberships: %w", err)
	}
	var out []*entweb.Organization
	for _, id := range mine {
		n, err := d.DB.Membership.Query().Where(membership.OrgID(id)).Count(ctx)
		if err != nil {
			return nil, fmt.Errorf("lifecycle: members: %w", err)
		}
		if n == 1 {
			o, err := d.DB.Organization.Get(ctx, id)
			if err != nil {
				return nil, fmt.Errorf("lifecycle: org: %w", err)
			}
			out = append(out, o)
		}
	}
	return out, nil
}

// SubjectHash is how a receipt names what was deleted: the hex SHA-256 of kind:id.
func SubjectHash(kind, id string) string {
	h := sha256.Sum256([]byte(kind + ":" + id))
	return hex.EncodeToString(h[:])
}

// receipt writes the deletion receipt and returns its id.
func (d *Deletions) receipt(ctx context.Context, tx *entweb.Tx, kind deletionreceipt.Kind, id string, requested, done time.Time, sum Summary) (string, error) {
	b, err := json.Marshal(sum)
	if err != nil {
		return "", fmt.Errorf("lifecycle: receipt: %w", err)
	}
	r, err := tx.DeletionReceipt.Create().SetKind(kind).SetSubjectHash(SubjectHash(string(kind), id)).
		SetRequestedAt(requested).SetCompletedAt(done).SetSummary(string(b)).Save(ctx)
	if err != nil {
		return "", fmt.Errorf("lifecycle: receipt: %w", err)
	}
	return r.ID, nil
}
