package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/ratelimit"
	"github.com/assayhq/assay/app/usage"
)

// apiLimits applies the API rate limit around authentication: requests that fail it count
// per client IP, before any credential is looked up, so a flood of bad keys is refused
// without reaching the database; authenticated requests count per caller.
type apiLimits struct {
	limiter *ratelimit.Limiter // nil: no limits
	proxies ratelimit.Proxies
	caller  ratelimit.Policy
	anon    ratelimit.Policy
	log     *slog.Logger
}

func newAPILimits(l *ratelimit.Limiter, proxies ratelimit.Proxies, rate ratelimit.RateFunc, log *slog.Logger) apiLimits {
	return apiLimits{
		limiter: l, proxies: proxies, log: log,
		caller: ratelimit.API(rate), anon: ratelimit.APIUnauthenticated(rate),
	}
}

// guard sits before authentication. A client IP whose failed authentications used up its
// quota is refused at once; a request that then fails authentication counts against it.
func (l apiLimits) guard(c fiber.Ctx) error {
	if l.limiter == nil {
		return c.Next()
	}
	ctx := c.Context()
	ip := l.proxies.ClientIP(c)
	r, err := l.limiter.Peek(ctx, l.anon, ip)
	if err != nil {
		return errLimiterDown.WithErr(err)
	}
	if r.Limited {
		ratelimit.SetHeaders(c, r)
		return tooManyRequests(r)
	}
	err = c.Next()
	var ae *apperr.Error
	if errors.As(err, &ae) && ae.Status == http.StatusUnauthorized {
		r, terr := l.limiter.Take(ctx, l.anon, ip)
		if terr != nil {
			l.log.WarnContext(ctx, "api: count failed authentication", slog.Any("error", terr))
			return err
		}
		ratelimit.SetHeaders(c, r)
	}
	return err
}

// perCaller sits after authentication: the caller's quota, at the rate the request's
// context (its organization) is given.
func (l apiLimits) perCaller(c fiber.Ctx) error {
	if l.limiter == nil {
		return c.Next()
	}
	who, _ := c.Locals(localCaller).(string)
	if who == "" {
		return fmt.Errorf("api: rate limit: no caller after authentication")
	}
	r, err := l.limiter.Take(c.Context(), l.caller, who)
	if err != nil {
		return errLimiterDown.WithErr(err)
	}
	ratelimit.SetHeaders(c, r)
	if r.Limited {
		if strings.HasPrefix(who, "user:") {
			r.Policy.Per = "user" // a web app's token: the quota is the user's
		}
		e := tooManyRequests(r)
		if n := quotaOf(c.Context()).limits.APIRatePerMinute; n > 0 {
			e.Err = &usage.QuotaError{Status: http.StatusTooManyRequests, Limit: usage.LimitAPIRate, LimitValue: n, Usage: int64(r.Limit)}
		}
		return e
	}
	return c.Next()
}

var errLimiterDown = apperr.Unavailable("rate limiting is unavailable; retry shortly", nil)

// tooManyRequests is the 429 problem naming the limit; the headers carry the numbers.
func tooManyRequests(r ratelimit.Result) *apperr.Error {
	return &apperr.Error{
		Status: http.StatusTooManyRequests,
		Title:  "Too many requests",
		Detail: fmt.Sprintf("Rate limit exceeded: at most %s. Retry in %d seconds.", r.Describe(), r.RetryAfterSeconds()),
	}
}
