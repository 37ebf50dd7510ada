package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/assayhq/assay/app/access"
	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/mail"
	"github.com/assayhq/assay/app/tenant"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/membership"
	"github.com/assayhq/assay/ent/web/organization"
	"github.com/assayhq/assay/ent/web/user"
)

// DefaultGrace is how long a scheduled deletion waits unless configured
// (DELETION_GRACE_PERIOD).
const DefaultGrace = 7 * 24 * time.Hour

// dateFormat is how deletion dates read in emails.
const dateFormat = "2 January 2006 15:04 UTC"

// LastOwnerError refuses to schedule an account's deletion while the user is the last
// owner of organizations that have other members: those need another owner, or their
// own deletion, first.
type LastOwnerError struct{ Orgs []string }

func (e *LastOwnerError) Error() string {
	return "lifecycle: last owner of " + strings.Join(e.Orgs, ", ")
}

// ErrNotOwner refuses an organization's deletion to anyone but its owners.
var ErrNotOwner = errors.New("lifecycle: only owners delete an organization")

// TenantPurger deletes an organization's data on the API side (its service endpoint
// DELETE /v1/internal/service/tenants/{org_id}); it must be idempotent.
type TenantPurger interface {
	PurgeTenant(ctx context.Context, orgID string) (Summary, error)
}

// Deletions schedules, cancels and carries out the deletion of accounts and
// organizations in the web database; the API side goes through a TenantPurger.
type Deletions struct {
	DB     *entweb.Client
	Audit  *audit.Log
	Outbox *mail.Outbox
	// Queue delivers the mails after each commit; nil leaves them to the mail sweep.
	Queue mail.Queue
	API   TenantPurger
	// Grace is the wait between scheduling and deleting; zero means DefaultGrace.
	Grace time.Duration
	Now   func() time.Time
	Log   *slog.Logger
}

func (d *Deletions) now() time.Time {
	if d.Now == nil {
		return time.Now().UTC()
	}
	return d.Now().UTC()
}

func (d *Deletions) grace() time.Duration {
	if d.Grace <= 0 {
		return DefaultGrace
	}
	return d.Grace
}

