package jobs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gocraft/work"

	"github.com/assayhq/assay/app/endpoints"
	"github.com/assayhq/assay/app/netguard"
	"github.com/assayhq/assay/app/tenant"
	"github.com/assayhq/assay/app/webhook"
	entapi "github.com/assayhq/assay/ent/api"
	"github.com/assayhq/assay/ent/api/webhookdelivery"
)

// WebhookDeliver makes one attempt of a delivery to an organization's endpoint. The
// delivery row says when an attempt is due; the job only rings.
const WebhookDeliver = "webhook.deliver"

// deliverySchedule is the wait before each retry: ten attempts over about three days.
var deliverySchedule = []time.Duration{
	5 * time.Second, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour, 5 * time.Hour,
	10 * time.Hour, 14 * time.Hour, 20 * time.Hour, 24 * time.Hour,
}

// maxDeliveryAttempts is one first attempt plus one per scheduled retry.
var maxDeliveryAttempts = len(deliverySchedule) + 1

const (
	// deliveryTimeout bounds one attempt, connection to last byte read.
	deliveryTimeout = 10 * time.Second
	// deliveryClaim is how long a claimed attempt holds its delivery; one whose worker
	// died is due again afterwards.
	deliveryClaim = time.Minute
	// excerptBytes caps the stored excerpt of an endpoint's answer.
	excerptBytes = 1024
	// disableAfter is how long an endpoint may fail without a single success before it
	// is disabled.
	disableAfter = 5 * 24 * time.Hour
)

// deliveryRetryDelay is the wait after failed attempt n (1-based), with ±10% jitter, and false
// once the schedule is used up.
func deliveryRetryDelay(n int) (time.Duration, bool) {
	if n < 1 || n > len(deliverySchedule) {
		return 0, false
	}
	d := deliverySchedule[n-1]
	jitter := time.Duration(rand.Int64N(int64(d)/5+1)) - d/10 // #nosec G404 -- jitter needs no secrecy
	return d + jitter, true
}

// attemptResult is what one POST produced.
type attemptResult struct {
	code     int
	err      string
	excerpt  string
	duration time.Duration
}

func (a attemptResult) ok() bool { return a.err == "" && a.code >= 200 && a.code < 300 }

func (r *Runner) deliverWebhook(job *work.Job) error {
	id := job.ArgString("delivery_id")
	if err := job.ArgError(); err != nil {
		return fmt.Errorf("jobs: %s: %w", job.Name, err)
	}
	return r.deliverOnce(tenant.System(context.Background()), id)
}

// deliverOnce claims the delivery if an attempt is due, posts it and records the
// outcome. A duplicate or early job claims nothing and returns.
func (r *Runner) deliverOnce(ctx context.Context, id string) error {
	d, err := r.db.WebhookDelivery.Get(ctx, id)
	if entapi.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("jobs: load delivery %s: %w", id, err)
	}
	at := r.deps.Clock().UTC()
	n, err := r.db.WebhookDelivery.Update().
		Where(webhookdelivery.ID(d.ID), webhookdelivery.Attempts(d.Attempts),
			webhookdelivery.StatusIn(webhookdelivery.StatusPending, webhookdelivery.StatusFailed),
			webhookdelivery.NextAttemptAtLTE(at)).
		SetAttempts(d.Attempts + 1).SetNextAttemptAt(at.Add(deliveryClaim)).
		Save(ctx)
	if err != nil {
		return fmt.Errorf("jobs: claim delivery %s: %w", id, err)
	}
	if n == 0 {
		return nil
	}
	attempt := d.Attempts + 1
	ep, err := r.db.WebhookEndpoint.Get(ctx, d.EndpointID)
	if err != nil && !entapi.IsNotFound(err) {
		return fmt.Errorf("jobs: load endpoint %s: %w", d.EndpointID, err)
	}
	if ep == nil || ep.DeletedAt != nil || !ep.Enabled {
		return r.finishDelivery(ctx, d, nil, attempt, attemptResult{err: "the endpoint is disabled or deleted"}, at, true)
	}
	res := r.postEndpoint(ctx, ep, d, at)
	return r.finishDelivery(ctx, d, ep, attempt, res, at, false)
}

// postEndpoint signs and posts the delivery's payload to ep.
func (r *Runner) postEndpoint(ctx context.Context, ep *entapi.WebhookEndpoint, d *entapi.WebhookDelivery, at time.Time) attemptResult {
	if r.deps.Sealer == nil {
		return attemptResult{err: "webhook signing is not configured"}
	}
	secrets, err := endpoints.Secrets(r.deps.Sealer, ep, at)
	if err != nil {
		r.log.Error("jobs: endpoint secret", "endpoint_id", ep.ID, "err", err)
		return attemptResult{err: "the endpoint's signing secret could not be read"}
	}
	body := []byte(d.Payload)
	ctx, cancel := context.WithTimeout(ctx, deliveryTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.URL, bytes.NewReader(body))
	if err != nil {
		return attemptResult{err: "the endpoint URL is not valid"}
	}
	for k, v := range webhook.HeadersAll(secrets, d.EventID, at, body) {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "assay-webhooks/1")
	start := time.Now()
	res, err := r.deps.EndpointHTTP.Do(req)
	if err != nil {
		return attemptResult{err: postError(err), duration: time.Since(start)}
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, excerptBytes))
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	out := attemptResult{code: res.StatusCode, excerpt: excerpt(b), duration: time.Since(start)}
	if !out.ok() {
		out.err = fmt.Sprintf("the endpoint answered %d %s", res.StatusCode, http.StatusText(res.StatusCode))
	}
	return out
}

// postError phrases a failed request for the delivery log.
func postError(err error) string {
	switch {
	case netguard.IsRefused(err):
		return "the endpoint's host resolves to a private or reserved address, which is not allowed"
	case errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "Client.Timeout"):
		return fmt.Sprintf("the endpoint did not answer within %s", deliveryTimeout)
	}
	return clip("the endpoint could not be reached: " + err.Error())
}

// excerpt keeps valid UTF-8 of an answer's first bytes.
func excerpt(b []byte) string {
	for len(b) > 0 && !utf8.Valid(b) {
		b = b[:len(b)-1]
	}
	return string(b)
}
