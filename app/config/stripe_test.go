package config

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestStripeConfig(t *testing.T) {
	full := Stripe{SecretKey: "sk_live_x", WebhookSecret: "whsec_x", PriceProMonthly: "price_1", PriceProYearly: "price_2",
		PriceBusinessMonthly: "price_3", PriceBusinessYearly: "price_4", GracePeriod: 7 * 24 * time.Hour}
	noSecret := full
	noSecret.WebhookSecret = ""
	noPrice := full
	noPrice.PriceBusinessYearly = ""
	badKey := full
	badKey.SecretKey = "pk_live_x"
	cases := []struct {
		name    string
		env     string
		s       Stripe
		enabled bool
		err     string
	}{
		{"off", EnvProduction, Stripe{GracePeriod: time.Hour}, false, ""},
		{"the seeded placeholder is off", EnvProduction, Stripe{SecretKey: StripeKeyPlaceholder, WebhookSecret: "whsec_replace_me"}, false, ""},
		{"complete in production", EnvProduction, full, true, ""},
		{"production without webhook secret", EnvProduction, noSecret, true, "STRIPE_WEBHOOK_SECRET must be set"},
		{"production without a price", EnvProduction, noPrice, true, "STRIPE_PRICE_BUSINESS_YEARLY must be set"},
		{"development without prices", EnvDevelopment, Stripe{SecretKey: "sk_test_1"}, true, ""},
		{"publishable key", EnvDevelopment, badKey, true, "STRIPE_SECRET_KEY must be"},
		{"negative trial", EnvDevelopment, Stripe{TrialDays: -1}, false, "STRIPE_TRIAL_DAYS"},
		{"negative grace", EnvDevelopment, Stripe{GracePeriod: -time.Second}, false, "BILLING_GRACE_PERIOD"},
		{"relative API base", EnvDevelopment, Stripe{APIBase: "localhost:12111"}, false, "STRIPE_API_BASE"},
		{"stripe-mock", EnvDevelopment, Stripe{SecretKey: "sk_test_1", APIBase: "http://127.0.0.1:12111"}, true, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := Config{Env: tc.env, Stripe: tc.s}
			require.Equal(t, tc.enabled, tc.s.Enabled())
			err := errors.Join(c.validateStripe()...)
			if tc.err == "" {
				require.NoError(t, err)
				return
			}
			require.ErrorContains(t, err, tc.err)
			require.NotContains(t, err.Error(), "sk_live_x")
		})
	}
}

func TestStripeConfigFromEnv(t *testing.T) {
	t.Setenv("STRIPE_SECRET_KEY", "sk_test_1")
	t.Setenv("STRIPE_PRICE_PRO_MONTHLY", "price_pm")
	t.Setenv("STRIPE_TRIAL_DAYS", "14")
	c, err := Load()
	require.NoError(t, err)
	require.True(t, c.Stripe.Enabled())
	require.Equal(t, "price_pm", c.Stripe.PriceProMonthly)
	require.Equal(t, 14, c.Stripe.TrialDays)
	require.Equal(t, 7*24*time.Hour, c.Stripe.GracePeriod)
}
