package web

import (
	"fmt"
	"net/http"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/mail"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/membership"
	"github.com/assayhq/assay/ent/web/organization"
	"github.com/assayhq/assay/ent/web/user"
)

// ownerMail is one email, from template, to every owner of orgID who can receive mail;
// data fills it in from the organization.
type ownerMail struct {
	orgID    string
	template string
	data     func(org *entweb.Organization) mail.Data
}

// mailOwnersOnce handles an API event that tells the organization's owners something: in
// one transaction it records the webhook id and writes m to each owner; a webhook id seen
// before changes nothing. An organization that no longer exists gets no mail.
func (h webhooks) mailOwnersOnce(c fiber.Ctx, id, event string, m ownerMail) error {
	ctx := c.Context()
	tx, err := h.db.Tx(ctx)
	if err != nil {
		return fmt.Errorf("web: webhook: begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			_ = tx.Rollback()
		}
	}()
	err = tx.ReceivedWebhook.Create().SetID(id).SetSource("api").SetEvent(event).
		SetReceivedAt(h.now().UTC()).Exec(ctx)
	if entweb.IsConstraintError(err) {
		return c.Status(http.StatusOK).SendString("already received")
	}
	if err != nil {
		return fmt.Errorf("web: webhook: record: %w", err)
	}
	var ids []string
	if h.outbox != nil {
		if ids, err = h.writeOwnerMail(c, tx, m); err != nil {
			return err
		}
	}
	if err := tx.Commit(); err != nil {
		if entweb.IsConstraintError(err) {
			return c.Status(http.StatusOK).SendString("already received")
		}
		return fmt.Errorf("web: webhook: commit: %w", err)
	}
	committed = true
	if h.queue != nil {
		for _, mid := range ids {
			_ = h.queue.Enqueue(ctx, mid) // the mail pool's sweep sends what this misses
		}
	}
	return c.Status(http.StatusOK).SendString("ok")
}

// writeOwnerMail adds m to the outbox in tx for every owner who can receive mail.
func (h webhooks) writeOwnerMail(c fiber.Ctx, tx *entweb.Tx, m ownerMail) ([]string, error) {
	ctx := c.Context()
	org, err := tx.Organization.Query().Where(organization.ID(m.orgID)).Only(ctx)
	if entweb.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("web: webhook: organization: %w", err)
	}
	owners, err := tx.Membership.Query().Where(membership.OrgID(m.orgID), membership.RoleEQ(membership.RoleOwner)).
		Select(membership.FieldUserID).Strings(ctx)
	if err != nil {
		return nil, fmt.Errorf("web: webhook: owners: %w", err)
	}
	emails, err := tx.User.Query().Where(user.IDIn(owners...), user.EmailNotNil(), user.DisabledAtIsNil()).
		Select(user.FieldEmail).Strings(ctx)
	if err != nil {
		return nil, fmt.Errorf("web: webhook: owner emails: %w", err)
	}
	data := m.data(org)
	var ids []string
	for _, to := range emails {
		id, err := h.outbox.Add(ctx, tx.Client(), to, m.template, data)
		if err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, nil
}
