package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/apptest"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/mail/mailtest"
	"github.com/assayhq/assay/ent/web/membership"
	"github.com/assayhq/assay/ent/web/user"
)

// TestBrowserInviteAndAccept: an owner invites by email and logs out; the invitee opens
// the link from the mail, signs up from the invitation and lands in the organization.
func TestBrowserInviteAndAccept(t *testing.T) {
	browser := chromium(t)
	sink := mailtest.Start(t)
	env := apptest.New(t, apptest.Backends()[0], apptest.WithConfig(func(c *config.Config) {
		c.SMTPURL = sink.URL()
		c.MailFrom = "Assay <no-reply@assay.test>"
	}))
	owner := env.Org(t)

	ctx := headlessChromium(t, browser, time.Minute)

	invitee := fmt.Sprintf("invitee-%d@example.com", time.Now().UnixNano())
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(env.WebURL+"/login"),
		chromedp.WaitVisible(css("#email")),
		chromedp.SendKeys(css("#email"), owner.Email),
		chromedp.SendKeys(css("#password"), apptest.Password),
		press("#login-submit"),
		chromedp.WaitVisible(css("#upload-form")),
		chromedp.Navigate(env.WebURL+"/settings/organization"),
		chromedp.WaitVisible(css("#invite-form")),
		chromedp.SendKeys(css("#invite-form #email"), invitee),
		chromedp.SetValue(css("#invite-form #role"), "admin"),
		press("#invite-submit"),
		chromedp.WaitVisible(css("#org-notice")),
		press("#logout-submit"),
		chromedp.WaitVisible(css(`a[href="/login"]`)),
	))

	link := sink.Wait(t, invitee, 1).Link(t, "/invitations/accept?token=")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible(css("#invitation-signup")),
		press("#invitation-signup"),
		chromedp.WaitVisible(css("#signup-form #password")),
		chromedp.SendKeys(css("#signup-form #password"), apptest.Password),
		press("#signup-submit"),
		chromedp.WaitVisible(css("#upload-form")),
	))
	org, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#current-org").textContent`))
	require.NoError(t, err)
	require.Equal(t, owner.Org.Name, org)
	path, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
	require.NoError(t, err)
	require.Equal(t, "/dashboard", path)

	db := env.Stack.Web.DB
	u := db.User.Query().Where(user.Email(invitee)).OnlyX(context.Background())
	m := db.Membership.Query().Where(membership.UserID(u.ID)).OnlyX(context.Background())
	require.Equal(t, owner.Org.ID, m.OrgID)
	require.Equal(t, membership.RoleAdmin, m.Role)
}
