package webhook

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// EventPing is the test event an organization sends to its own endpoint.
const EventPing = "webhook.ping"

// EndpointEvents are the event types an organization's endpoints may subscribe to.
var EndpointEvents = []string{EventTaskCompleted, EventTaskFailed}

// IsEndpointEvent reports whether typ may be subscribed to.
func IsEndpointEvent(typ string) bool {
	for _, e := range EndpointEvents {
		if e == typ {
			return true
		}
	}
	return false
}

// SignAll returns the webhook-signature value with one "v1," signature per secret,
// space-separated, as a receiver accepts during a secret rotation.
func SignAll(secrets []string, msgID string, ts time.Time, body []byte) string {
	sigs := make([]string, 0, len(secrets))
	for _, s := range secrets {
		sigs = append(sigs, Sign(s, msgID, ts, body))
	}
	return strings.Join(sigs, " ")
}

// HeadersAll is Headers signed with every secret in secrets.
func HeadersAll(secrets []string, msgID string, ts time.Time, body []byte) http.Header {
	h := http.Header{}
	h.Set(HeaderID, msgID)
	h.Set(HeaderTimestamp, strconv.FormatInt(ts.Unix(), 10))
	h.Set(HeaderSignature, SignAll(secrets, msgID, ts, body))
	return h
}

// EventEndpointDisabled tells the web app that the API disabled an organization's
// endpoint, so it can email the organization's owners.
const EventEndpointDisabled = "endpoint.disabled"

// EndpointDisabledEvent is the body of an endpoint.disabled webhook to the web app.
type EndpointDisabledEvent struct {
	Type string               `json:"type"`
	Data EndpointDisabledData `json:"data"`
}

// EndpointDisabledData names the endpoint and why it was disabled.
type EndpointDisabledData struct {
	EndpointID string    `json:"endpoint_id"`
	OrgID      string    `json:"org_id"`
	URL        string    `json:"url"`
	Reason     string    `json:"reason"`
	DisabledAt time.Time `json:"disabled_at"`
}
