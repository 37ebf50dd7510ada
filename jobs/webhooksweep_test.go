package jobs

import (
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/ent/api/outbox"
	"github.com/assayhq/assay/ent/api/webhookendpoint"
)

// An endpoint failing for five days is disabled by the reconciler even when no delivery
// is due to notice it; one failing for less, or disabled already, is left alone.
func TestReconcilerDisablesQuietFailingEndpoints(t *testing.T) {
	eachBackend(t, func(t *testing.T, e *env) {
		ctx := sys()
		at := time.Now().UTC()
		endpoint := func(failingFor time.Duration, enabled bool) string {
			ep, err := e.db.WebhookEndpoint.Create().SetOrgID(e.org).SetURL("https://hooks.example.com/a").
				SetEventTypes([]string{"task.completed"}).SetSecretSealed("sealed").
				SetFailingSince(at.Add(-failingFor)).SetEnabled(enabled).Save(ctx)
			require.NoError(t, err)
			return ep.ID
		}
		quiet := endpoint(disableAfter+time.Hour, true)
		recent := endpoint(disableAfter-time.Hour, true)
		off := endpoint(disableAfter+time.Hour, false)

		opts := testOptions()
		rc := newReconciler(e.newPool(t, opts).runner)
		require.NoError(t, rc.quietFailingEndpoints(ctx))
		require.NoError(t, rc.quietFailingEndpoints(ctx), "a second pass changes nothing")

		for id, enabled := range map[string]bool{quiet: false, recent: true, off: false} {
			ep, err := e.db.WebhookEndpoint.Get(ctx, id)
			require.NoError(t, err)
			require.Equal(t, enabled, ep.Enabled, id)
		}
		ep, err := e.db.WebhookEndpoint.Get(ctx, quiet)
		require.NoError(t, err)
		require.Equal(t, reasonFailing, ep.DisabledReason)
		// One message for the web app to email the owners, for the one endpoint disabled.
		msgs, err := e.db.Outbox.Query().Where(outbox.Topic(topicWebEndpoint)).All(ctx)
		require.NoError(t, err)
		require.Len(t, msgs, 1)
		require.Contains(t, string(msgs[0].Payload), quiet)
		n, err := e.db.WebhookEndpoint.Query().Where(webhookendpoint.Enabled(false)).Count(ctx)
		require.NoError(t, err)
		require.Equal(t, 2, n)
	})
}
