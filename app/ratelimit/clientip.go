package ratelimit

import (
	"fmt"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v3"
)

// Proxies are the trusted reverse proxies of TRUSTED_PROXIES: only a request whose peer
// is one of them may name its client in X-Forwarded-For.
type Proxies struct {
	list     []string
	prefixes []netip.Prefix
}

// ParseProxies reads a list of IP addresses and CIDR ranges.
func ParseProxies(list []string) (Proxies, error) {
	p := Proxies{}
	for _, s := range list {
		s = strings.TrimSpace(s)
		if s == "" {
			continue
		}
		pfx, err := parsePrefix(s)
		if err != nil {
			return Proxies{}, fmt.Errorf("ratelimit: trusted proxy %q: %w", s, err)
		}
		p.list = append(p.list, s)
		p.prefixes = append(p.prefixes, pfx)
	}
	return p, nil
}

func parsePrefix(s string) (netip.Prefix, error) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		return p.Masked(), err
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	a = a.Unmap()
	return netip.PrefixFrom(a, a.BitLen()), nil
}

// Configure sets Fiber's own proxy trust on cfg, so c.IP() reads X-Forwarded-For only
// from a trusted peer; with no proxies, c.IP() is always the peer.
func (p Proxies) Configure(cfg *fiber.Config) {
	if len(p.list) == 0 {
		return
	}
	cfg.TrustProxy = true
	cfg.TrustProxyConfig = fiber.TrustProxyConfig{Proxies: append([]string(nil), p.list...)}
	cfg.ProxyHeader = fiber.HeaderXForwardedFor
	cfg.EnableIPValidation = true
}

// trusted reports whether a is one of the proxies.
func (p Proxies) trusted(a netip.Addr) bool {
	a = a.Unmap()
	for _, pfx := range p.prefixes {
		if pfx.Contains(a) {
			return true
		}
	}
	return false
}

// ClientIP is the address a request is limited by. From an untrusted peer it is the peer.
// From a trusted proxy it is the right-most X-Forwarded-For entry that is not itself a
// trusted proxy: proxies append the address they saw, so entries to its left were written
// by the client and prove nothing. (Fiber's c.IP() takes the left-most entry, which is
// only right when the first proxy replaces the header instead of appending to it.)
func (p Proxies) ClientIP(c fiber.Ctx) string {
	peer, ok := netip.AddrFromSlice(c.RequestCtx().RemoteIP())
	if !ok {
		return c.IP()
	}
	peer = peer.Unmap()
	if !p.trusted(peer) {
		return peer.String()
	}
	hops := c.Request().Header.PeekAll(fiber.HeaderXForwardedFor)
	var entries []string
	for _, h := range hops {
		entries = append(entries, strings.Split(string(h), ",")...)
	}
	for i := len(entries) - 1; i >= 0; i-- {
		a, err := parseHop(strings.TrimSpace(entries[i]))
		if err != nil {
			// Garbage from the client's side of the chain: nothing further left can be trusted.
			break
		}
		if a = a.Unmap(); !p.trusted(a) {
			return a.String()
		}
	}
	return peer.String()
}

// parseHop reads an X-Forwarded-For entry: an address, or an address with a port, which
// some proxies add.
func parseHop(s string) (netip.Addr, error) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a, nil
	}
	ap, err := netip.ParseAddrPort(s)
	return ap.Addr(), err
}
