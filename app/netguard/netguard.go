// Package netguard builds HTTP clients that connect only to public addresses (plus
// configured exceptions), checking the resolved address of every connection so that
// DNS rebinding and redirects to private addresses are refused alike.
package netguard

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"time"

	"code.dny.dev/ssrf"
)

// ErrPrivate is returned when a host is, or resolves to, a private or reserved address.
var ErrPrivate = errors.New("netguard: private or reserved address")

// New returns a guard that allows public addresses on any port, and the allowed ranges.
func New(allowed []netip.Prefix) *ssrf.Guardian {
	var v4, v6 []netip.Prefix
	for _, p := range allowed {
		if p.Addr().Is4() {
			v4 = append(v4, p)
		} else {
			v6 = append(v6, p)
		}
	}
	return ssrf.New(ssrf.WithAnyPort(), ssrf.WithAllowedV4Prefixes(v4...), ssrf.WithAllowedV6Prefixes(v6...))
}

// Transport returns a transport whose every connection is checked by g after DNS
// resolution. It uses no proxy: a proxy would make the check see the proxy's address.
// responseHeaderTimeout bounds the wait for an answer's headers.
func Transport(g *ssrf.Guardian, responseHeaderTimeout time.Duration) *http.Transport {
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Control: g.Safe}
	return &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: responseHeaderTimeout,
		MaxIdleConns:          16,
		IdleConnTimeout:       90 * time.Second,
		ForceAttemptHTTP2:     true,
	}
}

// IsRefused reports whether err is a connection the guard refused.
func IsRefused(err error) bool {
	return errors.Is(err, ssrf.ErrProhibitedIP) || errors.Is(err, ssrf.ErrProhibitedNetwork) ||
		errors.Is(err, ssrf.ErrProhibitedPort) || errors.Is(err, ErrPrivate)
}

// Resolver looks up a host's addresses; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// CheckHost refuses host when it is, or any of its resolved addresses is, not allowed
// by g. It is the early check at registration; connections are checked again.
func CheckHost(ctx context.Context, r Resolver, g *ssrf.Guardian, host string) error {
	if ip, err := netip.ParseAddr(host); err == nil {
		if g.SafeAddr(ip.Unmap()) != nil {
			return ErrPrivate
		}
		return nil
	}
	ips, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return fmt.Errorf("netguard: resolve %s: %w", host, err)
	}
	for _, ip := range ips {
		if g.SafeAddr(ip.Unmap()) != nil {
			return ErrPrivate
		}
	}
	return nil
}

// NoRedirectClient is a guarded client that never follows a redirect (the 3xx answer is
// returned as is) and gives up after timeout.
func NoRedirectClient(g *ssrf.Guardian, timeout time.Duration) *http.Client {
	return &http.Client{
		Transport:     Transport(g, timeout),
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
