package org_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/org"
	"github.com/assayhq/assay/app/store"
	"github.com/assayhq/assay/app/store/storetest"
	"github.com/assayhq/assay/app/tenant"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/membership"
	_ "github.com/assayhq/assay/ent/web/runtime" // schema defaults and tenant hooks
)

func openWeb(t *testing.T, dbURL string) *entweb.Client {
	t.Helper()
	db, err := store.OpenWeb(context.Background(), config.Config{Env: config.EnvTest, WebDatabaseURL: dbURL})
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	return db
}

func user(t *testing.T, db *entweb.Client, email string) *entweb.User {
	t.Helper()
	return db.User.Create().SetEmail(email).SaveX(context.Background())
}

// Two owners demoting each other at once: one wins, the organization keeps an owner.
func TestConcurrentDemotionsKeepAnOwner(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		db := openWeb(t, dbURL)
		a, b := user(t, db, "a@example.com"), user(t, db, "b@example.com")
		o, err := org.Create(ctx, db, a.ID, "Team")
		require.NoError(t, err)
		db.Membership.Create().SetUserID(b.ID).SetOrgID(o.ID).SetRole(membership.RoleOwner).ExecX(ctx)

		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, pair := range [][2]string{{a.ID, b.ID}, {b.ID, a.ID}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				actor := org.Actor{UserID: pair[0], OrgID: o.ID, Role: "owner"}
				errs[i] = org.ChangeRole(ctx, db, actor, pair[1], "member")
			}()
		}
		wg.Wait()
		owners := db.Membership.Query().Where(membership.OrgID(o.ID), membership.RoleEQ(membership.RoleOwner)).CountX(ctx)
		require.Equal(t, 1, owners, "errors: %v", errs)
		failed := 0
		for _, err := range errs {
			if err != nil {
				failed++
				require.ErrorIs(t, err, org.ErrLastOwner)
			}
		}
		require.Equal(t, 1, failed)
	})
}

// An email invitation accepted twice at once joins once.
func TestEmailInvitationIsSingleUse(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dbURL string) {
		ctx := context.Background()
		db := openWeb(t, dbURL)
		a := user(t, db, "owner@example.com")
		o, err := org.Create(ctx, db, a.ID, "Team")
		require.NoError(t, err)
		actor := org.Actor{UserID: a.ID, OrgID: o.ID, Role: "owner"}
		now := time.Now().UTC()
		inv, raw, err := org.Invite(ctx, db, actor, org.NewInvite{Email: "new@example.com", Role: "admin"}, now)
		require.NoError(t, err)
		found, err := org.FindInvite(ctx, db, raw, now)
		require.NoError(t, err)
		require.Equal(t, inv.ID, found.ID)
		_, err = org.FindInvite(ctx, db, raw, now.Add(org.InviteTTL))
		require.ErrorIs(t, err, org.ErrInviteExpired)

		u := user(t, db, "new@example.com")
		_, err = org.Accept(ctx, db, inv.ID, user(t, db, "else@example.com"), now)
		require.ErrorIs(t, err, org.ErrEmailMismatch)
		_, err = org.Accept(ctx, db, inv.ID, u, now)
		require.NoError(t, err)
		require.NotNil(t, db.User.GetX(ctx, u.ID).EmailVerifiedAt, "the mailed link proves the address")
		_, err = org.Accept(ctx, db, inv.ID, u, now)
		require.ErrorIs(t, err, org.ErrInviteUsed)
		role, err := org.RoleIn(ctx, db, u.ID, o.ID)
		require.NoError(t, err)
		require.Equal(t, "admin", role)
		got := db.Invitation.GetX(tenant.System(ctx), inv.ID)
		require.Equal(t, 1, got.Uses)

		// Only owners may invite owners, and links never grant it.
		admin := org.Actor{UserID: u.ID, OrgID: o.ID, Role: "admin"}
		_, _, err = org.Invite(ctx, db, admin, org.NewInvite{Email: "x@example.com", Role: "owner"}, now)
		require.ErrorIs(t, err, org.ErrForbidden)
		_, _, err = org.Invite(ctx, db, actor, org.NewInvite{Role: "owner"}, now)
		require.ErrorIs(t, err, org.ErrLinkOwner)
	})
}
