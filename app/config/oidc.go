package config

import (
	"errors"
	"net"
	"net/url"
	"strings"
)

// OIDC configures sign-in with an OpenID Connect provider. The redirect URL to register
// with the provider is $WEB_URL/auth/oidc/callback.
type OIDC struct {
	// Issuer is the provider's issuer URL, e.g. https://accounts.google.com.
	Issuer       string `env:"OIDC_ISSUER"`
	ClientID     string `env:"OIDC_CLIENT_ID"`
	ClientSecret string `env:"OIDC_CLIENT_SECRET"`
	// ProviderName labels the sign-in button ("Continue with Google").
	ProviderName string `env:"OIDC_PROVIDER_NAME" envDefault:"Google"`
}

// Enabled reports whether sign-in with the provider is configured.
func (o OIDC) Enabled() bool {
	return o.Issuer != "" && o.ClientID != "" && o.ClientSecret != ""
}

// validate accepts no provider at all, or a complete one with a usable issuer URL.
func (o OIDC) validate() []error {
	if o.Issuer == "" && o.ClientID == "" && o.ClientSecret == "" {
		return nil
	}
	if !o.Enabled() {
		return []error{errors.New("OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET must be set together")}
	}
	if err := ValidIssuer(o.Issuer); err != nil {
		return []error{err}
	}
	return nil
}

// ValidIssuer checks an OIDC issuer URL: absolute, without query or fragment, and https
// unless the host is loopback (a provider on the same machine, for development and tests).
func ValidIssuer(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || strings.HasSuffix(raw, "?") {
		return errors.New("OIDC_ISSUER must be an absolute URL without credentials, query or fragment")
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
	}
	return errors.New("OIDC_ISSUER must use https (http only for localhost)")
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
