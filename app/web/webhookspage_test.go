package web

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/assayhq/assay/app/platform"
	"github.com/assayhq/assay/app/webhook"
	"github.com/assayhq/assay/ent/web/membership"
	"github.com/assayhq/assay/ent/web/outgoingmail"
)

func hookForm(u string, events ...string) url.Values {
	return url.Values{"url": {u}, "description": {"ours"}, "events": events}
}

func TestWebhooksPage(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		o := env.owner(t)
		c := env.login(t, o)

		res := c.get(pathWebhookSettings)
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		doc := res.doc(t)
		require.Equal(t, 1, doc.Find("#no-webhooks").Length())
		require.Equal(t, 1, doc.Find(`#settings-nav a[href="/settings/webhooks"][aria-current="page"]`).Length())
		require.Equal(t, 1, doc.Find(`#event-task\.completed[checked]`).Length())

		// A private address is refused by the API: the form comes back with 422.
		res = c.postForm(pathWebhookSettings, hookForm("http://10.0.0.1/hook", "task.completed"))
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, res.Body)
		require.Contains(t, res.doc(t).Find("#webhook-error").Text(), "private")
		res = c.postForm(pathWebhookSettings, hookForm("https://hooks.example.com/a"))
		require.Equal(t, http.StatusUnprocessableEntity, res.StatusCode, res.Body)
		require.Contains(t, res.doc(t).Find("#webhook-error").Text(), "at least one event")

		// Added: the secret is shown once.
		res = c.postForm(pathWebhookSettings, hookForm("https://hooks.example.com/a", "task.completed", "task.failed"))
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		doc = res.doc(t)
		secret, _ := doc.Find("#new-secret-value").Attr("value")
		require.True(t, strings.HasPrefix(secret, "whsec_"), "secret shown: %q", secret)
		eps := env.api.hooks.state(o.OrgID)
		require.Len(t, eps, 1)
		ep := eps[0]
		require.Equal(t, []string{"task.completed", "task.failed"}, ep.Events)
		require.Equal(t, "enabled", strings.TrimSpace(doc.Find("#webhook-"+ep.ID+" .status").Text()))
		require.Zero(t, c.get(pathWebhookSettings).doc(t).Find("#new-secret-value").Length(), "shown only once")

		// Rotate through htmx: the panel alone, with the new secret.
		res = c.postForm(pathWebhookSettings+"/"+ep.ID+"/rotate", url.Values{}, "HX-Request", "true")
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		doc = res.doc(t)
		require.Zero(t, doc.Find("#settings-nav").Length(), "a fragment")
		rotated, _ := doc.Find("#new-secret-value").Attr("value")
		require.True(t, strings.HasPrefix(rotated, "whsec_"))
		require.NotEqual(t, secret, rotated)

		// Disable, then enable.
		res = c.postForm(pathWebhookSettings+"/"+ep.ID+"/state", url.Values{"enabled": {"false"}})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.False(t, env.api.hooks.state(o.OrgID)[0].Enabled)
		res = c.postForm(pathWebhookSettings+"/"+ep.ID+"/state", url.Values{"enabled": {"true"}}, "HX-Request", "true")
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		require.Contains(t, res.doc(t).Find("#webhooks-notice").Text(), "enabled")
		require.True(t, env.api.hooks.state(o.OrgID)[0].Enabled)

		// The delivery log and its Redeliver button.
		d := env.api.hooks.addDelivery(ep.ID)
		res = c.get(pathWebhookSettings + "/" + ep.ID)
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		row := res.doc(t).Find("#delivery-" + d.ID)
		require.Equal(t, "failed", strings.TrimSpace(row.Find(".status").Text()))
		require.Contains(t, row.Find(".code").Text(), "500")
		require.Equal(t, "2", strings.TrimSpace(row.Find(".attempts").Text()))
		require.Equal(t, 1, row.Find(".next time").Length())
		res = c.postForm(pathWebhookSettings+"/deliveries/"+d.ID+"/redeliver", url.Values{"endpoint": {ep.ID}}, "HX-Request", "true")
		require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		require.Contains(t, res.doc(t).Find("#webhook-notice").Text(), "delivered again")
		require.Equal(t, []string{d.ID}, env.api.hooks.redelivered)

		// Delete.
		res = c.postForm(pathWebhookSettings+"/"+ep.ID+"/delete", url.Values{})
		require.Equal(t, http.StatusSeeOther, res.StatusCode, res.Body)
		require.Empty(t, env.api.hooks.state(o.OrgID))

		// Members may not manage webhooks.
		m := env.withRole(t, o, membership.RoleMember)
		mc := env.login(t, m)
		require.Equal(t, http.StatusForbidden, mc.get(pathWebhookSettings).StatusCode)
		require.Equal(t, http.StatusForbidden, mc.postForm(pathWebhookSettings, hookForm("https://x.example.com", "task.failed")).StatusCode)
	})
}

// The API's endpoint.disabled event has the owners emailed, once per webhook id.
func TestEndpointDisabledMailsOwners(t *testing.T) {
	eachDB(t, func(t *testing.T, env *testEnv) {
		o := env.owner(t)
		admin := env.withRole(t, o, membership.RoleAdmin)
		body, err := json.Marshal(webhook.EndpointDisabledEvent{Type: webhook.EventEndpointDisabled,
			Data: webhook.EndpointDisabledData{EndpointID: platform.NewID(), OrgID: o.OrgID,
				URL: "https://hooks.example.com/gone", Reason: "the endpoint answered 410 Gone", DisabledAt: time.Now().UTC()}})
		require.NoError(t, err)
		id := "msg_" + platform.NewID()
		for range 2 {
			res := env.postWebhook(t, webhook.Headers(testSecret, id, time.Now(), body), body)
			require.Equal(t, http.StatusOK, res.StatusCode, res.Body)
		}
		ctx := context.Background()
		mails := env.db.OutgoingMail.Query().Where(outgoingmail.To(o.Email)).AllX(ctx)
		require.Len(t, mails, 1, "one mail per owner, however often the event arrives")
		require.Contains(t, mails[0].Subject, "webhook endpoint")
		require.Contains(t, mails[0].Text, "https://hooks.example.com/gone")
		require.Contains(t, mails[0].Text, "410 Gone")
		require.Contains(t, mails[0].HTML, "/settings/webhooks")
		require.Zero(t, env.db.OutgoingMail.Query().Where(outgoingmail.To(admin.Email)).CountX(ctx), "owners only")
	})
}
