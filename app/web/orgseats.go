package web

import (
	"errors"
	"fmt"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/org"
)

// seatsRefused sets the form's error when inviting one more person would exceed the
// plan's seats (members and pending invitations).
func (h orgPages) seatsRefused(c fiber.Ctx, st *orgPageState) error {
	m := memberOf(c)
	s, err := org.CheckInviteSeats(c.Context(), h.db, m.OrgID, h.now())
	if errors.Is(err, org.ErrNoSeats) {
		st.Errors["email"] = fmt.Sprintf("Your plan has %d seats and %d members and %d pending invitations already fill them. Remove a member, withdraw an invitation or upgrade your plan.",
			s.Limit, s.Members, s.Pending)
		st.NoSeats = true
		return nil
	}
	return err
}
