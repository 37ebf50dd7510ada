package web

import (
	"context"
	"log/slog"
	"time"

	"github.com/assayhq/assay/app/audit"
	"github.com/assayhq/assay/app/billing"
)

// graceSweepEvery is how often the web app moves organizations past their grace period
// to Free.
const graceSweepEvery = 15 * time.Minute

// setupBilling builds the billing pages and the Stripe receiver; billing is off unless
// d.Billing is given or STRIPE_SECRET_KEY is set.
func (s *Server) setupBilling(d Deps, auditLog *audit.Log, log *slog.Logger) {
	cfg := d.Config.Stripe
	client := d.Billing
	if client == nil && cfg.Enabled() {
		client = billing.NewStripe(cfg, d.HTTP)
	}
	prices := billing.NewPrices(cfg)
	s.billing = billingPages{db: d.DB, views: s.views, prices: prices, webURL: d.Config.WebURL,
		trialDays: cfg.TrialDays, grace: cfg.GracePeriod, audit: auditLog.Record}
	s.stripeHooks = stripeWebhooks{secret: cfg.WebhookSecret, mail: s.mail, log: log, planChanged: s.planChanged}
	if client == nil {
		return
	}
	s.billing.client = client
	sync := &billing.Sync{DB: d.DB, Client: client, Prices: prices, Grace: cfg.GracePeriod, Audit: auditLog,
		Outbox: s.mail.outbox, Log: log, Now: func() time.Time { return time.Now().UTC() }}
	s.stripeHooks.sync = sync
	go s.sweepGrace(sync, log)
}

// sweepGrace runs billing's grace sweep until the server shuts down.
func (s *Server) sweepGrace(sync *billing.Sync, log *slog.Logger) {
	t := time.NewTicker(graceSweepEvery)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			moved, err := sync.Sweep(ctx)
			if err != nil {
				log.Error("billing: grace sweep failed", slog.Any("error", err))
			}
			if moved > 0 { // push the organizations moved to Free now, not at the next plan sweep
				if _, err := s.plans.sweep(ctx); err != nil {
					log.Warn("plans: sweep failed; retrying later", slog.Any("error", err))
				}
			}
			cancel()
		}
	}
}
