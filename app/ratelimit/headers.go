package ratelimit

import (
	"fmt"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v3"
)

// Response headers. Assay sends the three-field form of the IETF draft "RateLimit header
// fields for HTTP" (draft-ietf-httpapi-ratelimit-headers, up to -06): the quota, what is
// left of it, and the seconds until it is whole again; with Retry-After (RFC 9110) on 429.
const (
	HeaderLimit      = "RateLimit-Limit"
	HeaderRemaining  = "RateLimit-Remaining"
	HeaderReset      = "RateLimit-Reset"
	HeaderRetryAfter = "Retry-After"
)

// SetHeaders writes r's RateLimit headers, and Retry-After when r is limited. An
// unlimited result writes nothing.
func SetHeaders(c fiber.Ctx, r Result) {
	if r.Limit <= 0 {
		return
	}
	c.Set(HeaderLimit, strconv.Itoa(r.Limit))
	c.Set(HeaderRemaining, strconv.Itoa(r.Remaining))
	c.Set(HeaderReset, strconv.Itoa(seconds(r.Reset)))
	if r.Limited {
		c.Set(HeaderRetryAfter, strconv.Itoa(r.RetryAfterSeconds()))
	}
}

// RetryAfterSeconds is RetryAfter rounded up to whole seconds, at least 1.
func (r Result) RetryAfterSeconds() int { return max(seconds(r.RetryAfter), 1) }

// Tightest returns the result to report when several policies applied to one request:
// a refusal first (the one that lasts longest), else the one with the least left.
func Tightest(rs ...Result) Result {
	var best Result
	for i, r := range rs {
		switch {
		case i == 0, r.Limited && (!best.Limited || r.RetryAfter > best.RetryAfter):
			best = r
		case !best.Limited && !r.Limited && r.Limit > 0 && (best.Limit <= 0 || r.Remaining < best.Remaining):
			best = r
		}
	}
	return best
}

// Describe says what the limit is, e.g. "10 requests per 15 minutes per client IP".
func (r Result) Describe() string {
	s := fmt.Sprintf("%d requests per %s", r.Limit, PeriodText(r.Policy.Period))
	if r.Policy.Per != "" {
		s += " per " + r.Policy.Per
	}
	return s
}

// PeriodText writes a period the way people say it: "minute", "15 minutes", "hour".
func PeriodText(d time.Duration) string {
	switch {
	case d == time.Minute:
		return "minute"
	case d == time.Hour:
		return "hour"
	case d%time.Hour == 0:
		return fmt.Sprintf("%d hours", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
	return fmt.Sprintf("%d seconds", seconds(d))
}

// WaitText writes a wait for people: "1 second", "40 seconds", "3 minutes".
func WaitText(d time.Duration) string {
	s := max(seconds(d), 1)
	switch {
	case s == 1:
		return "1 second"
	case s < 60:
		return fmt.Sprintf("%d seconds", s)
	case s <= 90:
		return "1 minute"
	}
	return fmt.Sprintf("%d minutes", (s+59)/60)
}

func seconds(d time.Duration) int {
	if d <= 0 {
		return 0
	}
	return int((d + time.Second - 1) / time.Second)
}
