package ratelimit

import "time"

// AuthPeriod is the window of the credential-form policies.
const AuthPeriod = 15 * time.Minute

// API is the policy of /v1/api for authenticated requests: rate requests per minute per
// caller, keyed by API key id (or, for the web app's tokens, by user).
func API(rate RateFunc) Policy {
	return Policy{Name: "api", Period: time.Minute, Rate: rate, Per: "API key"}
}

// APIUnauthenticated is the policy of /v1/api requests that fail authentication: the same
// rate per client IP, counted before the credentials are looked up.
func APIUnauthenticated(rate RateFunc) Policy {
	return Policy{Name: "api-ip", Period: time.Minute, Rate: rate, Per: "client IP"}
}

// AuthByIP is the policy of credential forms (login, signup, password reset, MFA) per
// client IP: n attempts per AuthPeriod.
func AuthByIP(n int) Policy {
	return Policy{Name: "auth-ip", Period: AuthPeriod, Rate: Fixed(n), Per: "client IP"}
}

// AuthByAccount is the same policy per account, keyed by the normalized email.
func AuthByAccount(n int) Policy {
	return Policy{Name: "auth-account", Period: AuthPeriod, Rate: Fixed(n), Per: "account"}
}
