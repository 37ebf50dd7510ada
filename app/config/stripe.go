package config

import (
	"errors"
	"net/url"
	"strings"
	"time"
)

// Stripe configures billing. Billing is off unless SecretKey is set; in production a key
// requires the webhook signing secret and every price id.
type Stripe struct {
	// SecretKey is the Stripe API key (sk_… or a restricted rk_… key).
	SecretKey string `env:"STRIPE_SECRET_KEY"`
	// WebhookSecret is the signing secret (whsec_…) of the endpoint $WEB_URL/webhooks/stripe.
	WebhookSecret string `env:"STRIPE_WEBHOOK_SECRET"`
	// Price ids (price_…) of each paid plan and interval.
	PriceProMonthly      string `env:"STRIPE_PRICE_PRO_MONTHLY"`
	PriceProYearly       string `env:"STRIPE_PRICE_PRO_YEARLY"`
	PriceBusinessMonthly string `env:"STRIPE_PRICE_BUSINESS_MONTHLY"`
	PriceBusinessYearly  string `env:"STRIPE_PRICE_BUSINESS_YEARLY"`
	// APIBase replaces https://api.stripe.com, for stripe-mock in development and tests.
	APIBase string `env:"STRIPE_API_BASE"`
	// TrialDays is the free trial of a new subscription (0: none).
	TrialDays int `env:"STRIPE_TRIAL_DAYS" envDefault:"0"`
	// GracePeriod is how long a past-due organization keeps its plan before it falls
	// back to Free.
	GracePeriod time.Duration `env:"BILLING_GRACE_PERIOD" envDefault:"168h"`
}

// StripeKeyPlaceholder is the value infrastructure seeds STRIPE_SECRET_KEY with before an
// operator writes the account's key; billing stays off (and says so) while it is there.
const StripeKeyPlaceholder = "sk_replace_me"

// Enabled reports whether billing is on: a key is set and it is not the placeholder.
func (s Stripe) Enabled() bool { return s.SecretKey != "" && s.SecretKey != StripeKeyPlaceholder }

// validateStripe checks the billing settings. The key and secrets are never repeated in
// an error.
func (c Config) validateStripe() []error {
	s := c.Stripe
	var errs []error
	if s.TrialDays < 0 || s.TrialDays > 730 {
		errs = append(errs, errors.New("STRIPE_TRIAL_DAYS must be between 0 and 730"))
	}
	if s.GracePeriod < 0 {
		errs = append(errs, errors.New("BILLING_GRACE_PERIOD must not be negative"))
	}
	if s.APIBase != "" {
		if u, err := url.Parse(s.APIBase); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, errors.New("STRIPE_API_BASE must be an absolute http(s) URL"))
		}
	}
	if !s.Enabled() {
		return errs
	}
	if !strings.HasPrefix(s.SecretKey, "sk_") && !strings.HasPrefix(s.SecretKey, "rk_") {
		errs = append(errs, errors.New("STRIPE_SECRET_KEY must be a secret (sk_…) or restricted (rk_…) key"))
	}
	if !c.Production() {
		return errs
	}
	for name, v := range map[string]string{
		"STRIPE_WEBHOOK_SECRET":         s.WebhookSecret,
		"STRIPE_PRICE_PRO_MONTHLY":      s.PriceProMonthly,
		"STRIPE_PRICE_PRO_YEARLY":       s.PriceProYearly,
		"STRIPE_PRICE_BUSINESS_MONTHLY": s.PriceBusinessMonthly,
		"STRIPE_PRICE_BUSINESS_YEARLY":  s.PriceBusinessYearly,
	} {
		if v == "" {
			errs = append(errs, errors.New(name+" must be set in production when STRIPE_SECRET_KEY is"))
		}
	}
	return errs
}
