package web

import (
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/plan"
	entweb "github.com/assayhq/assay/ent/web"
	"github.com/assayhq/assay/ent/web/subscription"
)

// TestBillingPagesRender renders the pricing and billing pages and each banner, full and
// as fragments, without inline code.
func TestBillingPagesRender(t *testing.T) {
	r, err := newRenderer()
	require.NoError(t, err)
	end := time.Date(2030, 1, 2, 0, 0, 0, 0, time.UTC)
	sub := &entweb.Subscription{Status: subscription.StatusPastDue, Plan: plan.Pro, CurrentPeriodEnd: &end}
	offers := []planOffer{offer(plan.Or(plan.Pro), "month"), offer(plan.Or(plan.Business), "month")}
	offers[0].Available, offers[1].Current = true, true
	pages := []struct {
		page string
		data any
		acc  *member
		want []string
	}{
		{pagePricing, pricingPage{Interval: "year", Plans: []planOffer{offer(plan.Or(plan.Free), "year"), offer(plan.Or(plan.Pro), "year")}},
			nil, []string{"#plan-free", "#plan-pro", `#interval-year[aria-current="page"]`, "#choose-pro"}},
		{pageSettingsBilling, billingPage{Enabled: true, CanManage: true, Plan: plan.Or(plan.Pro), Sub: sub, Interval: "month",
			Offers: offers, PeriodEnd: "2 January 2030", GraceEnd: "9 January 2030", NextPlan: "Free", NextChange: "2 January 2030"},
			&member{Role: "owner", Billing: &billingNotice{Kind: "past_due", Plan: "Pro", Date: "9 January 2030"}},
			[]string{"#subscription-status", "#grace-end", "#next-plan", "#portal-submit", "#checkout-pro", `#billing-banner[data-billing="past_due"]`}},
		{pageSettingsBilling, billingPage{Enabled: true, Plan: plan.Or(plan.Free), Interval: "month", Offers: offers},
			&member{Role: "member", Billing: &billingNotice{Kind: "trialing", Plan: "Pro", Date: "2 January 2030"}},
			[]string{"#billing-readonly", `#billing-banner[data-billing="trialing"]`}},
		{pageSettingsBilling, billingPage{Plan: plan.Or(plan.Free), Interval: "month", Error: "x"},
			&member{Role: "owner", Billing: &billingNotice{Kind: "ended", Plan: "Pro"}},
			[]string{"#billing-off", "#billing-error", `#billing-banner[data-billing="ended"]`}},
	}
	for _, p := range pages {
		for _, frag := range []bool{false, true} {
			v := view{Page: p.page, Data: p.data, Account: p.acc, CSRF: "tok"}
			name := layoutBase
			if frag {
				name = p.page + "/content"
			}
			out, err := r.exec(name, v)
			require.NoError(t, err)
			doc, err := goquery.NewDocumentFromReader(strings.NewReader(string(out)))
			require.NoError(t, err)
			for _, sel := range p.want {
				if frag && strings.HasPrefix(sel, "#billing-banner") {
					continue // the banner is the layout's
				}
				require.Equal(t, 1, doc.Find(sel).Length(), "%s (fragment=%v): %s", p.page, frag, sel)
			}
			requireNoInlineCode(t, doc)
		}
	}
}
