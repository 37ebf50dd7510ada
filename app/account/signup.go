package account

import (
	"context"
	"fmt"
	"strings"

	"github.com/assayhq/assay/app/auth"
	entweb "github.com/assayhq/assay/ent/web"
)

// CreateOwnerTx is CreateOwner inside the caller's transaction, so what the signup sends
// (the verification email) is written with it. ErrEmailTaken means the email is in use.
func CreateOwnerTx(ctx context.Context, tx *entweb.Tx, n NewOwner) (*entweb.User, *entweb.Organization, error) {
	hash, err := auth.HashPassword(n.Password)
	if err != nil {
		return nil, nil, fmt.Errorf("account: %w", err)
	}
	return createOwner(ctx, tx, NormalizeEmail(n.Email), hash, strings.TrimSpace(n.OrgName), n.Verified)
}
