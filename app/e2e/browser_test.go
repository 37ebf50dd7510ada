package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/apptest"
	"github.com/assayhq/assay/app/config"
	"github.com/assayhq/assay/app/store/storetest"
)

// chromium finds a local Chromium; tests never download a browser.
func chromium(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("CHROMIUM_PATH"), "chromium", "chromium-browser", "google-chrome"} {
		if p == "" {
			continue
		}
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	storetest.SkipOrFail(t, "browser test: no Chromium installed (apt-get install chromium)")
	return ""
}

// headlessChromium starts a headless Chromium at path (see chromium) for one test and returns
// its context, bounded by timeout; everything stops at test cleanup.
func headlessChromium(t *testing.T, path string, timeout time.Duration) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("no-first-run", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(cancelBrowser)
	ctx, cancelTimeout := context.WithTimeout(ctx, timeout)
	t.Cleanup(cancelTimeout)
	return ctx
}

// bigCSV writes a file of several chunks, so the stage rows have real progress to show.
func bigCSV(t *testing.T, rows int) string {
	t.Helper()
	var b strings.Builder
	b.WriteString("id,name,score,country\n")
	for i := 1; i <= rows; i++ {
		fmt.Fprintf(&b, "%d,name-%d,%d,%s\n", i, i%977, i%101, []string{"DE", "FR", "NL", "XX"}[i%4])
	}
	path := filepath.Join(t.TempDir(), "big.csv")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o600))
	return path
}

func TestBrowserSignupUploadLiveReport(t *testing.T) {
	browser := chromium(t)
	// The workers start only once the task page is open, so the page must receive every
	// stage's progress over SSE: nothing is finished when it first renders.
	env := apptest.New(t, apptest.Backends()[0], apptest.HoldWorkers(), apptest.WithConfig(func(c *config.Config) {
		c.ChunkRows = 20_000
		c.Workers = 2
	}))
	file := bigCSV(t, 100_000)

	ctx := headlessChromium(t, browser, 2*time.Minute)

	email := fmt.Sprintf("browser-%d@example.com", time.Now().UnixNano())
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	require.NoError(t, chromedp.Do(ctx,
		chromedp.Navigate(env.WebURL+"/signup"),
		chromedp.WaitVisible(css("#email")),
		chromedp.SendKeys(css("#email"), email),
		chromedp.SendKeys(css("#password"), apptest.Password),
		chromedp.SendKeys(css("#org"), "Browser Org"),
		press("#signup-submit"),
		chromedp.WaitVisible(css("#notice-link")), // "check your inbox"
		press("#notice-link"),
		chromedp.WaitVisible(css("#upload-form")),
		chromedp.SetUploadFiles(css("#file"), []string{file}),
		chromedp.SendKeys(css("#name"), "big"),
		chromedp.SendKeys(css("#rules"), "score range 0 90\ncountry in DE,FR,NL\nid unique"),
		press("#upload-submit"),
		chromedp.WaitVisible(css("#task-status")),
	))
	firstStatus, err := chromedp.Run(ctx, chromedp.Text(css("#task-status")))
	require.NoError(t, err)
	// A marker on window survives only if the page is not reloaded: progress must
	// arrive over SSE, not by navigation.
	_, err = chromedp.Run(ctx, chromedp.Evaluate[any](`window.__assayMarker = "live"`))
	require.NoError(t, err)
	firstNormalize, err := chromedp.Run(ctx, chromedp.Text(css("#stage-normalize")))
	require.NoError(t, err)
	env.Stack.Worker.Start()
	// The report is swapped in over SSE while the stages update: poll for it, as a node
	// WaitVisible has found may be replaced before it is seen visible.
	_, err = chromedp.Run(ctx, chromedp.Poll[chromedp.Void](
		`(() => { const e = document.querySelector("#report #score"); return !!e && e.offsetParent !== null })()`))
	require.NoError(t, err)
	finalStatus, err := chromedp.Run(ctx, chromedp.Text(css("#task-status")))
	require.NoError(t, err)
	score, err := chromedp.Run(ctx, chromedp.Text(css("#score")))
	require.NoError(t, err)
	marker, err := chromedp.Run(ctx, chromedp.Evaluate[string](`window.__assayMarker || ""`))
	require.NoError(t, err)
	columnRows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#columns tbody tr").length`))
	require.NoError(t, err)
	ruleRows, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll("#rules-table tbody tr").length`))
	require.NoError(t, err)

	require.Equal(t, "pending", strings.TrimSpace(firstStatus))
	require.NotContains(t, firstNormalize, "succeeded")
	lastNormalize, err := chromedp.Run(ctx, chromedp.Text(css("#stage-normalize")))
	require.NoError(t, err)
	require.Contains(t, lastNormalize, "succeeded")
	require.Contains(t, lastNormalize, "5/5", "five chunks of 20,000 rows")
	require.Equal(t, "completed", strings.TrimSpace(finalStatus))
	require.Equal(t, "live", marker, "the page was reloaded instead of updated live")
	require.NotEmpty(t, strings.TrimSpace(score))
	require.Equal(t, 4, columnRows)
	require.Equal(t, 3, ruleRows)
}

// press clicks sel once its page has settled: loaded, and htmx done swapping in and
// taking over new content. A click before then reaches a form htmx has not boosted yet,
// which submits as a plain navigation under the policy of the page the browser first
// loaded, so its redirect to another origin (Stripe's Checkout) is refused.
func press(sel chromedp.CSS) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.WaitVisible(sel),
		chromedp.Poll[chromedp.Void](`document.readyState === "complete" && !document.querySelector(".htmx-request, .htmx-swapping, .htmx-settling")`),
		chromedp.Click(sel),
	)
}
