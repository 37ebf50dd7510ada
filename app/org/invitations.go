package org

import (
	"context"
	"errors"
	"fmt"
	"time"

	entsql "entgo.io/ent/dialect/sql"

	"github.com/assayhq/assay/app/access"
	"github.com/assayhq/assay/app/auth"
	"github.com/assayhq/assay/app/tenant"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/invitation"
	"github.com/assayhq/assay/ent/web/membership"
	"github.com/assayhq/assay/ent/web/predicate"
)

// Invitation lifetimes and uses.
const (
	// InviteTTL is how long an invitation of either kind works.
	InviteTTL = 7 * 24 * time.Hour
	// LinkUses is how many people can join with one invitation link: enough for a team,
	// few enough that a leaked link cannot fill the organization.
	LinkUses = 25
)

// Invitation errors; InviteMessage says each to the person who opened the link.
var (
	ErrInviteInvalid = errors.New("org: invitation not valid")
	ErrInviteExpired = errors.New("org: invitation expired")
	ErrInviteRevoked = errors.New("org: invitation revoked")
	ErrInviteUsed    = errors.New("org: invitation already used")
	ErrEmailMismatch = errors.New("org: invitation is for another email")
	ErrLinkOwner     = errors.New("org: a link cannot invite owners")
)

// InviteMessage is what to tell the person whose invitation err refused, or "".
func InviteMessage(err error) string {
	switch {
	case errors.Is(err, ErrInviteInvalid):
		return "This invitation link is not valid. Check that you opened the whole link, or ask for a new invitation."
	case errors.Is(err, ErrInviteExpired):
		return "This invitation has expired. Ask the person who invited you for a new one."
	case errors.Is(err, ErrInviteRevoked):
		return "This invitation was withdrawn. Ask the organization's owners or admins if you should still join."
	case errors.Is(err, ErrInviteUsed):
		return "This invitation was already used. Ask for a new one if you still need to join."
	case errors.Is(err, ErrNoSeats):
		return "This organization has no seats left on its plan. Ask its owners to make room or upgrade."
	}
	return ""
}

// NewInvite is an invitation to create: Email empty makes a link invitation.
type NewInvite struct {
	Email string // lower case
	Role  string
}

// Invite creates an invitation in the actor's organization and returns it with the
// token to put in its link (32 random bytes, of which only the SHA-256 is stored). An
// email invitation works once; a link invitation LinkUses times and never grants owner.
// db may be a transaction's client, so the mail is written with the invitation.
func Invite(ctx context.Context, db *entweb.Client, a Actor, n NewInvite, now time.Time) (*entweb.Invitation, string, error) {
	if !ValidRole(n.Role) {
		return nil, "", ErrInvalidRole
	}
	if !a.Can(access.Invite) || (n.Role == access.RoleOwner && a.Role != access.RoleOwner) {
		return nil, "", ErrForbidden
	}
	if n.Email == "" && n.Role == access.RoleOwner {
		return nil, "", ErrLinkOwner
	}
	raw, hash := auth.NewLinkToken()
	uses := 1
	if n.Email == "" {
		uses = LinkUses
	}
	inv, err := db.Invitation.Create().SetOrgID(a.OrgID).SetEmail(n.Email).SetRole(invitation.Role(n.Role)).
		SetTokenHash(hash).SetInvitedBy(a.UserID).SetMaxUses(uses).SetExpiresAt(now.Add(InviteTTL)).
		Save(tenant.With(ctx, a.OrgID))
	if err != nil {
		return nil, "", fmt.Errorf("org: invite: %w", err)
	}
	return inv, raw, nil
}

