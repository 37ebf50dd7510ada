package e2e

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/oauth2-proxy/mockoidc"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/apptest"
	"github.com/assayhq/assay/app/config"
)

// TestBrowserSignInWithProvider presses "Continue with Google" on the login page against
// a local OpenID Connect provider and lands on the dashboard of a new account.
func TestBrowserSignInWithProvider(t *testing.T) {
	browser := chromium(t)
	provider, err := mockoidc.NewServer(nil)
	require.NoError(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	require.NoError(t, provider.Start(ln, nil))
	t.Cleanup(func() { provider.Shutdown() })
	email := "browser-oidc-" + strings.ReplaceAll(time.Now().Format("150405.000000000"), ".", "") + "@example.com"
	provider.QueueUser(&mockoidc.MockUser{Subject: "browser-subject", Email: email, EmailVerified: true})

	pc := provider.Config()
	env := apptest.New(t, apptest.Backends()[0], apptest.WithConfig(func(c *config.Config) {
		c.OIDC = config.OIDC{Issuer: pc.Issuer, ClientID: pc.ClientID, ClientSecret: pc.ClientSecret, ProviderName: "Google"}
	}))

	ctx := headlessChromium(t, browser, time.Minute)

	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	// The sign-in page is reached by a (boosted) link, as a visitor would.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(env.WebURL+"/pricing"),
		press(`a[href="/login"]`),
		chromedp.WaitVisible(css("#oidc-submit")),
	))
	label, err := chromedp.Run(ctx, chromedp.Text(css("#oidc-submit")))
	require.NoError(t, err)
	require.NoError(t, chromedp.Do(ctx,
		press("#oidc-submit"),
		chromedp.WaitVisible(css("#upload-form")),
	))
	who, err := chromedp.Run(ctx, chromedp.Text(css(".who")))
	require.NoError(t, err)
	path, err := chromedp.Run(ctx, chromedp.Evaluate[string](`location.pathname`))
	require.NoError(t, err)
	require.Equal(t, "Continue with Google", strings.TrimSpace(label))
	require.Equal(t, "/dashboard", path)
	require.Contains(t, who, email)
}
