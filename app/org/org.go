// Package org runs organizations: who belongs to which, with what role, how people are
// invited, and the rules no role may break (an organization always keeps an owner).
// What each role may do is the one table in app/access; this package adds only the
// rules that depend on the people involved:
//
//   - only an owner may make someone an owner, or change or remove an owner;
//   - the last owner can neither leave nor be demoted nor removed;
//   - a link invitation never grants the owner role.
package org

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/assayhq/assay/app/access"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/membership"
	"github.com/assayhq/assay/ent/web/organization"
)

// Errors of the membership rules; Message says each to the person who tried.
var (
	ErrForbidden     = errors.New("org: not allowed for this role")
	ErrNotMember     = errors.New("org: not a member")
	ErrLastOwner     = errors.New("org: the last owner must stay an owner")
	ErrInvalidRole   = errors.New("org: unknown role")
	ErrInvalidName   = errors.New("org: invalid name")
	ErrAlreadyMember = errors.New("org: already a member")
	ErrNoSeats       = errors.New("org: no seats left")
)

// Actor is the signed-in user acting in their current organization.
type Actor struct {
	UserID string
	OrgID  string
	Role   string
}

// Can reports whether the actor's role may do a by the permission table.
func (a Actor) Can(act access.Action) bool { return access.Can(a.Role, act) }

// Membership is one organization a user belongs to.
type Membership struct {
	OrgID   string
	OrgName string
	Role    string
}

// ValidRole reports whether r is a role of a membership.
func ValidRole(r string) bool {
	return r == access.RoleOwner || r == access.RoleAdmin || r == access.RoleMember
}

// ValidateName trims an organization name and checks its length (1 to 100 characters).
func ValidateName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 100 {
		return "", ErrInvalidName
	}
	return name, nil
}

// Memberships lists the organizations of userID, oldest membership first.
func Memberships(ctx context.Context, db *entweb.Client, userID string) ([]Membership, error) {
	ms, err := db.Membership.Query().Where(membership.UserID(userID)).
		Order(entweb.Asc(membership.FieldCreatedAt), entweb.Asc(membership.FieldID)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("org: memberships: %w", err)
	}
	ids := make([]string, len(ms))
	for i, m := range ms {
		ids[i] = m.OrgID
	}
	orgs, err := db.Organization.Query().Where(organization.IDIn(ids...)).All(ctx)
	if err != nil {
		return nil, fmt.Errorf("org: organizations: %w", err)
	}
	names := make(map[string]string, len(orgs))
	for _, o := range orgs {
		names[o.ID] = o.Name
	}
	out := make([]Membership, 0, len(ms))
	for _, m := range ms {
		if name, ok := names[m.OrgID]; ok {
			out = append(out, Membership{OrgID: m.OrgID, OrgName: name, Role: string(m.Role)})
		}
	}
	return out, nil
}

// RoleIn returns the role of userID in orgID, or ErrNotMember.
func RoleIn(ctx context.Context, db *entweb.Client, userID, orgID string) (string, error) {
	m, err := db.Membership.Query().Where(membership.UserID(userID), membership.OrgID(orgID)).Only(ctx)
	if entweb.IsNotFound(err) {
		return "", ErrNotMember
	}
	if err != nil {
		return "", fmt.Errorf("org: membership: %w", err)
	}
	return string(m.Role), nil
}

// Create makes a new organization owned by userID.
func Create(ctx context.Context, db *entweb.Client, userID, name string) (*entweb.Organization, error) {
	name, err := ValidateName(name)
	if err != nil {
		return nil, err
	}
	var o *entweb.Organization
	err = inTx(ctx, db, func(tx *entweb.Tx) error {
		if o, err = tx.Organization.Create().SetName(name).Save(ctx); err != nil {
			return fmt.Errorf("org: create: %w", err)
		}
		err := tx.Membership.Create().SetUserID(userID).SetOrgID(o.ID).SetRole(membership.RoleOwner).Exec(ctx)
		if err != nil {
			return fmt.Errorf("org: create: owner: %w", err)
		}
		return nil
	})
	return o, err
}

// checkSeats refuses a new member (ErrNoSeats) when the organization's members already
// fill its plan's seats. The invitation being accepted held one of them, so pending
// invitations do not count here.
func checkSeats(ctx context.Context, db *entweb.Client, orgID string) error {
	s, err := SeatsOf(ctx, db, orgID, time.Now())
	if err != nil {
		return err
	}
	if s.Limit > 0 && s.Members+1 > s.Limit {
		return ErrNoSeats
	}
	return nil
}

// inTx runs fn in a transaction, committing if it returns nil.
func inTx(ctx context.Context, db *entweb.Client, fn func(tx *entweb.Tx) error) error {
	tx, err := db.Tx(ctx)
	if err != nil {
		return fmt.Errorf("org: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("org: commit: %w", err)
	}
	return nil
}

// lockOrg serializes membership changes of one organization: the update takes the
// organization's row lock (Postgres; SQLite serializes every writer), so two owners
// demoting each other at once cannot both see the other still an owner.
func lockOrg(ctx context.Context, tx *entweb.Tx, orgID string) error {
	n, err := tx.Organization.Update().Where(organization.ID(orgID)).
		SetUpdatedAt(time.Now().UTC()).Save(ctx)
	if err != nil {
		return fmt.Errorf("org: lock: %w", err)
	}
	if n == 0 {
		return ErrNotMember
	}
	return nil
}
