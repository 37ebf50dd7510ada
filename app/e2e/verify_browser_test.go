package e2e

import (
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/apptest"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/mail/mailtest"
)

// TestBrowserSignupWithEmailVerification signs up, reads the verification email from a
// local SMTP server, opens its link, confirms, and sees the banner gone.
func TestBrowserSignupWithEmailVerification(t *testing.T) {
	browser := chromium(t)
	sink := mailtest.Start(t)
	env := apptest.New(t, apptest.Backends()[0], apptest.WithConfig(func(c *config.Config) {
		c.SMTPURL = sink.URL()
		c.MailFrom = "Assay <no-reply@assay.test>"
	}))

	ctx := headlessChromium(t, browser, time.Minute)

	email := fmt.Sprintf("verify-%d@example.com", time.Now().UnixNano())
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(env.WebURL+"/signup"),
		chromedp.WaitVisible(css("#email")),
		chromedp.SendKeys(css("#email"), email),
		chromedp.SendKeys(css("#password"), apptest.Password),
		chromedp.SendKeys(css("#org"), "Verified Org"),
		press("#signup-submit"),
		chromedp.WaitVisible(css("#notice-link")),
		press("#notice-link"),
		chromedp.WaitVisible(css("#verify-banner")),
	))

	link := sink.Wait(t, email, 1).Link(t, "/verify?token=")
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(link),
		chromedp.WaitVisible(css("#confirm-submit")),
		press("#confirm-submit"),
		chromedp.WaitVisible(css("#upload-form")),
	))
	banners, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#verify-banner").length`))
	require.NoError(t, err)
	path, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
	require.NoError(t, err)
	require.Equal(t, "/dashboard", path)
	require.Zero(t, banners)
}