// Pending lists the organization's invitations that still work, newest first. ctx must
// carry the organization as tenant.
func Pending(ctx context.Context, db *entweb.Client, now time.Time) ([]*entweb.Invitation, error) {
	invs, err := db.Invitation.Query().
		Where(invitation.RevokedAtIsNil(), invitation.ExpiresAtGT(now), usesLeft()).
		Order(entweb.Desc(invitation.FieldCreatedAt), entweb.Desc(invitation.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("org: pending invitations: %w", err)
	}
	return invs, nil
}

// Revoke withdraws the invitation id of the actor's organization; ErrNotMember (read:
// not found) if there is no such pending invitation.
func Revoke(ctx context.Context, db *entweb.Client, a Actor, id string, now time.Time) error {
	if !a.Can(access.Invite) {
		return ErrForbidden
	}
	n, err := db.Invitation.Update().Where(invitation.ID(id), invitation.RevokedAtIsNil()).
		SetRevokedAt(now).Save(tenant.With(ctx, a.OrgID))
	if err != nil {
		return fmt.Errorf("org: revoke invitation: %w", err)
	}
	if n == 0 {
		return ErrNotMember
	}
	return nil
}

// FindInvite returns the invitation whose token is raw if it still works.
func FindInvite(ctx context.Context, db *entweb.Client, raw string, now time.Time) (*entweb.Invitation, error) {
	if raw == "" || len(raw) > 128 {
		return nil, ErrInviteInvalid
	}
	inv, err := db.Invitation.Query().Where(invitation.TokenHash(auth.HashLinkToken(raw))).Only(tenant.System(ctx))
	if entweb.IsNotFound(err) {
		return nil, ErrInviteInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("org: load invitation: %w", err)
	}
	return inv, usable(inv, now)
}

// GetInvite returns the invitation id (remembered by the browser that opened its link)
// if it still works.
func GetInvite(ctx context.Context, db *entweb.Client, id string, now time.Time) (*entweb.Invitation, error) {
	inv, err := db.Invitation.Get(tenant.System(ctx), id)
	if entweb.IsNotFound(err) {
		return nil, ErrInviteInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("org: load invitation: %w", err)
	}
	return inv, usable(inv, now)
}

// Accept makes u a member of the invitation's organization with its role, in a
// transaction of its own. See AcceptTx.
func Accept(ctx context.Context, db *entweb.Client, id string, u *entweb.User, now time.Time) (*entweb.Invitation, error) {
	var inv *entweb.Invitation
	err := inTx(ctx, db, func(tx *entweb.Tx) error {
		var err error
		inv, err = AcceptTx(ctx, tx, id, u, now)
		return err
	})
	return inv, err
}

// AcceptTx uses one of the invitation's uses for u. An email invitation needs u's email
// to be the invited one (ErrEmailMismatch); accepting it confirms that address, since the
// link was mailed there. ErrAlreadyMember changes nothing.
func AcceptTx(ctx context.Context, tx *entweb.Tx, id string, u *entweb.User, now time.Time) (*entweb.Invitation, error) {
	sys := tenant.System(ctx)
	inv, err := GetInvite(ctx, tx.Client(), id, now)
	if err != nil {
		return nil, err
	}
	if inv.Email != "" && inv.Email != u.Email {
		return nil, ErrEmailMismatch
	}
	member, err := tx.Membership.Query().Where(membership.UserID(u.ID), membership.OrgID(inv.OrgID)).Exist(ctx)
	if err != nil {
		return nil, fmt.Errorf("org: accept: %w", err)
	}
	if member {
		return nil, ErrAlreadyMember
	}
	if err := checkSeats(ctx, tx.Client(), inv.OrgID); err != nil {
		return nil, err
	}
	n, err := tx.Invitation.Update().
		Where(invitation.ID(inv.ID), invitation.RevokedAtIsNil(), invitation.ExpiresAtGT(now), usesLeft()).
		AddUses(1).SetAcceptedAt(now).Save(sys)
	if err != nil {
		return nil, fmt.Errorf("org: accept: %w", err)
	}
	if n == 0 {
		return nil, ErrInviteUsed // taken by a concurrent acceptance
	}
	err = tx.Membership.Create().SetUserID(u.ID).SetOrgID(inv.OrgID).SetRole(membership.Role(inv.Role)).Exec(ctx)
	if entweb.IsConstraintError(err) {
		return nil, ErrAlreadyMember
	}
	if err != nil {
		return nil, fmt.Errorf("org: accept: membership: %w", err)
	}
	if inv.Email != "" && u.EmailVerifiedAt == nil {
		if err := tx.User.UpdateOneID(u.ID).SetEmailVerifiedAt(now).Exec(ctx); err != nil {
			return nil, fmt.Errorf("org: accept: verify email: %w", err)
		}
	}
	return inv, nil
}

// usesLeft keeps invitations with uses below max_uses.
func usesLeft() predicate.Invitation {
	return predicate.Invitation(entsql.FieldsLT(invitation.FieldUses, invitation.FieldMaxUses))
}

// usable says why inv no longer works, or nil.
func usable(inv *entweb.Invitation, now time.Time) error {
	switch {
	case inv.RevokedAt != nil:
		return ErrInviteRevoked
	case !now.Before(inv.ExpiresAt):
		return ErrInviteExpired
	case inv.Uses >= inv.MaxUses:
		return ErrInviteUsed
	}
	return nil
}
