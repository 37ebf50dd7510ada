package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/apptest"
)

// TestBrowserMFAEnrollmentAndLogin turns on two-factor authentication in the browser
// (QR code shown, key read from the page, code computed here), logs out, and logs in
// again with a code.
func TestBrowserMFAEnrollmentAndLogin(t *testing.T) {
	browser := chromium(t)
	env := apptest.New(t, apptest.Backends()[0])
	o := env.Org(t)

	ctx := headlessChromium(t, browser, time.Minute)

	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	login := []chromedp.Action[chromedp.Void]{
		chromedp.Navigate(env.WebURL + "/login"),
		chromedp.WaitVisible(css("#email")),
		chromedp.SendKeys(css("#email"), o.Email),
		chromedp.SendKeys(css("#password"), apptest.Password),
		press("#login-submit"),
	}
	require.NoError(t, chromedp.Do(ctx, login...))
	require.NoError(t, chromedp.Do(ctx,
		chromedp.WaitVisible(css("#upload-form")),
		chromedp.Navigate(env.WebURL+"/settings/security"),
		chromedp.WaitVisible(css("#setup-submit")),
		press("#setup-submit"),
		chromedp.WaitVisible(css("#mfa-secret")),
	))
	secret, err := chromedp.Run(ctx, chromedp.Text(css("#mfa-secret")))
	require.NoError(t, err)
	secret = strings.TrimSpace(secret)
	_, err = chromedp.Run(ctx, chromedp.Poll[chromedp.Void](`document.querySelector("#mfa-qr").complete`))
	require.NoError(t, err)
	qrWidth, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelector("#mfa-qr").naturalWidth`))
	require.NoError(t, err)
	require.Positive(t, qrWidth, "the QR code image loads")

	code, err := totp.GenerateCode(secret, time.Now())
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(css("#code"), code),
		press("#enable-submit"),
		chromedp.WaitVisible(css("#recovery-codes")),
	))
	codes, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#recovery-codes code").length`))
	require.NoError(t, err)
	require.Equal(t, 10, codes)

	// Log out, then in: the password leads to the code form, the code to the dashboard.
	// The enrollment's code is spent; the next period's is accepted (one step of skew).
	require.NoError(t, chromedp.Do(ctx,
		press("#logout-submit"),
		chromedp.WaitVisible(css("a[href='/login']")),
	))
	require.NoError(t, chromedp.Do(ctx, login...))
	require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(css("#mfa-form"))))
	next, err := totp.GenerateCode(secret, time.Now().Add(30*time.Second))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx,
		chromedp.SendKeys(css("#code"), next),
		press("#mfa-submit"),
		chromedp.WaitVisible(css("#upload-form")),
	))
	path, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
	require.NoError(t, err)
	require.Equal(t, "/dashboard", path)
}
