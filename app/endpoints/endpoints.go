// Package endpoints holds what the API and the workers share about organizations'
// webhook endpoints: URL checks, the sealed signing secrets and their rotation.
package endpoints

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"code.dny.dev/ssrf"

	"github.com/assayhq/assay/app/netguard"
	"github.com/assayhq/assay/app/webhook"
	entapi "github.com/assayhq/assay/ent/api"
)

// RotationGrace is how long the previous secret keeps signing after a rotation.
const RotationGrace = 24 * time.Hour

// MaxURLBytes bounds an endpoint URL.
const MaxURLBytes = 2048

// InvalidURLError is a URL refused at registration; its text is safe to show.
type InvalidURLError struct{ Msg string }

func (e *InvalidURLError) Error() string { return e.Msg }

// Checker validates endpoint URLs at registration. Every delivery connection is checked
// again by the guarded client, so a host that later resolves elsewhere is still refused.
type Checker struct {
	Guard *ssrf.Guardian
	// HTTPSOnly refuses plain http (production).
	HTTPSOnly bool
	// Resolver looks host names up; nil uses net.DefaultResolver.
	Resolver netguard.Resolver
}

// Check parses raw and refuses, each with its own message: a URL that is not absolute
// http(s) (https only when HTTPSOnly), one with credentials or a fragment, and one whose
// host is or resolves to a private, loopback or reserved address.
func (c Checker) Check(ctx context.Context, raw string) (*url.URL, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return nil, &InvalidURLError{"url is required"}
	}
	if len(raw) > MaxURLBytes {
		return nil, &InvalidURLError{"url is longer than 2048 characters"}
	}
	u, err := url.Parse(raw)
	if err != nil || !u.IsAbs() || u.Hostname() == "" {
		return nil, &InvalidURLError{"url must be an absolute http or https URL"}
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && !c.HTTPSOnly:
	case u.Scheme == "http":
		return nil, &InvalidURLError{"url must use https"}
	default:
		return nil, &InvalidURLError{"url must use http or https"}
	}
	if u.User != nil {
		return nil, &InvalidURLError{"url must not hold a user name or password"}
	}
	if u.Fragment != "" {
		return nil, &InvalidURLError{"url must not have a fragment"}
	}
	var r netguard.Resolver = net.DefaultResolver
	if c.Resolver != nil {
		r = c.Resolver
	}
	err = netguard.CheckHost(ctx, r, c.Guard, strings.Trim(u.Hostname(), "[]"))
	if errors.Is(err, netguard.ErrPrivate) {
		return nil, &InvalidURLError{"url points to a private, loopback or reserved address, which is not allowed"}
	}
	if err != nil {
		return nil, &InvalidURLError{fmt.Sprintf("the host %q could not be resolved", u.Hostname())}
	}
	return u, nil
}

// Seal seals a new secret for the endpoint id.
func Seal(s *webhook.Sealer, endpointID, secret string) string { return s.Seal(secret, endpointID) }

// Secrets are the secrets that sign a delivery to ep at now: the current one and, until
// it expires, the previous one.
func Secrets(s *webhook.Sealer, ep *entapi.WebhookEndpoint, now time.Time) ([]string, error) {
	cur, err := s.Open(ep.SecretSealed, ep.ID)
	if err != nil {
		return nil, fmt.Errorf("endpoints: open secret of %s: %w", ep.ID, err)
	}
	out := []string{cur}
	if ep.PreviousSecretSealed != "" && ep.PreviousSecretExpiresAt != nil && now.Before(*ep.PreviousSecretExpiresAt) {
		prev, err := s.Open(ep.PreviousSecretSealed, ep.ID)
		if err != nil {
			return nil, fmt.Errorf("endpoints: open previous secret of %s: %w", ep.ID, err)
		}
		out = append(out, prev)
	}
	return out, nil
}
