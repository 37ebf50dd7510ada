package org

import (
	"context"
	"fmt"
	"time"

	"github.com/assayhq/assay/app/plan"
	"github.com/assayhq/assay/app/tenant"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/invitation"
	"github.com/assayhq/assay/ent/web/membership"
)

// Seats is how an organization's seats are used: its plan's members limit, its members
// and its pending invitations (each holds a seat until it is used, revoked or expires).
type Seats struct {
	Limit, Members, Pending int64
}

// SeatsOf counts orgID's seats at now.
func SeatsOf(ctx context.Context, db *entweb.Client, orgID string, now time.Time) (Seats, error) {
	o, err := db.Organization.Get(ctx, orgID)
	if err != nil {
		return Seats{}, fmt.Errorf("org: seats: %w", err)
	}
	members, err := db.Membership.Query().Where(membership.OrgID(orgID)).Count(ctx)
	if err != nil {
		return Seats{}, fmt.Errorf("org: seats: members: %w", err)
	}
	pending, err := db.Invitation.Query().
		Where(invitation.RevokedAtIsNil(), invitation.ExpiresAtGT(now), usesLeft()).
		Count(tenant.With(ctx, orgID))
	if err != nil {
		return Seats{}, fmt.Errorf("org: seats: invitations: %w", err)
	}
	return Seats{Limit: plan.Or(o.Plan).Limits.Members, Members: int64(members), Pending: int64(pending)}, nil
}

// CheckInviteSeats refuses a new invitation (ErrNoSeats) when the members and pending
// invitations already fill the plan's seats.
func CheckInviteSeats(ctx context.Context, db *entweb.Client, orgID string, now time.Time) (Seats, error) {
	s, err := SeatsOf(ctx, db, orgID, now)
	if err != nil {
		return s, err
	}
	if s.Limit > 0 && s.Members+s.Pending+1 > s.Limit {
		return s, ErrNoSeats
	}
	return s, nil
}
