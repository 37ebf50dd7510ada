package org

import (
	"context"
	"fmt"
	"time"

	"github.com/assayhq/assay/app/access"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/membership"
	"github.com/assayhq/assay/ent/web/user"
)

// Member is one person in an organization, as the members page lists them.
type Member struct {
	UserID string
	Email  string
	Role   string
	Joined time.Time
}

// Members lists the members of orgID, oldest first.
func Members(ctx context.Context, db *entweb.Client, orgID string) ([]Member, error) {
	ms, err := db.Membership.Query().Where(membership.OrgID(orgID)).
		Order(entweb.Asc(membership.FieldCreatedAt), entweb.Asc(membership.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("org: members: %w", err)
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.UserID
	}
	us, err := db.User.Query().Where(user.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("org: members: users: %w", err)
	}
	emails := make(map[string]string, len(us))
	for _, u := range us {
		emails[u.ID] = u.Email
	}
	out := make([]Member, len(ms))
	for i, m := range ms {
		out[i] = Member{UserID: m.UserID, Email: emails[m.UserID], Role: string(m.Role), Joined: m.CreatedAt}
	}
	return out, nil
}

// MayManage reports whether the actor may change the role of, or remove, a member whose
// role is target: the permission table first, then only owners touch owners.
func (a Actor) MayManage(act access.Action, target string) bool {
	return a.Can(act) && (target != access.RoleOwner || a.Role == access.RoleOwner)
}

// ChangeRole gives the member userID the role role. Only an owner may grant the owner
// role or change an owner's; the last owner cannot be demoted (ErrLastOwner).
func ChangeRole(ctx context.Context, db *entweb.Client, a Actor, userID, role string) error {
	if !ValidRole(role) {
		return ErrInvalidRole
	}
	if !a.Can(access.ChangeRoles) || (role == access.RoleOwner && a.Role != access.RoleOwner) {
		return ErrForbidden
	}
	return inTx(ctx, db, func(tx *entweb.Tx) error {
		m, err := lockedMember(ctx, tx, a.OrgID, userID)
		if err != nil {
			return err
		}
		if !a.MayManage(access.ChangeRoles, string(m.Role)) {
			return ErrForbidden
		}
		if string(m.Role) == role {
			return nil
		}
		if err := keepsAnOwner(ctx, tx, m); err != nil {
			return err
		}
		if err := tx.Membership.UpdateOne(m).SetRole(membership.Role(role)).Exec(ctx); err != nil {
			return fmt.Errorf("org: change role: %w", err)
		}
		return nil
	})
}

// Remove takes userID out of the actor's organization. An admin cannot remove an owner;
// nobody can remove the last owner. To remove oneself, Leave.
func Remove(ctx context.Context, db *entweb.Client, a Actor, userID string) error {
	if !a.Can(access.RemoveMembers) {
		return ErrForbidden
	}
	return inTx(ctx, db, func(tx *entweb.Tx) error {
		m, err := lockedMember(ctx, tx, a.OrgID, userID)
		if err != nil {
			return err
		}
		if !a.MayManage(access.RemoveMembers, string(m.Role)) {
			return ErrForbidden
		}
		return deleteMember(ctx, tx, m)
	})
}

// Leave takes userID out of orgID; the last owner cannot leave (ErrLastOwner).
func Leave(ctx context.Context, db *entweb.Client, userID, orgID string) error {
	return inTx(ctx, db, func(tx *entweb.Tx) error {
		m, err := lockedMember(ctx, tx, orgID, userID)
		if err != nil {
			return err
		}
		return deleteMember(ctx, tx, m)
	})
}

func deleteMember(ctx context.Context, tx *entweb.Tx, m *entweb.Membership) error {
	if err := keepsAnOwner(ctx, tx, m); err != nil {
		return err
	}
	if err := tx.Membership.DeleteOne(m).Exec(ctx); err != nil {
		return fmt.Errorf("org: remove member: %w", err)
	}
	return nil
}

// lockedMember locks the organization and loads userID's membership in it.
func lockedMember(ctx context.Context, tx *entweb.Tx, orgID, userID string) (*entweb.Membership, error) {
	if err := lockOrg(ctx, tx, orgID); err != nil {
		return nil, err
	}
	m, err := tx.Membership.Query().Where(membership.OrgID(orgID), membership.UserID(userID)).Only(ctx)
	if entweb.IsNotFound(err) {
		return nil, ErrNotMember
	}
	if err != nil {
		return nil, fmt.Errorf("org: load member: %w", err)
	}
	return m, nil
}

// keepsAnOwner refuses a change that takes m's owner role away when m is the only owner.
func keepsAnOwner(ctx context.Context, tx *entweb.Tx, m *entweb.Membership) error {
	if m.Role != membership.RoleOwner {
		return nil
	}
	n, err := tx.Membership.Query().
		Where(membership.OrgID(m.OrgID), membership.RoleEQ(membership.RoleOwner)).Count(ctx)
	if err != nil {
		return fmt.Errorf("org: count owners: %w", err)
	}
	if n <= 1 {
		return ErrLastOwner
	}
	return nil
}
