package web

import (
	"context"
	"errors"
	"log/slog"
	"net/http"

	"github.com/gofiber/fiber/v3"
	"github.com/stripe/stripe-go/v82/webhook"

	"github.com/assayhq/assay/app/apperr"
	"github.com/assayhq/assay/app/billing"
)

// pathStripeWebhook is the endpoint to register in Stripe.
const pathStripeWebhook = "/webhooks/stripe"

// maxStripeWebhookBody bounds a Stripe event: they are a few KiB, rarely tens, and
// Stripe documents no maximum, so the limit leaves room.
const maxStripeWebhookBody = 256 << 10

// stripeWebhooks receives Stripe's signed events (404 while billing is off).
type stripeWebhooks struct {
	secret string
	sync   *billing.Sync
	mail   *emailFlows
	log    *slog.Logger
	// planChanged pushes an organization's plan to the API once the event is committed,
	// so API-key clients are held to the new plan at once rather than at the next sweep.
	planChanged func(ctx context.Context, orgID string)
}

// receive verifies the Stripe-Signature (timestamps older than the library's default
// 300 s tolerance are refused) and applies the event. A replay answers 200 and changes
// nothing; a failure answers 5xx and leaves the event unrecorded, so Stripe retries it.
//
// The event's API version must be of the release train stripe-go is built for
// (stripe.APIVersion): the payload is decoded with its types, and an endpoint on another
// version is a configuration error to see, not to paper over. Such an event is refused
// (400, logged as an error) and Stripe keeps retrying it until the endpoint is fixed.
func (h stripeWebhooks) receive(c fiber.Ctx) error {
	if h.sync == nil || h.secret == "" {
		return apperr.NotFound("page")
	}
	ev, err := webhook.ConstructEventWithOptions(c.Body(), c.Get("Stripe-Signature"), h.secret,
		webhook.ConstructEventOptions{})
	switch {
	case errors.Is(err, webhook.ErrNotSigned), errors.Is(err, webhook.ErrInvalidHeader),
		errors.Is(err, webhook.ErrNoValidSignature), errors.Is(err, webhook.ErrTooOld):
		return apperr.BadRequest("Invalid Stripe signature.").WithErr(err)
	case err != nil:
		h.log.ErrorContext(c.Context(), "billing: stripe event refused (check the endpoint's API version)", slog.Any("error", err))
		return apperr.BadRequest("The event could not be read.").WithErr(err)
	}
	res, err := h.sync.Handle(c.Context(), ev)
	if err != nil {
		return err
	}
	if res.Replay {
		return c.Status(http.StatusOK).SendString("already received")
	}
	h.mail.send(c.Context(), res.Mails...)
	if res.OrgID != "" && h.planChanged != nil {
		h.planChanged(c.Context(), res.OrgID)
	}
	return c.Status(http.StatusOK).SendString("ok")
}
