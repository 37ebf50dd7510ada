package web

import (
	"log/slog"
	"net/http"

	"github.com/gofiber/fiber/v3"

	"github.com/assayhq/assay/app/account"
	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/ratelimit"
)

// limits applies the rate-limit policies to browser routes.
type limits struct {
	limiter   *ratelimit.Limiter // nil: no limits
	proxies   ratelimit.Proxies
	byIP      ratelimit.Policy
	byAccount ratelimit.Policy
	log       *slog.Logger
}

func newLimits(l *ratelimit.Limiter, proxies ratelimit.Proxies, authPer15m int, log *slog.Logger) limits {
	return limits{
		limiter: l, proxies: proxies, log: log,
		byIP: ratelimit.AuthByIP(authPer15m), byAccount: ratelimit.AuthByAccount(authPer15m),
	}
}

// refusedForm re-renders a form with a message, for a request the limit refused.
type refusedForm func(c fiber.Ctx, msg string) error

// Auth is the policy of every credential form: login and signup, and the password reset
// and MFA forms to come. Each POST counts against RATE_LIMIT_AUTH_PER_15M per 15 minutes
// for the client IP and, when the form has an "email" field, for that account (the email
// normalized). Put it on the POST route after the body and session are loaded:
//
//	app.Post("/login", form, sess, csrf, s.limits.Auth(s.accounts.loginRefused), s.accounts.login)
//
// A refused request reaches no handler, so it changes nothing: it answers 429 with
// Retry-After, through refused (the form again, with the message) or, when refused is nil,
// the error page. Every answer carries the RateLimit headers.
func (l limits) Auth(refused refusedForm) fiber.Handler {
	return l.AuthFor(refused, func(c fiber.Ctx) string { return account.NormalizeEmail(c.FormValue("email")) })
}

// AuthFor is Auth with the account taken from the request by accountOf ("" counts the
// IP only), for forms without an email field: the MFA code of a pending sign-in, the
// re-authentication form. Keys that are not emails must not contain "@".
func (l limits) AuthFor(refused refusedForm, accountOf func(fiber.Ctx) string) fiber.Handler {
	return func(c fiber.Ctx) error {
		if l.limiter == nil {
			return c.Next()
		}
		ctx := c.Context()
		r, err := l.limiter.Take(ctx, l.byIP, l.proxies.ClientIP(c))
		if err != nil {
			return errLimiterDown.WithErr(err)
		}
		if key := accountOf(c); key != "" && !r.Limited {
			ra, err := l.limiter.Take(ctx, l.byAccount, key)
			if err != nil {
				return errLimiterDown.WithErr(err)
			}
			r = ratelimit.Tightest(r, ra)
		}
		ratelimit.SetHeaders(c, r)
		if !r.Limited {
			return c.Next()
		}
		l.log.WarnContext(ctx, "web: rate limited", slog.String("policy", r.Policy.Name), slog.String("path", c.Path()))
		msg := tooManyAttempts(r)
		if refused == nil {
			return apperr.New(http.StatusTooManyRequests, msg)
		}
		return refused(c, msg)
	}
}

var errLimiterDown = apperr.Unavailable("Sign-in is briefly unavailable. Please try again in a minute.", nil)

func tooManyAttempts(r ratelimit.Result) string {
	return "Too many attempts. For your security, please wait " + ratelimit.WaitText(r.RetryAfter) + " before trying again."
}
