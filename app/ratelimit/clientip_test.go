package ratelimit

import (
	"io"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gofiber/fiber/v3"
	"github.com/stretchr/testify/require"
)

func TestClientIP(t *testing.T) {
	// app.Test connects from 0.0.0.0: that is the peer here.
	tests := []struct {
		name    string
		proxies []string
		xff     []string
		want    string // ClientIP
		fiberIP string // c.IP(); empty: same as want
	}{
		{"no proxies: header ignored", nil, []string{"203.0.113.9"}, "0.0.0.0", ""},
		{"untrusted peer: spoof ignored", []string{"10.0.0.0/8", "192.0.2.1"}, []string{"203.0.113.9"}, "0.0.0.0", ""},
		{"trusted peer: header used", []string{"0.0.0.0"}, []string{"203.0.113.9"}, "203.0.113.9", ""},
		{"trusted range", []string{"0.0.0.0/8"}, []string{"2001:db8::7"}, "2001:db8::7", ""},
		{"trusted peer, no header", []string{"0.0.0.0"}, nil, "0.0.0.0", ""},
		{"client-written entries left of the proxy's are ignored", []string{"0.0.0.0", "10.0.0.0/8"},
			[]string{"6.6.6.6, 203.0.113.9, 10.1.2.3"}, "203.0.113.9", "6.6.6.6"},
		{"several header lines", []string{"0.0.0.0"}, []string{"6.6.6.6", "203.0.113.9"}, "203.0.113.9", "6.6.6.6"},
		{"entry with a port", []string{"0.0.0.0"}, []string{"203.0.113.9:4711"}, "203.0.113.9", "0.0.0.0"},
		{"garbage stops the walk", []string{"0.0.0.0"}, []string{"203.0.113.9, not-an-ip"}, "0.0.0.0", "203.0.113.9"},
		{"only proxies in the chain", []string{"0.0.0.0", "10.0.0.0/8"}, []string{"10.0.0.1, 10.0.0.2"}, "0.0.0.0", "10.0.0.1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := ParseProxies(tc.proxies)
			require.NoError(t, err)
			cfg := fiber.Config{}
			p.Configure(&cfg)
			app := fiber.New(cfg)
			app.Get("/", func(c fiber.Ctx) error { return c.SendString(p.ClientIP(c) + " " + c.IP()) })
			req := httptest.NewRequest("GET", "/", nil)
			for _, h := range tc.xff {
				req.Header.Add("X-Forwarded-For", h)
			}
			res, err := app.Test(req)
			require.NoError(t, err)
			b, _ := io.ReadAll(res.Body)
			want := tc.fiberIP
			if want == "" {
				want = tc.want
			}
			require.Equal(t, tc.want+" "+want, string(b))
		})
	}
}

func TestParseProxies(t *testing.T) {
	p, err := ParseProxies([]string{" 10.0.0.0/8 ", "", "192.0.2.1", "2001:db8::/32"})
	require.NoError(t, err)
	require.Equal(t, []string{"10.0.0.0/8", "192.0.2.1", "2001:db8::/32"}, p.list)
	for _, bad := range []string{"10.0.0.0/33", "example.com", "1.2.3"} {
		_, err := ParseProxies([]string{bad})
		require.Error(t, err, bad)
	}
}

func TestSetHeaders(t *testing.T) {
	tests := []struct {
		name string
		r    Result
		want map[string]string
	}{
		{"allowed", Result{Limit: 100, Remaining: 99, Reset: 600 * time.Millisecond},
			map[string]string{HeaderLimit: "100", HeaderRemaining: "99", HeaderReset: "1", HeaderRetryAfter: ""}},
		{"limited", Result{Limited: true, Limit: 10, Remaining: 0, Reset: 15 * time.Minute, RetryAfter: 89500 * time.Millisecond},
			map[string]string{HeaderLimit: "10", HeaderRemaining: "0", HeaderReset: "900", HeaderRetryAfter: "90"}},
		{"unlimited", Result{Limit: -1, Remaining: -1},
			map[string]string{HeaderLimit: "", HeaderRemaining: "", HeaderReset: "", HeaderRetryAfter: ""}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			app := fiber.New()
			app.Get("/", func(c fiber.Ctx) error { SetHeaders(c, tc.r); return nil })
			res, err := app.Test(httptest.NewRequest("GET", "/", nil))
			require.NoError(t, err)
			for h, v := range tc.want {
				require.Equal(t, v, res.Header.Get(h), h)
			}
		})
	}
}

func TestTightest(t *testing.T) {
	a := Result{Limit: 10, Remaining: 7}
	b := Result{Limit: 10, Remaining: 2}
	short := Result{Limited: true, Limit: 10, RetryAfter: time.Second}
	long := Result{Limited: true, Limit: 10, RetryAfter: time.Minute}
	none := Result{Limit: -1, Remaining: -1}
	require.Equal(t, b, Tightest(a, b))
	require.Equal(t, b, Tightest(none, b))
	require.Equal(t, short, Tightest(a, short, b))
	require.Equal(t, long, Tightest(short, long))
	require.Equal(t, long, Tightest(long, short))
}

func TestTexts(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Minute: "minute", 15 * time.Minute: "15 minutes", time.Hour: "hour", 2 * time.Hour: "2 hours", 90 * time.Second: "90 seconds",
	} {
		require.Equal(t, want, PeriodText(d))
	}
	for d, want := range map[time.Duration]string{
		0: "1 second", 1500 * time.Millisecond: "2 seconds", 59 * time.Second: "59 seconds",
		80 * time.Second: "1 minute", 91 * time.Second: "2 minutes", 14*time.Minute + 1: "15 minutes",
	} {
		require.Equal(t, want, WaitText(d), d.String())
	}
}