// ScheduleOrg schedules organization orgID's deletion by owner actorID and emails its
// members; it returns when the deletion will happen. Scheduling again keeps the first
// date.
func (d *Deletions) ScheduleOrg(ctx context.Context, orgID, actorID string) (time.Time, error) {
	m, err := d.DB.Membership.Query().Where(membership.OrgID(orgID), membership.UserID(actorID)).Only(ctx)
	if err != nil {
		return time.Time{}, fmt.Errorf("lifecycle: schedule org: %w", err)
	}
	if string(m.Role) != access.RoleOwner {
		return time.Time{}, ErrNotOwner
	}
	o, err := d.DB.Organization.Get(ctx, orgID)
	if err != nil {
		return time.Time{}, fmt.Errorf("lifecycle: schedule org: %w", err)
	}
	if o.DeleteAfter != nil {
		return *o.DeleteAfter, nil
	}
	at := d.now().Add(d.grace())
	emails, err := memberEmails(ctx, d.DB, orgID)
	if err != nil {
		return time.Time{}, err
	}
	var ids []string
	err = d.inTx(ctx, func(tx *entweb.Tx) error {
		if err := tx.Organization.UpdateOneID(orgID).SetDeleteAfter(at).SetDeletionRequestedBy(actorID).Exec(ctx); err != nil {
			return err
		}
		for _, to := range emails {
			id, err := d.Outbox.Add(ctx, tx.Client(), to, mail.TemplateOrgDeletionScheduled, mail.Data{
				OrgName: o.Name, Date: at.Format(dateFormat), Link: d.Outbox.Link("/settings/organization/delete")})
			if err != nil {
				return err
			}
			ids = append(ids, id)
		}
		_, err := d.Audit.AppendTx(ctx, tx, audit.Event{Name: audit.OrgDeletionScheduled, OrgID: orgID, ActorID: actorID,
			Target: orgID, Details: map[string]string{"delete_after": at.Format(time.RFC3339)}})
		return err
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("lifecycle: schedule org: %w", err)
	}
	d.send(ctx, ids)
	return at, nil
}

// CancelOrg cancels a scheduled deletion of orgID (owners only).
func (d *Deletions) CancelOrg(ctx context.Context, orgID, actorID string) error {
	m, err := d.DB.Membership.Query().Where(membership.OrgID(orgID), membership.UserID(actorID)).Only(ctx)
	if err != nil {
		return fmt.Errorf("lifecycle: cancel org: %w", err)
	}
	if string(m.Role) != access.RoleOwner {
		return ErrNotOwner
	}
	return d.inTx(ctx, func(tx *entweb.Tx) error {
		n, err := tx.Organization.Update().Where(organization.ID(orgID), organization.DeleteAfterNotNil()).
			ClearDeleteAfter().SetDeletionRequestedBy("").Save(ctx)
		if err != nil || n == 0 {
			return err
		}
		_, err = d.Audit.AppendTx(ctx, tx, audit.Event{Name: audit.OrgDeletionCancelled, OrgID: orgID, ActorID: actorID, Target: orgID})
		return err
	})
}

// BlockingOrgs returns the names of the organizations of which userID is the last owner
// while others are members too.
func (d *Deletions) BlockingOrgs(ctx context.Context, userID string) ([]string, error) {
	owned, err := d.DB.Membership.Query().
		Where(membership.UserID(userID), membership.RoleEQ(membership.RoleOwner)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("lifecycle: owned orgs: %w", err)
	}
	var names []string
	for _, m := range owned {
		owners, err := d.DB.Membership.Query().Where(membership.OrgID(m.OrgID), membership.RoleEQ(membership.RoleOwner)).Count(ctx)
		if err != nil {
			return nil, fmt.Errorf("lifecycle: owners: %w", err)
		}
		members, err := d.DB.Membership.Query().Where(membership.OrgID(m.OrgID)).Count(ctx)
		if err != nil {
			return nil, fmt.Errorf("lifecycle: members: %w", err)
		}
		if owners == 1 && members > 1 {
			o, err := d.DB.Organization.Get(ctx, m.OrgID)
			if err != nil {
				return nil, fmt.Errorf("lifecycle: owned org: %w", err)
			}
			names = append(names, o.Name)
		}
	}
	return names, nil
}

// ScheduleAccount schedules userID's account deletion, unless BlockingOrgs has any (a
// *LastOwnerError); it returns when the deletion will happen.
func (d *Deletions) ScheduleAccount(ctx context.Context, userID string) (time.Time, error) {
	blocking, err := d.BlockingOrgs(ctx, userID)
	if err != nil {
		return time.Time{}, err
	}
	if len(blocking) > 0 {
		return time.Time{}, &LastOwnerError{Orgs: blocking}
	}
	u, err := d.DB.User.Get(ctx, userID)
	if err != nil {
		return time.Time{}, fmt.Errorf("lifecycle: schedule account: %w", err)
	}
	if u.DeleteAfter != nil {
		return *u.DeleteAfter, nil
	}
	at := d.now().Add(d.grace())
	err = d.inTx(ctx, func(tx *entweb.Tx) error {
		if err := tx.User.UpdateOneID(userID).SetDeleteAfter(at).Exec(ctx); err != nil {
			return err
		}
		_, err := d.Audit.AppendTx(ctx, tx, audit.Event{Name: audit.AccountDeletionScheduled, ActorID: userID,
			TargetType: "user", Target: userID, Details: map[string]string{"delete_after": at.Format(time.RFC3339)}})
		return err
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("lifecycle: schedule account: %w", err)
	}
	return at, nil
}

// CancelAccount cancels userID's scheduled account deletion.
func (d *Deletions) CancelAccount(ctx context.Context, userID string) error {
	return d.inTx(ctx, func(tx *entweb.Tx) error {
		n, err := tx.User.Update().Where(user.ID(userID), user.DeleteAfterNotNil()).ClearDeleteAfter().Save(ctx)
		if err != nil || n == 0 {
			return err
		}
		_, err = d.Audit.AppendTx(ctx, tx, audit.Event{Name: audit.AccountDeletionCancelled, ActorID: userID, TargetType: "user", Target: userID})
		return err
	})
}

// memberEmails are the addresses of orgID's members (those that have one).
func memberEmails(ctx context.Context, db *entweb.Client, orgID string) ([]string, error) {
	ids, err := db.Membership.Query().Where(membership.OrgID(orgID)).Select(membership.FieldUserID).Strings(ctx)
	if err != nil {
		return nil, fmt.Errorf("lifecycle: members: %w", err)
	}
	emails, err := db.User.Query().Where(user.IDIn(ids...), user.EmailNotNil()).Select(user.FieldEmail).Strings(ctx)
	if err != nil {
		return nil, fmt.Errorf("lifecycle: member emails: %w", err)
	}
	return emails, nil
}

// inTx runs f in a transaction of the web database, in a system context (deletions
// cross tenants: a user's rows live in several organizations).
func (d *Deletions) inTx(ctx context.Context, f func(tx *entweb.Tx) error) error {
	tx, err := d.DB.Tx(tenant.System(ctx))
	if err != nil {
		return fmt.Errorf("lifecycle: begin: %w", err)
	}
	if err := f(tx); err != nil {
		return rollback(tx, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("lifecycle: commit: %w", err)
	}
	return nil
}

// send hands committed outbox rows to the queue; a failure leaves them to the sweep.
func (d *Deletions) send(ctx context.Context, ids []string) {
	if d.Queue == nil {
		return
	}
	for _, id := range ids {
		if err := d.Queue.Enqueue(ctx, id); err != nil && d.Log != nil {
			d.Log.WarnContext(ctx, "lifecycle: queue mail (the sweep will send it)", slog.String("mail_id", id), slog.Any("error", err))
		}
	}
}
