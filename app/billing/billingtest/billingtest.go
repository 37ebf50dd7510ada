// Package billingtest finds or starts stripe-mock for tests and signs Stripe events.
package billingtest

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/assayhq/assay/app/store/storetest"
)

// EnvURL names a running stripe-mock (http://127.0.0.1:12111); without it the tests
// start the stripe-mock binary from PATH or $GOPATH/bin.
const EnvURL = "STRIPE_MOCK_URL"

// StripeMock returns the URL of a stripe-mock for t, starting one on a free port when
// none is given; without stripe-mock the test is skipped (a failure with
// TEST_REQUIRE_ALL=1).
func StripeMock(t testing.TB) string {
	t.Helper()
	if u := os.Getenv(EnvURL); u != "" {
		return u
	}
	bin := binary()
	if bin == "" {
		storetest.SkipOrFail(t, "stripe-mock: not installed (go install github.com/stripe/stripe-mock@v0.203.0)")
		return ""
	}
	port, err := freePort()
	if err != nil {
		t.Fatalf("stripe-mock: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, bin, "-http-addr", fmt.Sprintf("127.0.0.1:%d", port)) // #nosec G204 -- the test's own binary
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatalf("stripe-mock: start: %v", err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	u := fmt.Sprintf("http://127.0.0.1:%d", port)
	for i := 0; i < 300; i++ {
		res, err := http.Get(u + "/v1/customers") // #nosec G107 -- local test server
		if err == nil {
			res.Body.Close()
			return u
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("stripe-mock: did not answer at %s", u)
	return ""
}

func binary() string {
	if p, err := exec.LookPath("stripe-mock"); err == nil {
		return p
	}
	dir := os.Getenv("GOBIN")
	if dir == "" {
		out, err := exec.Command("go", "env", "GOPATH").Output()
		if err != nil {
			return ""
		}
		dir = filepath.Join(strings.TrimSpace(string(out)), "bin")
	}
	p := filepath.Join(dir, "stripe-mock")
	if _, err := os.Stat(p); err != nil { // #nosec G703 -- the Go toolchain's own bin directory, in tests
		return ""
	}
	return p
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
