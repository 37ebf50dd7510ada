package web

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// API paths of the webhook settings.
const (
	webhookEndpointsPath  = "/v1/api/webhook-endpoints"
	webhookDeliveriesPath = "/v1/api/webhook-deliveries"
)

// webhookEndpoint is the API's JSON of an endpoint; Secret is set only in the answer to
// a create or a rotation.
type webhookEndpoint struct {
	ID             string     `json:"id"`
	URL            string     `json:"url"`
	Description    string     `json:"description"`
	Events         []string   `json:"events"`
	Enabled        bool       `json:"enabled"`
	DisabledAt     *time.Time `json:"disabled_at"`
	DisabledReason string     `json:"disabled_reason"`
	CreatedAt      time.Time  `json:"created_at"`
	LastSuccessAt  *time.Time `json:"last_success_at"`
	Secret         string     `json:"secret,omitempty"`
}

// webhookDelivery is one entry of an endpoint's delivery log.
type webhookDelivery struct {
	ID             string     `json:"id"`
	EventType      string     `json:"event_type"`
	Status         string     `json:"status"`
	Attempts       int        `json:"attempts"`
	LastStatusCode *int       `json:"last_status_code"`
	LastError      string     `json:"last_error"`
	NextAttemptAt  *time.Time `json:"next_attempt_at"`
	CreatedAt      time.Time  `json:"created_at"`
}

type webhookEndpointList struct {
	Data       []webhookEndpoint `json:"data"`
	NextCursor *string           `json:"next_cursor"`
}

type webhookDeliveryList struct {
	Data       []webhookDelivery `json:"data"`
	NextCursor *string           `json:"next_cursor"`
}

// webhookEndpointChange is a create (url and events) or a change (any field).
type webhookEndpointChange struct {
	URL         *string  `json:"url,omitempty"`
	Description *string  `json:"description,omitempty"`
	Events      []string `json:"events,omitempty"`
	Enabled     *bool    `json:"enabled,omitempty"`
}

func (a *apiClient) webhookEndpoints(ctx context.Context, acc *member) (*webhookEndpointList, error) {
	var l webhookEndpointList
	err := a.do(ctx, a.http, acc, http.MethodGet, webhookEndpointsPath+"?limit=100", "", nil, &l)
	if err != nil {
		return nil, err
	}
	return &l, nil
}

func (a *apiClient) webhookEndpoint(ctx context.Context, acc *member, id string) (*webhookEndpoint, error) {
	var e webhookEndpoint
	if err := a.do(ctx, a.http, acc, http.MethodGet, webhookEndpointsPath+"/"+url.PathEscape(id), "", nil, &e); err != nil {
		return nil, err
	}
	return &e, nil
}

func (a *apiClient) createWebhookEndpoint(ctx context.Context, acc *member, in webhookEndpointChange) (*webhookEndpoint, error) {
	return a.sendEndpoint(ctx, acc, http.MethodPost, webhookEndpointsPath, in)
}

func (a *apiClient) changeWebhookEndpoint(ctx context.Context, acc *member, id string, in webhookEndpointChange) (*webhookEndpoint, error) {
	return a.sendEndpoint(ctx, acc, http.MethodPatch, webhookEndpointsPath+"/"+url.PathEscape(id), in)
}

func (a *apiClient) sendEndpoint(ctx context.Context, acc *member, method, path string, in webhookEndpointChange) (*webhookEndpoint, error) {
	b, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("api: encode webhook endpoint: %w", err)
	}
	var e webhookEndpoint
	if err := a.do(ctx, a.http, acc, method, path, "application/json", bytes.NewReader(b), &e); err != nil {
		return nil, err
	}
	return &e, nil
}

func (a *apiClient) deleteWebhookEndpoint(ctx context.Context, acc *member, id string) error {
	return a.do(ctx, a.http, acc, http.MethodDelete, webhookEndpointsPath+"/"+url.PathEscape(id), "", nil, nil)
}

func (a *apiClient) rotateWebhookSecret(ctx context.Context, acc *member, id string) (*webhookEndpoint, error) {
	var e webhookEndpoint
	err := a.do(ctx, a.http, acc, http.MethodPost, webhookEndpointsPath+"/"+url.PathEscape(id)+"/rotate-secret", "", nil, &e)
	if err != nil {
		return nil, err
	}
	return &e, nil
}

func (a *apiClient) webhookDeliveries(ctx context.Context, acc *member, id, cursor string) (*webhookDeliveryList, error) {
	q := url.Values{"limit": {"50"}}
	if cursor != "" {
		q.Set("cursor", cursor)
	}
	var l webhookDeliveryList
	err := a.do(ctx, a.http, acc, http.MethodGet, webhookEndpointsPath+"/"+url.PathEscape(id)+"/deliveries?"+q.Encode(), "", nil, &l)
	if err != nil {
		return nil, err
	}
	return &l, nil
}

func (a *apiClient) redeliverWebhook(ctx context.Context, acc *member, id string) error {
	return a.do(ctx, a.http, acc, http.MethodPost, webhookDeliveriesPath+"/"+url.PathEscape(id)+"/redeliver", "", nil, nil)
}
